// npm run bench: the app against its baselines, in one run on this machine, as ratios.
// Starts two app instances (SQLite seeded with 1,000 and 1,000,000 gifts, the built-in
// Stripe emulator), a bare Express and a raw node:http server per scenario, and loads each
// with autocannon from a separate process on loopback, interleaving the rounds so drift in
// the machine's speed hits all sides alike; then the same ledgers on a throwaway PostgreSQL,
// with one and two app instances for webhook ingest. Prints a table with PASS/FAIL per target
// and writes bench/results/<date>.json, .md and .svg. Not part of npm test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigWith, PROJECT_ROOT } from '../lib/config.ts';
import { appEnv, killAll, launchApp, load, procStatus, stop, tmp } from './processes.ts';
import { seedLedger } from './seed.ts';
import { markdownTable, pick, writeResults, type Row } from './report.ts';
import { CONNECTIONS, LARGE, log, ROUNDS, SECONDS, SMALL, spec, type BenchApp } from './settings.ts';
import { csvRows } from './parts/csv.ts';
import { PAGES, pageRows } from './parts/pages.ts';
import { experimentRows } from './parts/experiments.ts';
import { postgresApp, startBenchPostgres } from './parts/postgres.ts';
import { staffRows } from './parts/staff.ts';
import { webhookRows } from './parts/webhooks.ts';

// A subset while working on one path, e.g. BENCH_ONLY=webhooks (csv, pages, experiments, webhooks, donate, staff, postgres).
const PARTS = ['csv', 'pages', 'experiments', 'webhooks', 'donate', 'staff', 'postgres'] as const;
const ONLY = new Set((process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((s) => s.trim()));
for (const p of ONLY)
  if (!(PARTS as readonly string[]).includes(p))
    throw new Error(`BENCH_ONLY: unknown part ${p} (one of ${PARTS.join(', ')})`);
const runs = (part: (typeof PARTS)[number]) => ONLY.has(part);
// The PostgreSQL pass measures the readers' main paths, not every encoding again.
const POSTGRES_PAGES = PAGES.filter((p) =>
  ['GET / (appeal)', 'GET /api/progress', 'GET /embed/banner'].includes(p.scenario),
);

async function sqliteApp(name: string, gifts: number): Promise<BenchApp> {
  const databaseUrl = `sqlite:${path.join(tmp, `${name}.sqlite`)}`;
  const t0 = Date.now();
  const { campaign } = await seedLedger(loadConfigWith(appEnv(databaseUrl, 0)), gifts);
  log(`seeded ${name}: ${gifts.toLocaleString('en')} gifts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { ...(await launchApp(name, databaseUrl)), databaseUrl, campaign, gifts };
}

async function main() {
  const runStarted = Date.now();
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  log(
    `fundraiser benchmarks: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}, ` +
      `${SECONDS} s x ${ROUNDS} rounds, ${CONNECTIONS} connections`,
  );
  const rows: Row[] = [];
  if (['csv', 'pages', 'experiments', 'webhooks', 'donate', 'staff'].some((p) => ONLY.has(p)))
    rows.push(...(await sqliteRows()));
  // A failure there (a server that would not start, a seed that timed out) is a failed row,
  // not the loss of the SQLite rows measured before it.
  if (runs('postgres'))
    rows.push(
      ...(await postgresRows().catch((err: unknown) => {
        log(`  PostgreSQL part failed: ${String(err)}`);
        return [{ scenario: '[PostgreSQL] the run', rps: NaN, p50: NaN, p99: NaN, pass: false, note: String(err) }];
      })),
    );

  const elapsed = (Date.now() - runStarted) / 1000;
  const cpu = `${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`;
  const machine = `${cpu}, ${os.type()} ${os.release()}, node ${process.version}`;
  const table = markdownTable(rows);
  log(`\n${table}\n`);
  const failed = rows.filter((r) => r.pass === false);
  log(`machine: ${machine}; ran in ${elapsed.toFixed(0)} s`);
  log(failed.length ? `FAIL: ${failed.map((r) => r.scenario).join('; ')}` : 'every target met');
  process.exitCode = failed.length ? 1 : 0;
  // A partial run is for working on one path; the results files hold whole runs only.
  if (ONLY.size < PARTS.length) return;
  const stamp = writeResults(
    rows,
    machine,
    { smallGifts: SMALL, largeGifts: LARGE, seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS },
    elapsed,
  );
  log(`results: bench/results/${stamp}.json, .md, .svg`);
}

async function sqliteRows(): Promise<Row[]> {
  const small = await sqliteApp('app-1k', SMALL);
  const large = await sqliteApp('app-1m', LARGE);
  const rows: Row[] = [];
  const logMemory = (when: string) =>
    log(
      `  peak RSS ${when}: ${[small, large].map((a) => `${a.name} ${procStatus(a.child.pid!).peakMb.toFixed(0)} MB`).join(', ')}`,
    );
  if (runs('csv')) rows.push(...(await csvRows(large)));
  if (runs('pages')) rows.push(...(await pageRows(small, large, PAGES)));
  if (runs('experiments')) rows.push(...(await experimentRows(small)));
  logMemory('after the public pages');
  if (runs('webhooks')) {
    rows.push(...(await webhookRows([large], 'POST /webhooks/stripe', { duplicates: true, prefix: '' })));
    logMemory('after the webhooks');
  }
  if (runs('donate')) {
    // Starting a checkout: cross-site-checked form post, rate-limit counters, a Checkout Session
    // created at the (in-process) emulator, 303 to it.
    const donate = await load(
      spec(`${small.url}/donate`, {
        method: 'POST',
        headers: { origin: small.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'amount=25&frequency=once',
      }),
    );
    log(`  POST /donate: ${Math.round(donate.rps)}/s`);
    logMemory('after the donate form');
    rows.push({
      scenario: 'POST /donate (Checkout Session at the emulator, 303)',
      ...pick(donate),
      note: `${donate.non2xx} redirects to Checkout, ${donate.errors} errors`,
    });
  }
  // The readers' load ends here. A staff login runs scrypt, which takes 32 MiB by design
  // (lib/staff/passwords.ts), so the staff phase is reported apart from the load's peak.
  const underLoad = [small, large].map((a) => ({ name: a.name, ...procStatus(a.child.pid!) }));
  if (runs('staff')) rows.push(...(await staffRows(small, large)));
  logMemory('after the staff dashboard');
  for (const m of underLoad) {
    rows.push({
      scenario: `app memory (${m.name}) under load: public pages, webhooks, donate`,
      rps: NaN,
      p50: NaN,
      p99: NaN,
      target: 'peak RSS < 150 MB',
      pass: m.peakMb < 150,
      note: `peak ${m.peakMb.toFixed(0)} MB`,
    });
  }
  for (const a of [small, large]) {
    const m = procStatus(a.child.pid!);
    rows.push({
      scenario: `app memory (${a.name}) after staff logins and the dashboard`,
      rps: NaN,
      p50: NaN,
      p99: NaN,
      note: `peak ${m.peakMb.toFixed(0)} MB: each login's scrypt check takes 32 MiB by design`,
    });
  }
  stop(small);
  stop(large);
  return rows;
}

