// The processes a bench run starts (the app as npm start runs it, the baselines, one
// autocannon process per round) and what it reads of them; all of them are killed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import { PROJECT_ROOT } from '../lib/config.ts';
import type { LoadResult, LoadSpec } from './load.ts';

// "npm run build --silent && NAME=value node <flags> dist/server.js" -> the environment it
// sets ({ NAME: value }), [<flags>] and dist/server.js.
const START = (
  JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split('&&')
  .pop()!
  .trim()
  .split(/\s+/);
const NODE_AT = START.findIndex((word) => !/^[A-Z_][A-Z0-9_]*=/.test(word));
const START_ENV = Object.fromEntries(
  START.slice(0, NODE_AT).map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]),
);
const START_FLAGS = START.slice(NODE_AT + 1, -1);
const START_SCRIPT = START.at(-1)!;

export interface Proc {
  name: string;
  url: string;
  child: ChildProcess;
}

const started: ChildProcess[] = [];
export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fundraiser-bench-'));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, name: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before answering`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not answer within 60 s`);
}

function spawnTs(script: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', out, out],
  });
  started.push(child);
  return child;
}

export function appEnv(databaseUrl: string, port: number): Record<string, string> {
  return {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    // The donate scenario measures the path to Checkout, not the card-testing limits.
    DONATE_LIMIT_PER_IP: '100000000',
    DONATE_LIMIT_PER_NETWORK: '100000000',
    LOG_LEVEL: 'info',
  };
}

/**
 * The app on an existing database, run as npm start runs it: the built bundle, with the start
 * script's environment and node flags. `preload`: node --import modules ahead of the app, with
 * an IPC channel to it (bench/memory-probe.js).
 */
export async function launchApp(
  name: string,
  databaseUrl: string,
  env: Record<string, string> = {},
  preload: string[] = [],
): Promise<Proc> {
  const port = await freePort();
  const out = fs.openSync(path.join(tmp, `${name}.log`), 'a');
  const args = [...START_FLAGS, ...preload.flatMap((p) => ['--import', p]), START_SCRIPT];
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...START_ENV, ...appEnv(databaseUrl, port), ...env },
    stdio: preload.length ? ['ignore', out, out, 'ipc'] : ['ignore', out, out],
  });
  started.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`, child, name);
  return { name, url, child };
}

export async function startBaseline(kind: 'express' | 'node', bytes: number): Promise<Proc> {
  const port = await freePort();
  const child = spawnTs(
    'bench/baselines.ts',
    [kind, String(port), String(bytes)],
    { PATH: process.env.PATH },
    path.join(tmp, 'baselines.log'),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, child, kind);
  return { name: `bare ${kind}`, url, child };
}

/**
 * The Stripe emulator as a process of its own (npm run emulator), for an app started with
 * STRIPE_API_URL: as with Stripe, the app's calls to it never queue behind the app's own work.
 */
export async function startEmulator(name: string): Promise<Proc> {
  const port = await freePort();
  const child = spawnTs(
    'bin/emulator.ts',
    // Nothing is paid, so no event is sent; the discard port takes any.
    ['--port', String(port), '--webhook', 'http://127.0.0.1:9/', '--settle-after', 'never'],
    { PATH: process.env.PATH, HOME: process.env.HOME },
    path.join(tmp, `${name}.log`),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/_emulator`, child, name);
  return { name, url, child };
}

export function stop(p: Proc): void {
  p.child.kill('SIGTERM');
}

/** One autocannon round from its own process. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(spec)], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code: number = await new Promise((r) => child.on('exit', (c) => r(c ?? 1)));
  if (code !== 0) throw new Error(`load round failed (${code}) for ${spec.url}`);
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}

export function procStatus(pid: number): { rssMb: number; peakMb: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Kills whatever is still running. */
export function killAll(): void {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
}
