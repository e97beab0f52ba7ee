// npm run bench:abuse: issue #17's figures through the real HTTP layer. The app runs as npm
// start runs it (the built bundle, SQLite) with the shipped limits, behind TRUST_PROXY=loopback
// so X-Forwarded-For gives each made-up client its address, on a fresh database per scenario
// (no budget carries over). The Stripe emulator runs as its own process, as Stripe is elsewhere:
// the built-in one would add its work to the app's and queue the app's calls to it behind the
// flood.
// 1. Distributed donate burst: attackers post the appeal's form as fast as they are answered
//    while honest readers, each on a network of their own, make one attempt each.
// 2. Login brute force: wrong passwords for one staff account from many addresses while the
//    real staff member logs in from another (the brake's real sleep).
// Prints two tables and writes bench/results/abuse-<date>.md and .json. Not part of npm test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, loadConfig, loadConfigWith } from '../lib/config.ts';
import { client, honestReaders, openLogin, percentile, postLogin, send, visit, type Honest } from './abuse-http.ts';
import { attack, killAttackers, type AttackResult, type Layout } from './abuse-attackers.ts';
import { appEnv, killAll, launchApp, procStatus, startEmulator, stop, tmp, type Proc } from './processes.ts';
import { BENCH_STAFF, seedLedger } from './seed.ts';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = num('BENCH_ABUSE_SECONDS', 10);
const ATTACKERS = num('BENCH_ABUSE_ATTACKERS', 2000);
const NETWORKS = num('BENCH_ABUSE_NETWORKS', 20);
const CONNECTIONS = num('BENCH_ABUSE_CONNECTIONS', ATTACKERS);
const HONEST = num('BENCH_ABUSE_HONEST', 200);
// A reader not answered by then is counted as not served (a browser would wait longer, few readers would).
const HONEST_PATIENCE_MS = 30_000;
const LOGIN_ADDRESSES = num('BENCH_ABUSE_LOGIN_ADDRESSES', 100);
const LOGIN_ATTEMPTS = num('BENCH_ABUSE_LOGIN_ATTEMPTS', 20);
// How long one-guess-at-a-time attackers keep guessing (at the brake's 10 s, 20 take 200 s).
const LOGIN_SECONDS = num('BENCH_ABUSE_LOGIN_SECONDS', 30);
// Late enough that the brake is at its maximum when the staff member tries.
const STAFF_AFTER_MS = num('BENCH_ABUSE_STAFF_AFTER_MS', 5000);
// When the attempts the brake held (up to 10 s) have been let go and wait for their checks.
const READER_AFTER_MS = STAFF_AFTER_MS + 10_000;
const STAFF_PATIENCE_MS = 120_000;
const STAFF_ADDRESS = '192.0.2.10';
const SLOWED = 'staff login slowed: many failures for this account';
// BENCH_ABUSE_ONLY=donate or login: one part, while working on it; prints its table, writes no results.
const ONLY = process.env.BENCH_ABUSE_ONLY;

const log = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const s1 = (ms: number) => (ms / 1000).toFixed(1);
const round = (n: number) => Math.round(n).toLocaleString('en');

// The shipped defaults: appEnv lifts the donate limits for the speed bench, here they are the point.
const shipped = loadConfig({});
const APP_ENV = {
  TRUST_PROXY: 'loopback',
  DONATE_LIMIT_PER_IP: String(shipped.limits.donatePerIp),
  DONATE_LIMIT_PER_NETWORK: String(shipped.limits.donatePerNetwork),
};

interface Stack {
  app: Proc;
  emulator: Proc;
  /** The machine's 1-minute load average as the scenario began: others' work skews the figures. */
  load: number;
}

