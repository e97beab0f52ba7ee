// What the fuzz files share: the run count, the live stack they run against, a raw HTTP client,
// a log that keeps error lines, the generators of hostile text, and a snapshot of every ledger table.
//
// FUZZ_RUNS sets how many generated inputs each property gets: `npm test` runs the small
// default, `npm run fuzz` 10,000. FUZZ_SEED replays a failure that fast-check reported.
import http, { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Site } from '../../app.ts';
import type { Db } from '../../lib/db/database.ts';
import { isPostgres } from '../../lib/db/dialect.ts';
import { SERVER_TIMEOUTS } from '../../routes/middleware/body-deadline.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { prepareCustomerPortal } from '../../lib/payments/portal-setup.ts';
import { startLiveStack, type LiveStack } from '../helpers/live.ts';

const DEFAULT_RUNS = 100;

function runsFromEnv(): number {
  const raw = process.env.FUZZ_RUNS;
  if (raw === undefined || raw === '') return DEFAULT_RUNS;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`FUZZ_RUNS must be a whole number above 0, not ${raw}`);
  return n;
}

export const RUNS = runsFromEnv();

/** fast-check's parameters for one property: RUNS inputs, and FUZZ_SEED when replaying. */
export function fuzzParams(): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED;
  // The failing input's own assertion message (status, request, log) in the report, not only its cause.
  return { numRuns: RUNS, includeErrorInReport: true, ...(seed ? { seed: Number(seed) } : {}) };
}

export interface RawRequest {
  method?: string;
  /** Sent as it is: no normalising, no encoding (node refuses only bytes outside 0x21-0xff). */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * Requests on kept-alive loopback connections to a listening server, so that every input goes
 * through node's real HTTP parser and the app's own listener, without a connection per input.
 */
export function rawClient(baseUrl: string) {
  const { hostname, port } = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const send = (r: RawRequest): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: hostname, port, method: r.method ?? 'GET', path: r.path, headers: r.headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', reject);
      req.end(r.body);
    });
  return { send, close: () => agent.destroy() };
}

export type RawClient = ReturnType<typeof rawClient>;

/** The app's logger at level error, its lines kept in memory to say what a 5xx was. */
export function errorLog(): { logger: Logger; lines: Array<Record<string, unknown>>; clear(): void } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      // Only the latest matter (the lines of the input that failed); the rest would only grow.
      if (lines.length > 50) lines.splice(0, lines.length - 50);
      done();
    },
  });
  return { logger: createLogger('error', sink), lines, clear: () => void lines.splice(0) };
}

/** A failed assertion's detail: the request, the answer's start, and what the app logged. */
export function describeFailure(sent: unknown, res: RawAnswer, log: Array<Record<string, unknown>>): string {
  const logged = log.map((l) => {
    const err = l.err as { type?: string; message?: string; stack?: string } | undefined;
    return `${String(l.msg)}: ${err?.stack ?? err?.message ?? ''}`;
  });
  return `${res.status} for ${JSON.stringify(sent).slice(0, 1500)}\nanswer: ${res.text.slice(0, 300)}\nlog: ${logged.join('\n')}`;
}

// ---------------------------------------------------------------- generators of hostile text

/** Strings that sit near the edges of what a form field, an id or a number parser expects. */
export const edgeString = fc.constantFrom(
  '',
  ' ',
  '5',
  '25',
  ' 25 ',
  '2',
  '10000',
  '10001',
  '0',
  '-5',
  '5.0',
  '5.5',
  '1e3',
  '0x10',
  'NaN',
  'Infinity',
  '$25',
  '€25',
  '25,00',
  '1,000',
  '２５',
  '9007199254740993',
  '\u0000',
  '\u202e',
  '\ud800',
  '<script>alert(1)</script>',
  '"><img src=x>',
  '%',
  '%zz',
  '%00',
  '../..',
  'other',
  'once',
  'monthly',
  'Monthly',
  ' monthly',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'toString',
  'a'.repeat(5000),
);

export const weirdString = fc.oneof(
  { arbitrary: fc.string({ maxLength: 30 }), weight: 3 },
  { arbitrary: edgeString, weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
  { arbitrary: fc.integer().map(String), weight: 1 },
  { arbitrary: fc.double().map(String), weight: 1 },
  { arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String), weight: 1 },
);

/** A value node's HTTP client accepts in a header (no CR, LF or other control bytes). */
export const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '')),
  edgeString.map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
);

