// nginx in front of several app instances, built from the shipped deploy/nginx/ files: the
// upstream block and log format of fundraiser.conf (its instance addresses replaced by the
// test's) and the proxy snippet fundraiser-proxy.conf as it is, on a free loopback port and
// without TLS. Runs as a foreground process of the test's own, all its files in a temp folder.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { freePort } from './server-process.ts';

export const NGINX_SITE = path.join(PROJECT_ROOT, 'deploy/nginx/fundraiser.conf');
export const NGINX_SNIPPET = path.join(PROJECT_ROOT, 'deploy/nginx/fundraiser-proxy.conf');

export interface Nginx {
  url: string;
  port: number;
  /** The access log so far, one line a request, in the shipped `fundraiser` format. */
  accessLog(): string;
  errorLog(): string;
  stop(): Promise<void>;
}

/** The nginx binary on PATH or Debian's /usr/sbin/nginx, else null. */
export function findNginx(): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin']) {
    const candidate = path.join(dir, 'nginx');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * nginx for a test file, or null (skip) with a loud warning. As with PostgreSQL in
 * test/run.ts, a CI run (CI or REQUIRE_POSTGRES set) must not skip: it throws instead.
 */
export function nginxOrSkip(what: string): string | null {
  const bin = findNginx();
  if (bin) return bin;
  if (process.env.CI || process.env.REQUIRE_POSTGRES)
    throw new Error(`nginx is required here (CI) but is not installed: apt-get install nginx-light (${what})`);
  console.warn(`\n!!! nginx not found: ${what} SKIPPED (install nginx-light to run it)\n`);
  return null;
}

/** The shipped config's upstream block with `upstreams` in place of its instances, and its log format. */
export function upstreamConfig(site: string, upstreams: number[]): string {
  const block = /^upstream fundraiser \{[\s\S]*?^\}/m.exec(site)?.[0];
  const logFormat = /^log_format fundraiser [\s\S]*?;$/m.exec(site)?.[0];
  if (!block || !logFormat) throw new Error(`${NGINX_SITE}: no "upstream fundraiser" block or log_format`);
  const serverLine = /^( *)server 127\.0\.0\.1:\d+( [^;\n]*)?;\n/gm;
  const first = serverLine.exec(block);
  if (!first) throw new Error(`${NGINX_SITE}: the upstream lists no server 127.0.0.1:PORT`);
  const servers = upstreams.map((port) => `${first[1]}server 127.0.0.1:${port}${first[2] ?? ''};\n`).join('');
  // Every instance line goes; the test's take the first one's place, with its parameters.
  const replaced = block.replace(serverLine, (line) => (line === first[0] ? servers : ''));
  return `${replaced}\n${logFormat}\n`;
}

/** Starts nginx on a free loopback port (or `port`) proxying to the instances on `upstreams`. */
export async function startNginx(bin: string, upstreams: number[], opts: { port?: number } = {}): Promise<Nginx> {
  const port = opts.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fundraiser-nginx-'));
  const temp = (name: string) => {
    const p = path.join(dir, name);
    fs.mkdirSync(p);
    return p;
  };
  const conf = [
    // As root, the workers would otherwise become www-data and could not write the temp folders.
    process.getuid?.() === 0 ? 'user root root;' : '',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'error.log')} info;`,
    'events { worker_connections 1024; }',
    'http {',
    `  client_body_temp_path ${temp('body')};`,
    `  proxy_temp_path ${temp('proxy')};`,
    `  fastcgi_temp_path ${temp('fastcgi')};`,
    `  uwsgi_temp_path ${temp('uwsgi')};`,
    `  scgi_temp_path ${temp('scgi')};`,
    upstreamConfig(fs.readFileSync(NGINX_SITE, 'utf8'), upstreams),
    '  server {',
    `    listen 127.0.0.1:${port};`,
    `    access_log ${path.join(dir, 'access.log')} fundraiser;`,
    `    include ${NGINX_SNIPPET};`,
    '  }',
    '}',
  ].join('\n');
  const confPath = path.join(dir, 'nginx.conf');
  fs.writeFileSync(confPath, conf);

  let output = '';
  // -e: the error log before the config is read (else the compiled-in path, unwritable here).
  const child: ChildProcess = spawn(
    bin,
    ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', confPath, '-g', 'daemon off;'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const read = (name: string) => {
    try {
      return fs.readFileSync(path.join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };

  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}):\n${output}${read('error.log')}`);
    if (Date.now() > deadline) throw new Error(`nginx did not listen in 10 s:\n${output}${read('error.log')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    accessLog: () => read('access.log'),
    errorLog: () => read('error.log'),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGQUIT'); // nginx's graceful stop
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether something on loopback accepts a connection at `port` now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Requests per instance port that answered them (the last address of each log line's upstream=). */
export function upstreamsServed(accessLog: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of accessLog.matchAll(/upstream=(\S+(?:, \S+)*)/g)) {
    const port = Number(/:(\d+)$/.exec(m[1]!)?.[1]);
    if (port) counts.set(port, (counts.get(port) ?? 0) + 1);
  }
  return counts;
}
