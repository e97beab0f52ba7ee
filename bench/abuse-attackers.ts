// The attackers of npm run bench:abuse, run as their own process so their load never shares
// the event loop that times the honest readers and the staff member.
//   tsx bench/abuse-attackers.ts '<json AttackSpec>'
// prints "go <epoch ms>" when the attack starts. It attacks until SIGTERM (donate forms until
// `seconds` have passed; login guesses until each address has sent its share or, one at a
// time, until `seconds`), then prints one JSON AttackResult line and exits: what is still in
// flight is dropped, so the bench ends when what it measures is done, however slow the machine.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { PROJECT_ROOT } from '../lib/config.ts';
import { client, donateOnce, openLogin, postLogin, type Client } from './abuse-http.ts';

export type Layout = 'per-network' | 'own-network';

export type AttackSpec =
  | {
      kind: 'donate';
      url: string;
      addresses: number;
      layout: Layout;
      networks: number;
      /** Requests in flight at once; one per address is every address posting as fast as it can. */
      connections: number;
      seconds: number;
    }
  | {
      kind: 'login';
      url: string;
      addresses: number;
      attemptsEach: number;
      /** one: each address waits for its answer before the next guess, for `seconds`; all: every guess sent at once. */
      pace: 'one' | 'all';
      seconds: number;
      email: string;
    };

export interface AttackResult {
  /** Posts sent (donate forms, or login guesses), answered or not. */
  attempts: number;
  /** Answers to those posts by status ("GET 408" when the page before the post failed). */
  answers: Record<string, number>;
  /** Requests that failed without an answer, by error (reset, timed out). */
  failures: Record<string, number>;
  /** Posts still unanswered when the attack was stopped. */
  inFlight: number;
  /** Every request answered, pages included. */
  requests: number;
  /** From go to the stop. */
  elapsedMs: number;
  /** From go to the last answer. */
  lastAnswerMs: number;
}

/**
 * Attacker address n: 10.0.0.0/8, never the honest readers' 198.18.0.0/15 or the staff's.
 * per-network: spread evenly over `networks` /24s; own-network: each in its own /24.
 */
export function attackerAddress(n: number, layout: Layout, networks: number): string {
  if (layout === 'own-network') return `10.${1 + Math.floor(n / 250)}.${n % 250}.1`;
  return `10.0.${n % networks}.${1 + Math.floor(n / networks)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started: ChildProcess[] = [];

/** Starts an attackers' process: `started` at its "go" line; `stop()` ends the attack and gives its result. */
export function attack(spec: AttackSpec): { started: Promise<number>; stop: () => Promise<AttackResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/abuse-attackers.ts', JSON.stringify(spec)], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  let out = '';
  let onGo: (t: number) => void = () => undefined;
  let noGo: (err: Error) => void = () => undefined;
  const go = new Promise<number>((resolve, reject) => ((onGo = resolve), (noGo = reject)));
  child.stdout.on('data', (d) => {
    out += String(d);
    const line = /^go (\d+)$/m.exec(out);
    if (line) onGo(Number(line[1]));
  });
  const exited = new Promise<AttackResult>((resolve, reject) =>
    child.on('exit', (code) => {
      // Before its go line too: the bench must not wait for an attack that never started.
      const failed = new Error(`the attackers' process exited with ${code}`);
      noGo(failed);
      if (code !== 0) return reject(failed);
      resolve(JSON.parse(out.trim().split('\n').pop()!) as AttackResult);
    }),
  );
  // Read by whoever awaits `started` or `stop()`; a crash must not also be an unhandled rejection here.
  exited.catch(() => undefined);
  return { started: go, stop: () => (child.kill('SIGTERM'), exited) };
}

/** Kills attackers' processes still running. */
export function killAttackers(): void {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
}

async function main() {
  const spec = JSON.parse(process.argv[2] ?? '{}') as AttackSpec;
  const r: AttackResult = {
    attempts: 0,
    answers: {},
    failures: {},
    inFlight: 0,
    requests: 0,
    elapsedMs: 0,
    lastAnswerMs: 0,
  };
  let answered = 0;
  let failed = 0;
  let go = 0;
  const fail = (err: unknown) => {
    failed++;
    const key = (err as Error).message;
    r.failures[key] = (r.failures[key] ?? 0) + 1;
  };
  const tally = (key: string) => {
    answered++;
    r.lastAnswerMs = Date.now() - go;
    r.answers[key] = (r.answers[key] ?? 0) + 1;
  };
  const layout: Layout = spec.kind === 'donate' ? spec.layout : 'own-network';
  const networks = spec.kind === 'donate' ? spec.networks : spec.addresses;
  const addresses = Array.from({ length: spec.addresses }, (_, n) => attackerAddress(n, layout, networks));
  // Each address opens the login page once, as a browser would, and reuses its token.
  // (a browser: its own connections and cookies).
  const browsers: Client[] =
    spec.kind === 'login' ? addresses.map((a) => client(spec.url, new http.Agent({ keepAlive: true }), a)) : [];
  const tokens = await Promise.all(browsers.map((c) => openLogin(c)));
  go = Date.now();
  const end = go + spec.seconds * 1000;
  process.on('SIGTERM', () => {
    r.elapsedMs = Date.now() - go;
    r.inFlight = r.attempts - answered - failed;
    process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0));
  });
  process.stdout.write(`go ${go}\n`);

  if (spec.kind === 'donate') {
    let next = 0;
    // Each connection takes the next address in turn (one connection per address: each posts
    // as fast as it is answered). They open over the first second: all at once would overflow
    // the listen backlog, and the retried connects would be counted as the server's slowness.
    const worker = async (k: number) => {
      // A connection of its own, kept open from one post to the next.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      await sleep((k * 1000) / spec.connections);
      while (Date.now() < end) {
        const c = client(spec.url, agent, addresses[next++ % addresses.length]!);
        r.attempts++;
        try {
          const { page, post } = await donateOnce(c, '5', 120_000);
          r.requests += post ? 2 : 1;
          tally(post ? String(post.status) : `GET ${page}`);
        } catch (err) {
          fail(err);
        }
      }
    };
    await Promise.all(Array.from({ length: spec.connections }, (_, k) => worker(k)));
  } else {
    const email = spec.email;
    const guess = async (c: Client, token: string, i: number) => {
      r.attempts++;
      try {
        const a = await postLogin(c, token, email, `wrong guess ${c.address} ${i}`);
        r.requests++;
        tally(String(a.status));
      } catch (err) {
        fail(err);
      }
    };
    await Promise.all(
      browsers.map(async (c, k) => {
        const token = tokens[k]!;
        // Over the first second, as the donate connections, so that no connect is retried.
        await sleep((k * 1000) / browsers.length);
        if (spec.pace === 'all')
          return Promise.all(Array.from({ length: spec.attemptsEach }, (_, i) => guess(c, token, i)));
        for (let i = 0; i < spec.attemptsEach && Date.now() < end; i++) await guess(c, token, i);
      }),
    );
  }
  // Done before the stop: wait for it, so the result always covers the same span.
  setInterval(() => undefined, 60_000);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