/** A path or query fragment: percent-encoded, raw, or with broken escapes. */
export const urlPiece = fc.oneof(
  weirdString.map(encodeURIComponentSafe),
  fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x21-\x7e]/g, '')),
  fc.constantFrom('%', '%2', '%zz', '%00', '%ff', '%c0%af', '%2e%2e', '..', '.', '//', '%2F', ';', '#', '?', '&', '='),
);

/** encodeURIComponent, except that a lone surrogate becomes a broken UTF-8 escape instead of throwing. */
export function encodeURIComponentSafe(s: string): string {
  return [...s]
    .map((ch) => {
      try {
        return encodeURIComponent(ch);
      } catch {
        return '%ED%A0%80';
      }
    })
    .join('');
}

/** A value as a form field carries it: text as it is, anything else as JSON. */
export const asText = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

/** A query string: known keys with odd values, repeated and bracketed keys, or raw junk. */
export function queryString(keys: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    fc.constantFrom(...keys),
    fc.constantFrom(...keys).map((k) => `${k}[]`),
    fc.constantFrom(...keys).map((k) => `${k}[x]`),
    fc.constantFrom('__proto__', 'constructor', '__proto__[x]', ''),
    urlPiece,
  );
  const pair = fc
    .tuple(key, fc.option(urlPiece, { nil: undefined }))
    .map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
  return fc.oneof(
    fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join('&')),
    fc.string({ maxLength: 200 }).map((s) => s.replace(/[^\x21-\x7e]/g, '')),
  );
}

// ---------------------------------------------------------------- the ledger, counted

const LEDGER_TABLES = [
  'contributions',
  'ledger_charges',
  'ledger_disputes',
  'pledges',
  'stripe_events',
  'staff_audit',
] as const;

/** Row counts of the tables the webhook adds to, and the rows it updates in place: equal snapshots, nothing written. */
export async function ledgerSnapshot(db: Db): Promise<Record<string, unknown>> {
  const snapshot: Record<string, unknown> = {};
  for (const table of LEDGER_TABLES) {
    const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    snapshot[table] = Number(r.rows[0]?.n);
  }
  snapshot.totals = await db.selectFrom('campaign_totals').selectAll().orderBy('campaign_id').execute();
  snapshot.lastWebhook = await db.selectFrom('webhook_status').selectAll().execute();
  return snapshot;
}

/** How many answers had each status: printed with the test, to see that inputs reach past the first check. */
export function statusTally() {
  const counts = new Map<string, number>();
  return {
    add: (key: number | string) => void counts.set(String(key), (counts.get(String(key)) ?? 0) + 1),
    toString: () =>
      [...counts]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, n]) => `${k}: ${n}`)
        .join(', '),
  };
}

/** The app on a loopback port, with the server limits server.ts sets. */
export async function serve(app: Site): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(SERVER_TIMEOUTS, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The cookies an answer sets, by name (value only). */
export function cookiesSet(res: RawAnswer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers['set-cookie'] ?? []) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    out[pair!.slice(0, eq).trim()] = pair!.slice(eq + 1);
  }
  return out;
}

/**
 * SQLite without an fsync per commit for this stack's database: the fuzz checks answers, not
 * durability (the tests' PostgreSQL runs with fsync=off for the same reason), and with an fsync
 * per rate-limit count and session most of a run was spent waiting on the disk.
 */
export async function withoutFsync(db: Db): Promise<void> {
  if (!isPostgres(db)) await sql`pragma synchronous = OFF`.execute(db);
}

export interface FuzzStack {
  s: LiveStack;
  client: RawClient;
}

/**
 * The live stack (site and emulator) a fuzz file runs against: its error lines kept for the
 * failure reports, commits without an fsync, a raw client; `portal`: the Customer Portal as
 * npm run stripe:setup leaves it. Close it with closeFuzzStack.
 */
export async function openFuzzStack(
  log: ReturnType<typeof errorLog>,
  opts: { env?: Record<string, string>; portal?: boolean } = {},
): Promise<FuzzStack> {
  const s = await startLiveStack({ logger: log.logger, ...(opts.env ? { env: opts.env } : {}) });
  await withoutFsync(s.deps.db);
  if (opts.portal) await prepareCustomerPortal(s.deps.stripe, s.config, () => undefined);
  return { s, client: rawClient(s.siteUrl) };
}

export async function closeFuzzStack(f: FuzzStack): Promise<void> {
  f.client.close();
  await f.s.stop();
}