async function start(name: string, dbPath: string): Promise<Stack> {
  const emulator = await startEmulator(`${name}-emulator`);
  const app = await launchApp(name, `sqlite:${dbPath}`, { ...APP_ENV, STRIPE_API_URL: emulator.url });
  // Ready for real (its own answer, not another listener's), before anything is measured.
  const ready = () =>
    fetch(`${app.url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
  for (let i = 0; !(await ready()); i++) {
    if (i >= 200) throw new Error(`${name}: not ready within 20 s`);
    await sleep(100);
  }
  log(`${name}: app at ${app.url}, emulator at ${emulator.url}`);
  return { app, emulator, load: os.loadavg()[0]! };
}

/** Every Checkout Session the emulator holds. */
async function sessionsAt(emulator: Proc): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let after = ''; ;) {
    const res = await fetch(`${emulator.url}/v1/checkout/sessions?limit=100${after && `&starting_after=${after}`}`, {
      headers: { authorization: 'Bearer sk_test_bench' },
    });
    const page = (await res.json()) as { data: { id: string }[]; has_more: boolean };
    for (const s of page.data) ids.add(s.id);
    if (!page.has_more || !page.data.length) return ids;
    after = page.data.at(-1)!.id;
  }
}

/** Stops the app (its requests in flight drain), then counts the sessions and stops the emulator. */
async function finish(s: Stack) {
  const peakMb = Math.round(procStatus(s.app.child.pid!).peakMb);
  const exited = new Promise((r) => s.app.child.once('exit', r));
  stop(s.app);
  await exited;
  const sessions = await sessionsAt(s.emulator);
  stop(s.emulator);
  const lines = fs
    .readFileSync(path.join(tmp, `${s.app.name}.log`), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { peakMb, lines, sessions };
}

interface DonateRow {
  attack: string;
  honestServed: number;
  honestTotal: number;
  honestAnswers: Record<string, number>;
  honestWaitMs: { p50: number; p95: number; max: number };
  attacker: AttackResult | null;
  /** Sessions the emulator holds that no honest reader was sent to. */
  attackerSessions: number;
  limited: number;
  seconds: number;
  postsPerSecond: number;
  requestsPerSecond: number;
  appPeakRssMb: number;
  load: number;
}

async function donateScenario(name: string, label: string, layout: Layout | null): Promise<DonateRow> {
  const stack = await start(name, path.join(tmp, `${name}.sqlite`));
  const url = stack.app.url;
  let honest: Honest;
  let attacker: AttackResult | null = null;
  const t0 = Date.now();
  if (layout) {
    const networks = layout === 'own-network' ? ATTACKERS : NETWORKS;
    const a = attack({
      kind: 'donate',
      url,
      addresses: ATTACKERS,
      layout,
      networks,
      connections: CONNECTIONS,
      seconds: SECONDS,
    });
    const go = await a.started;
    honest = await honestReaders(url, go, HONEST, SECONDS * 1000, HONEST_PATIENCE_MS);
    // The attackers stop sending when their time is up; what they still have in flight is
    // dropped once the last honest reader has its answer.
    await sleep(go + SECONDS * 1000 - Date.now());
    attacker = await a.stop();
  } else {
    honest = await honestReaders(url, Date.now(), HONEST, SECONDS * 1000, HONEST_PATIENCE_MS);
  }
  // Up to the last answer, so a drained tail does not dilute the rate.
  const seconds = (attacker?.lastAnswerMs ?? Date.now() - t0) / 1000;
  const { peakMb, sessions } = await finish(stack);
  const answeredPosts = Object.entries(attacker?.answers ?? {})
    .filter(([k]) => !k.startsWith('GET'))
    .reduce((n, [, v]) => n + v, 0);
  const served = honest.sessions.filter((id) => sessions.has(id)).length;
  return {
    attack: label,
    honestServed: served,
    honestTotal: HONEST,
    honestAnswers: honest.answers,
    honestWaitMs: {
      p50: percentile(honest.waits, 0.5),
      p95: percentile(honest.waits, 0.95),
      max: honest.waits.at(-1) ?? NaN,
    },
    attacker,
    attackerSessions: sessions.size - served,
    limited: (attacker?.answers['429'] ?? 0) + (honest.answers['429'] ?? 0),
    seconds,
    postsPerSecond: (answeredPosts + HONEST) / seconds,
    requestsPerSecond: ((attacker?.requests ?? 0) + honest.requests) / seconds,
    appPeakRssMb: peakMb,
    load: stack.load,
  };
}

interface LoginRow {
  attack: string;
  staffLoggedIn: boolean;
  staffWaitMs: number;
  /** The brake's wait for the staff member's attempt, from the app's log (null: the line was lost). */
  staffBrakeMs: number | null;
  /** A reader's page, stylesheet and gift, READER_AFTER_MS into the attack. */
  reader: { ms: number; outcome: string };
  attacker: AttackResult;
  guessesChecked: number;
  refused: number;
  guessesPerMinute: number;
  brakeMaxMs: number;
  slowedAttempts: number;
  appPeakRssMb: number;
  load: number;
}

async function loginScenario(name: string, label: string, pace: 'one' | 'all'): Promise<LoginRow> {
  const dbPath = path.join(tmp, `${name}.sqlite`);
  await seedLedger(loadConfigWith(appEnv(`sqlite:${dbPath}`, 0)), 0);
  const stack = await start(name, dbPath);
  const url = stack.app.url;
  const email = BENCH_STAFF.email;
  const spec = { kind: 'login', url, addresses: LOGIN_ADDRESSES, attemptsEach: LOGIN_ATTEMPTS, pace, email } as const;
  const a = attack({ ...spec, seconds: LOGIN_SECONDS });
  const go = await a.started;
  const reading = sleep(go + READER_AFTER_MS - Date.now()).then(() =>
    visit(client(url, new http.Agent({ keepAlive: true }), '198.18.250.7'), STAFF_PATIENCE_MS),
  );
  await sleep(go + STAFF_AFTER_MS - Date.now());
  const staff = client(url, new http.Agent({ keepAlive: true }), STAFF_ADDRESS);
  const token = await openLogin(staff);
  const t0 = performance.now();
  const answer = await postLogin(
    staff,
    token,
    email,
    BENCH_STAFF.password,
    'bench-staff-login',
    STAFF_PATIENCE_MS,
  ).catch(() => null);
  const staffWaitMs = performance.now() - t0;
  const reader = await reading;
  // Logged in for real: the session cookie opens the dashboard.
  const loggedIn = answer?.status === 303 && (await send(staff, 'GET', '/staff')).status === 200;
  staff.agent.destroy();
  log(`  staff member: ${answer?.status ?? 'no answer'} after ${s1(staffWaitMs)} s`);
  // One at a time, the attackers stop sending when their time is up; what they still have in
  // flight is dropped then, or once the staff member has an answer if that is later.
  await sleep(go + LOGIN_SECONDS * 1000 - Date.now());
  const attacker = await a.stop();
  const { peakMb, lines } = await finish(stack);
  const slowed = lines.filter((l) => l.msg === SLOWED);
  const staffLine = slowed.find((l) => (l.req as { id?: string } | undefined)?.id === 'bench-staff-login');
  const checked = attacker.answers['401'] ?? 0;
  return {
    attack: label,
    staffLoggedIn: loggedIn,
    staffWaitMs,
    staffBrakeMs: staffLine ? Number(staffLine.delayMs) : null,
    reader,
    attacker,
    guessesChecked: checked,
    refused: attacker.answers['429'] ?? 0,
    guessesPerMinute: (checked * 60_000) / attacker.elapsedMs,
    brakeMaxMs: Math.max(0, ...slowed.map((l) => Number(l.delayMs))),
    slowedAttempts: slowed.length,
    appPeakRssMb: peakMb,
    load: stack.load,
  };
}

/** "3x 408, 2x read ECONNRESET": counts but those of `skip`. */
function listed(counts: Record<string, number>, skip: string[]): string {
  const rest = Object.entries(counts).filter(([k]) => !skip.includes(k));
  return rest.map(([k, n]) => `${round(n)}x ${k}`).join(', ');
}

/** What else the attackers got, failures and what was still in flight included. */
function others(r: AttackResult | null, skip: string[]): string {
  if (!r) return '';
  const inFlight: Record<string, number> = r.inFlight ? { 'in flight at the end': r.inFlight } : {};
  return listed({ ...r.answers, ...r.failures, ...inFlight }, skip) || 'none';
}

function donateTable(donate: DonateRow[]): string[] {
  if (!donate.length) return [];
  const { donatePerIp, donatePerNetwork } = shipped.limits;
  return [
    `Distributed donate burst: for ${SECONDS} s, ${round(CONNECTIONS)} attacker connections take the addresses in ` +
      `turn and post the form as fast as they are answered (each post after a fresh appeal page, as a browser); ` +
      `${HONEST} honest readers, each on a /24 of their own, make one attempt each, spread over the burst, and wait ` +
      `up to ${s1(HONEST_PATIENCE_MS)} s. Limits: ${donatePerIp} per address and ${donatePerNetwork} per /24 per ` +
      `10 minutes. Wait: the appeal page and the post, until the answer. Sessions: counted at the emulator.`,
    '',
    '| attack | honest readers served | the others got | honest wait p50 / p95 / max (s) | attacker posts | ' +
      'sessions for attackers | 429s | other attacker answers | posts answered/s | requests/s | app peak RSS (MB) | load |',
    '|---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|',
    ...donate.map(
      (r) =>
        `| ${r.attack} | ${r.honestServed} / ${r.honestTotal} | ${listed(r.honestAnswers, ['303'])} | ` +
        `${s1(r.honestWaitMs.p50)} / ${s1(r.honestWaitMs.p95)} / ${s1(r.honestWaitMs.max)} | ` +
        `${round(r.attacker?.attempts ?? 0)} | ${round(r.attackerSessions)} | ` +
        `${round(r.limited)} | ${others(r.attacker, ['303', '429'])} | ${round(r.postsPerSecond)} | ` +
        `${round(r.requestsPerSecond)} | ${r.appPeakRssMb} | ${r.load.toFixed(1)} |`,
    ),
    '',
  ];
}

function loginTable(login: LoginRow[]): string[] {
  if (!login.length) return [];
  const { loginLimitPerAccount, loginDelayAfter, loginDelayMaxSeconds } = shipped.staff;
  const reader = (r: LoginRow) => `${s1(r.reader.ms)}${r.reader.outcome === 'ok' ? '' : ` (${r.reader.outcome})`}`;
  return [
    `Login brute force on one staff account: ${LOGIN_ADDRESSES} addresses x ${LOGIN_ATTEMPTS} wrong passwords; the ` +
      `staff member logs in with the right one from another address ${s1(STAFF_AFTER_MS)} s in. Limits: ` +
      `${loginLimitPerAccount} failures per account from one address per 15 minutes (then 429), brake after ` +
      `${loginDelayAfter} failures per account, up to ${loginDelayMaxSeconds} s. Staff wait: the post of the login ` +
      `form, until the answer. A reader meanwhile: the appeal, its stylesheet and a gift, ` +
      `${s1(READER_AFTER_MS)} s in. The attack lasts ${LOGIN_SECONDS} s or until the staff member is answered, ` +
      `whichever is later; guesses/min: wrong-password answers per minute of it.`,
    '',
    '| attack | staff logged in | staff wait (s) | of it the brake (s) | a reader meanwhile (s) | guesses checked | ' +
      'refused (429) | other answers | guesses/min | brake reached (s) | attempts slowed | attack lasted (s) | ' +
      'app peak RSS (MB) | load |',
    '|---|---|---:|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...login.map(
      (r) =>
        `| ${r.attack} | ${r.staffLoggedIn ? 'yes' : 'NO'} | ${s1(r.staffWaitMs)} | ` +
        `${r.staffBrakeMs === null ? 'not logged' : s1(r.staffBrakeMs)} | ${reader(r)} | ` +
        `${round(r.guessesChecked)} | ${round(r.refused)} | ${others(r.attacker, ['401', '429'])} | ` +
        `${round(r.guessesPerMinute)} | ${s1(r.brakeMaxMs)} | ${round(r.slowedAttempts)} | ` +
        `${s1(r.attacker.elapsedMs)} | ${r.appPeakRssMb} | ${r.load.toFixed(1)} |`,
    ),
    '',
  ];
}

async function main() {
  const began = Date.now();
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  const n = round(ATTACKERS);
  const donate =
    ONLY === 'login'
      ? []
      : [
          await donateScenario('donate-quiet', 'none (honest readers alone)', null),
          await donateScenario('donate-20-nets', `${n} addresses in ${NETWORKS} /24s`, 'per-network'),
          await donateScenario('donate-own-nets', `${n} addresses, each its own /24`, 'own-network'),
        ];
  const login =
    ONLY === 'donate'
      ? []
      : [
          await loginScenario('login-one', 'one guess at a time per address', 'one'),
          await loginScenario('login-all', 'every guess sent at once', 'all'),
        ];
  const elapsed = Math.round((Date.now() - began) / 1000);
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}`;
  const lines = [
    ...donateTable(donate),
    ...loginTable(login),
    `${machine}; load: the 1-minute load average as each scenario began; the whole run took ${elapsed} s.`,
  ];
  log(`\n${lines.join('\n')}`);
  if (ONLY) return;
  const stamp = `abuse-${new Date().toISOString().slice(0, 10)}`;
  const file = (ext: string) => path.join(PROJECT_ROOT, 'bench/results', `${stamp}.${ext}`);
  fs.writeFileSync(file('md'), `${lines.join('\n')}\n`);
  const settings = {
    SECONDS,
    ATTACKERS,
    NETWORKS,
    CONNECTIONS,
    HONEST,
    LOGIN_ADDRESSES,
    LOGIN_ATTEMPTS,
    LOGIN_SECONDS,
  };
  const results = { date: new Date().toISOString(), machine, settings, elapsedSeconds: elapsed, donate, login };
  fs.writeFileSync(file('json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwritten to bench/results/${stamp}.md and .json`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    killAll();
    killAttackers();
  });
