// npm run bench: the app against its baselines, in one run on this machine, as ratios.
// Starts two app instances (SQLite seeded with 1,000 and 1,000,000 gifts, the built-in
// Stripe emulator), a bare Express and a raw node:http server per scenario, and loads each
// with autocannon from a separate process on loopback, interleaving the rounds so drift in
// the machine's speed hits all sides alike. Prints a table with PASS/FAIL per target and
// writes bench/results/<date>.json, .md and .svg. Not part of npm test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigWith, EMULATOR_WEBHOOK_SECRET, PROJECT_ROOT } from '../lib/config.ts';
import { appEnv, killAll, launchApp, load, procStatus, startBaseline, stop, tmp, type Proc } from './processes.ts';
import { BENCH_STAFF, checkLedger, seedLedger } from './seed.ts';
import { paidGiftEvent, type LoadResult, type LoadSpec } from './load.ts';
import { markdownTable, pick, writeResults, type Row } from './report.ts';

const SMALL = Number(process.env.BENCH_SMALL_GIFTS ?? 1_000);
const LARGE = Number(process.env.BENCH_LARGE_GIFTS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
// A subset while working on one path, e.g. BENCH_ONLY=webhooks (csv, pages, webhooks, donate, staff).
const PARTS = ['csv', 'pages', 'webhooks', 'donate', 'staff'] as const;
const ONLY = new Set((process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((s) => s.trim()));
for (const p of ONLY)
  if (!(PARTS as readonly string[]).includes(p))
    throw new Error(`BENCH_ONLY: unknown part ${p} (one of ${PARTS.join(', ')})`);
const runs = (part: (typeof PARTS)[number]) => ONLY.has(part);
const MB = 1024 * 1024;
const log = (s: string) => process.stdout.write(`${s}\n`);
async function startApp(name: string, gifts: number): Promise<Proc & { dbPath: string; campaign: string }> {
  const dbPath = path.join(tmp, `${name}.sqlite`);
  const t0 = Date.now();
  const { campaign } = await seedLedger(loadConfigWith(appEnv(dbPath, 0)), gifts);
  log(`seeded ${name}: ${gifts.toLocaleString('en')} gifts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { ...(await launchApp(name, dbPath)), dbPath, campaign };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Interleaved rounds over several targets; the median of each side's rounds. */
type Round = LoadResult & { roundP50s: number[] };

async function compare(label: string, sides: Record<string, LoadSpec>): Promise<Record<string, Round>> {
  const names = Object.keys(sides);
  for (const n of names) await load({ ...sides[n]!, seconds: 1 }); // warm-up, not counted
  const rounds: Record<string, LoadResult[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const n of order) rounds[n]!.push(await load(sides[n]!));
  }
  const out: Record<string, Round> = {};
  for (const n of names) {
    const rs = rounds[n]!;
    out[n] = {
      requests: rs.reduce((s, x) => s + x.requests, 0),
      rps: median(rs.map((x) => x.rps)),
      p50: median(rs.map((x) => x.p50)),
      p99: median(rs.map((x) => x.p99)),
      non2xx: rs.reduce((s, x) => s + x.non2xx, 0),
      errors: rs.reduce((s, x) => s + x.errors, 0),
      timeouts: rs.reduce((s, x) => s + x.timeouts, 0),
      roundP50s: rs.map((x) => x.p50),
    };
  }
  log(`  ${label}: ${names.map((n) => `${n} ${Math.round(out[n]!.rps)}/s`).join(', ')}`);
  return out;
}

/**
 * a's p50 against b's, round by round (the two measured seconds apart), the median of those
 * ratios: this machine's speed drifts during a run, and a ratio of two medians can pair a fast
 * stretch with a slow one.
 */
function pairedP50Ratio(a: Round, b: Round): number {
  return median(a.roundP50s.map((p50, i) => p50 / b.roundP50s[i]!));
}

/** The size on the wire (fetch decodes a compressed body, so Content-Length says it) and the ETag. */
async function bodySize(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ bytes: number; etag: string | null }> {
  const res = await fetch(url, { headers });
  const text = await res.arrayBuffer();
  return { bytes: Number(res.headers.get('content-length') ?? text.byteLength), etag: res.headers.get('etag') };
}

async function staffCookie(app: Proc): Promise<string> {
  const form = await fetch(`${app.url}/staff/login`);
  const cookies = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error('no CSRF token on the staff login page');
  const res = await fetch(`${app.url}/staff/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email: BENCH_STAFF.email, password: BENCH_STAFF.password }).toString(),
  });
  const session = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  if (res.status !== 303 && res.status !== 302) throw new Error(`staff login answered ${res.status}`);
  return [cookies, ...session].join('; ');
}