/** The readers' paths, webhook ingest with one and with two instances, and the staff summary on PostgreSQL. */
async function postgresRows(): Promise<Row[]> {
  const server = await startBenchPostgres();
  if (!server) return [];
  const rows: Row[] = [];
  const prefix = '[PostgreSQL] ';
  try {
    const small = await postgresApp(server, 'pg-1k', SMALL);
    const large = await postgresApp(server, 'pg-1m', LARGE);
    rows.push(...(await pageRows(small, large, POSTGRES_PAGES, prefix)));
    rows.push(...(await webhookRows([large], `${prefix}POST /webhooks/stripe`, { duplicates: true, prefix: 'pg1' })));
    // A second instance on the same database: does ingest grow with instances?
    const second = {
      ...(await launchApp('pg-1m-b', large.databaseUrl)),
      databaseUrl: large.databaseUrl,
      campaign: large.campaign,
      gifts: LARGE,
    };
    rows.push(
      ...(await webhookRows([large, second], `${prefix}POST /webhooks/stripe, two instances`, {
        duplicates: false,
        prefix: 'pg2',
      })),
    );
    stop(second);
    rows.push(...(await staffRows(small, large, prefix)));
    stop(small);
    stop(large);
  } finally {
    killAll();
    server.stop();
  }
  return rows;
}

try {
  await main();
} finally {
  killAll();
  fs.rmSync(tmp, { recursive: true, force: true });
}
