// Runs the real `server.ts` (what `npm start` runs) as a child process on a free port, with
// its own temp database and the built-in emulator: the newcomer's path, end to end.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { loadConfig, PROJECT_ROOT } from '../../lib/config.ts';
import { createDb } from '../../lib/db/database.ts';
import { addStaff, type StaffRole } from '../../lib/staff/users.ts';
import { freshDatabase } from './database.ts';

export interface ServerProcess {
  url: string;
  port: number;
  databaseUrl: string;
  logs: () => string;
  /** Sends a signal and resolves with the exit code once the process has ended. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Closes the reading end of its stdout, as a log shipper or supervisor that went away. */
  closeStdout(): void;
  /** Stops reading its stdout (the pipe fills up), as a stalled log shipper. */
  stallStdout(): void;
  stop(): Promise<void>;
  /** What /api/progress says was raised, in minor units. */
  raised(): Promise<number>;
  /** A staff account on this server's database (an admin unless said). */
  addStaff(email: string, password: string, role?: StaffRole): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts server.ts; with `databaseUrl`, several processes can share one database (it is not
 * dropped). `port` reuses a given port (a restarted instance behind a balancer that knows it).
 */
export async function startServerProcess(
  env: Record<string, string> = {},
  databaseUrl?: string,
  opts: { port?: number } = {},
): Promise<ServerProcess> {
  const database = databaseUrl ? { url: databaseUrl, drop: async () => undefined } : await freshDatabase();
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      BASE_URL: url,
      DATABASE_URL: database.url,
      FUNDRAISER_GOAL: '1000',
      // "{url}" in a value stands for the server's own address, known only now.
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll('{url}', url)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start in 30s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    databaseUrl: database.url,
    raised: async () => ((await (await fetch(`${url}/api/progress`)).json()) as { raised: number }).raised,
    addStaff: async (email, password, role = 'admin') => {
      const db = createDb(loadConfig({ DATABASE_URL: database.url }).database);
      try {
        await addStaff(db, email, password, role, new Date());
      } finally {
        await db.destroy();
      }
    },
    logs: () => output,
    kill: (signal) =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
    closeStdout: () => child.stdout!.destroy(),
    stallStdout: () => {
      child.stdout!.removeAllListeners('data');
      child.stdout!.pause();
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await database.drop();
    },
  };
}
