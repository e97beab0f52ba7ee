// A throwaway PostgreSQL server (initdb + pg_ctl in a temp folder, on a free port), for
// npm test's second pass and for tests that stop the database under load.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server-process.ts';

export interface PostgresServer {
  url: string;
  /** Stops the server at once, as a crash would (pg_ctl -m immediate); its data stays. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): void;
}

function findPgBin(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...globPgDirs()]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

function globPgDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .sort()
    .reverse()
    .map((v) => path.join(root, v, 'bin'));
}

/**
 * durable: commits are flushed before they are acknowledged, as in production. Without it
 * the server trades that for speed (fine for tests that never crash it).
 */
export async function startPostgres(opts: { durable?: boolean } = {}): Promise<PostgresServer | null> {
  const initdb = findPgBin('initdb');
  const pgCtl = findPgBin('pg_ctl');
  if (!initdb || !pgCtl) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fundraiser-pg-'));
  // initdb refuses to run as root: run the server as the postgres user then.
  const asRoot = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) =>
    (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    fs.chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  execFileSync(...as(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']), {
    stdio: 'ignore',
  });
  const speed = opts.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  const serverOpts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${speed}`;
  const startArgs = ['-D', data, '-o', serverOpts, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start'];
  execFileSync(...as(pgCtl, startArgs), { stdio: 'ignore' });
  const run = promisify(execFile);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    halt: async () => void (await run(...as(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']))),
    restart: async () => void (await run(...as(pgCtl, startArgs))),
    stop: () => {
      try {
        execFileSync(...as(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
      } catch {
        // Already stopped (a test halted it): only the folder is left to remove.
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