/** The CSV export read to the end by one client, with the app's peak memory around it. */
async function csvExport(app: Proc): Promise<{ rows: number; mb: number; seconds: number; peakMb: number }> {
  const cookie = await staffCookie(app);
  const t0 = Date.now();
  const res = await fetch(`${app.url}/staff/gifts.csv`, { headers: { cookie } });
  if (res.status !== 200 || !res.body) throw new Error(`CSV export answered ${res.status}`);
  let bytes = 0;
  let rows = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (const b of chunk) if (b === 10) rows++;
  }
  return {
    rows: rows - 1,
    mb: bytes / MB,
    seconds: (Date.now() - t0) / 1000,
    peakMb: procStatus(app.child.pid!).peakMb,
  };
}

async function main() {
  const runStarted = Date.now();
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  log(
    `fundraiser benchmarks: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}, ` +
      `${SECONDS} s x ${ROUNDS} rounds, ${CONNECTIONS} connections`,
  );
  const small = await startApp('app-1k', SMALL);
  const large = await startApp('app-1m', LARGE);
  const rows: Row[] = [];
  const logMemory = (when: string) =>
    log(
      `  peak RSS ${when}: ${[small, large].map((a) => `${a.name} ${procStatus(a.child.pid!).peakMb.toFixed(0)} MB`).join(', ')}`,
    );
  const spec = (url: string, extra: Partial<LoadSpec> = {}): LoadSpec => ({
    url,
    connections: CONNECTIONS,
    seconds: SECONDS,
    ...extra,
  });

  // The CSV on an instance of its own over the large ledger, so its peak memory is the
  // export's own, and the instances measured below have not just streamed a million rows
  // (one that has served the public paths 10-25% slower afterwards in runs here, which would
  // show up as the ledger's size in the latency rows).
  if (runs('csv')) {
    const exporter = await launchApp('app-1m-csv', large.dbPath);
    const csv = await csvExport(exporter);
    stop(exporter);
    log(
      `  CSV export: ${csv.rows.toLocaleString('en')} rows, ${csv.mb.toFixed(0)} MB in ${csv.seconds.toFixed(1)} s, app peak RSS ${csv.peakMb.toFixed(0)} MB`,
    );
    rows.push({
      scenario: `CSV export, ${csv.rows.toLocaleString('en')} gifts`,
      rps: csv.rows / csv.seconds,
      p50: NaN,
      p99: NaN,
      target: 'peak RSS < 150 MB',
      pass: csv.peakMb < 150,
      note: `${csv.mb.toFixed(0)} MB in ${csv.seconds.toFixed(1)} s, peak RSS ${csv.peakMb.toFixed(0)} MB`,
    });
  }

  // The public pages: each against a bare Express and a raw node:http constant of its size,
  // and the same request at 1,000 and at 1,000,000 gifts. Plain, and with a browser's Accept-Encoding
  // against a constant of the compressed size: the ratio is then what choosing the encoding costs.
  const BROWSER = { 'accept-encoding': 'gzip, deflate, br, zstd' };
  const publics: Array<{
    scenario: string;
    path: string;
    accept?: Record<string, string>;
    headers?: (etag: string | null) => Record<string, string>;
    /** Readers in several languages: each request sends the next of these. */
    cycle?: Array<Record<string, string>>;
  }> = [
    { scenario: 'GET / (appeal)', path: '/' },
    // Four offered languages and one the site lacks (English then), as a page view each: one
    // prebuilt body per language, so the ratio should stay within noise of the row above.
    {
      scenario: 'GET / (appeal), Accept-Language varied',
      path: '/',
      cycle: ['en-US,en;q=0.9', 'de-DE,de;q=0.9', 'fr-FR,fr;q=0.9', 'es-ES,es;q=0.9', 'pt-BR,pt;q=0.9'].map((l) => ({
        'accept-language': l,
      })),
    },
    { scenario: 'GET / (appeal), a browser: gzip', path: '/', accept: BROWSER },
    { scenario: 'GET /api/progress', path: '/api/progress' },
    {
      scenario: 'GET /api/progress, If-None-Match (304)',
      path: '/api/progress',
      headers: (etag) => ({ 'if-none-match': etag ?? '' }),
    },
    { scenario: 'GET /embed/banner', path: '/embed/banner' },
    { scenario: 'GET /embed/banner, a browser: br', path: '/embed/banner', accept: BROWSER },
  ];
  for (const p of runs('pages') ? publics : []) {
    const accept = p.accept ?? {};
    const { bytes, etag: smallEtag } = await bodySize(small.url + p.path, accept);
    const largeEtag = (await bodySize(large.url + p.path, accept)).etag;
    const express = await startBaseline('express', bytes);
    const node = await startBaseline('node', bytes);
    const baseEtag = (await bodySize(express.url)).etag;
    const r = await compare(p.scenario, {
      express: spec(express.url, { headers: p.headers?.(baseEtag) }),
      node: spec(node.url),
      small: spec(small.url + p.path, { headers: { ...accept, ...p.headers?.(smallEtag) }, cycleHeaders: p.cycle }),
      large: spec(large.url + p.path, { headers: { ...accept, ...p.headers?.(largeEtag) }, cycleHeaders: p.cycle }),
    });
    stop(express);
    stop(node);
    const ratio = r.small!.rps / r.express!.rps;
    rows.push({
      scenario: `${p.scenario} at ${SMALL.toLocaleString('en')} gifts`,
      ...pick(r.small!),
      baseline: `bare Express ${bytes} B${p.headers ? ' (304)' : ''}`,
      ratio,
      vsNode: r.small!.rps / r.node!.rps,
      target: '>= 0.9 x bare Express',
      pass: ratio >= 0.9,
    });
    const flat = pairedP50Ratio(r.large!, r.small!);
    rows.push({
      scenario: `${p.scenario} at ${LARGE.toLocaleString('en')} gifts`,
      ...pick(r.large!),
      ratio: flat,
      target: `p50 <= 1.1 x p50 at ${SMALL.toLocaleString('en')}`,
      pass: flat <= 1.1,
      note: 'ratio: p50 against the row above, round by round (median)',
    });
    if (r.small!.non2xx + r.large!.non2xx > 0 && !p.headers)
      log(`  warning: ${r.small!.non2xx + r.large!.non2xx} non-2xx answers`);
  }

  logMemory('after the public pages');
  if (runs('webhooks')) {
    // Webhooks: signed paid events, each a ledger write committed with synchronous=FULL,
    // against a bare Express POST reading a body of the same size.
    const webhook = { secret: EMULATOR_WEBHOOK_SECRET, fundraiserId: 'fundraiser', campaign: large.campaign };
    const sample = paidGiftEvent({ ...webhook, mode: 'distinct', idPrefix: 'size' }, 0).payload;
    const expressPost = await startBaseline('express', 16);
    const ackFiles: string[] = [];
    const webhookSpec = (mode: 'distinct' | 'duplicate'): LoadSpec => {
      const ackFile = path.join(tmp, `ack-${mode}-${ackFiles.length}.json`);
      ackFiles.push(ackFile);
      return spec(`${large.url}/webhooks/stripe`, {
        method: 'POST',
        webhook: { ...webhook, mode, ackFile, idPrefix: mode === 'duplicate' ? 'dup' : `d${ackFiles.length}` },
      });
    };
    const postBaseline = spec(expressPost.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: sample,
    });
    const distinct = await compareWebhooks('POST /webhooks/stripe, distinct paid events', postBaseline, () =>
      webhookSpec('distinct'),
    );
    const duplicate = await compareWebhooks('POST /webhooks/stripe, the same 200 events again', postBaseline, () =>
      webhookSpec('duplicate'),
    );
    stop(expressPost);
    const acknowledged = ackFiles.flatMap((f) =>
      fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as { id: string; amount: number }[]) : [],
    );
    const check = checkLedger(large.dbPath, acknowledged);
    const distinctAcks = new Set(acknowledged.map((a) => a.id)).size;
    log(
      `  ledger after the webhook rounds: ${distinctAcks.toLocaleString('en')} distinct events acknowledged, ` +
        `${check.lost} lost, ${check.doubled} doubled, totals ${check.totalsMatch ? 'equal' : 'DIFFER from'} the rows`,
    );
    const ledgerOk = check.lost === 0 && check.doubled === 0 && check.totalsMatch;
    for (const [label, r] of [
      ['distinct paid events (ledger writes)', distinct],
      ['duplicates (already recorded)', duplicate],
    ] as const) {
      const ratio = r.app.rps / r.express.rps;
      rows.push({
        scenario: `POST /webhooks/stripe, ${label}`,
        ...pick(r.app),
        baseline: `bare Express POST ${Buffer.byteLength(sample)} B`,
        ratio,
        target: '>= 0.5 x bare Express POST, none lost or doubled',
        pass: ratio >= 0.5 && ledgerOk,
        note: label.startsWith('distinct')
          ? `${distinctAcks.toLocaleString('en')} acknowledged: ${check.lost} lost, ${check.doubled} doubled`
          : undefined,
      });
    }

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
    // The readers' load ends here. A staff login runs scrypt, which takes 32 MiB by design
    // (lib/staff/passwords.ts), so the staff phase is reported apart from the load's peak.
    rows.push({
      scenario: 'POST /donate (Checkout Session at the emulator, 303)',
      ...pick(donate),
      note: `${donate.non2xx} redirects to Checkout, ${donate.errors} errors`,
    });
  }
  const underLoad = [small, large].map((a) => ({ name: a.name, ...procStatus(a.child.pid!) }));

  // Staff: the dashboard's JSON (what the page polls) at both sizes.
  for (const app of runs('staff') ? [small, large] : []) {
    const cookie = await staffCookie(app);
    const r = await load(spec(`${app.url}/staff/api/summary`, { headers: { cookie }, connections: 4 }));
    const gifts = app === small ? SMALL : LARGE;
    log(`  staff summary at ${gifts} gifts: ${r.rps.toFixed(1)}/s`);
    rows.push({
      scenario: `GET /staff/api/summary (dashboard) at ${gifts.toLocaleString('en')} gifts`,
      ...pick(r),
      note: 'staff only; read from the rollups',
    });
  }

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
  const elapsed = (Date.now() - runStarted) / 1000;
  const cpu = `${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`;
  const machine = `${cpu}, ${os.type()} ${os.release()}, node ${process.version}`;
  const table = markdownTable(rows);
  log(`\n${table}\n`);
  const failed = rows.filter((r) => r.pass === false);
  log(`machine: ${machine}; ran in ${elapsed.toFixed(0)} s`);
  log(failed.length ? `FAIL: ${failed.map((r) => r.scenario).join('; ')}` : 'every target met');

  if (ONLY.size < PARTS.length) {
    // A partial run is for working on one path; the results files hold whole runs only.
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exitCode = failed.length ? 1 : 0;
    return;
  }
  const stamp = writeResults(
    rows,
    machine,
    { smallGifts: SMALL, largeGifts: LARGE, seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS },
    elapsed,
  );
  log(`results: bench/results/${stamp}.json, .md, .svg`);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exitCode = failed.length ? 1 : 0;

  async function compareWebhooks(label: string, baseline: LoadSpec, app: () => LoadSpec) {
    await load({ ...baseline, seconds: 1 });
    await load({ ...app(), seconds: 1 });
    const runs: { express: LoadResult[]; app: LoadResult[] } = { express: [], app: [] };
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) {
        runs.express.push(await load(baseline));
        runs.app.push(await load(app()));
      } else {
        runs.app.push(await load(app()));
        runs.express.push(await load(baseline));
      }
    }
    const med = (rs: LoadResult[]): LoadResult => ({
      ...rs[0]!,
      rps: median(rs.map((x) => x.rps)),
      p50: median(rs.map((x) => x.p50)),
      p99: median(rs.map((x) => x.p99)),
      non2xx: rs.reduce((s, x) => s + x.non2xx, 0),
    });
    const out = { express: med(runs.express), app: med(runs.app) };
    log(
      `  ${label}: express ${Math.round(out.express.rps)}/s, app ${Math.round(out.app.rps)}/s, ${out.app.non2xx} non-2xx`,
    );
    return out;
  }
}

try {
  await main();
} finally {
  killAll();
}
