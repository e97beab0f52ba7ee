// The GETs anyone can send, at volume: /api/progress with generated query strings and headers
// (always the figures), and the fast lane's other entries, the pages behind Express and paths
// nobody routes, with generated paths, queries, cookies, conditional and CORS headers (never a 5xx).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LiveStack } from '../helpers/live.ts';
import {
  describeFailure,
  errorLog,
  fuzzParams,
  headerValue,
  queryString,
  RUNS,
  statusTally,
  urlPiece,
  weirdString,
  type RawClient,
  type RawRequest,
  openFuzzStack,
  closeFuzzStack,
} from './kit.ts';

const HOST_SITE = 'https://news.example.org';
const METRICS_TOKEN = 'fuzz-metrics-token-0123456789';

const log = errorLog();
let s: LiveStack;
let client: RawClient;
let progressEtag = '';
before(async () => {
  // As npm run stripe:setup leaves it: /manage has a portal login page to send donors to.
  ({ s, client } = await openFuzzStack(log, {
    env: { EMBED_ALLOWED_ORIGINS: HOST_SITE, METRICS_TOKEN },
    portal: true,
  }));
  progressEtag = String((await client.send({ path: '/api/progress' })).headers.etag);
});
after(() => closeFuzzStack({ s, client }));

const QUERY_KEYS = ['amount', 'frequency', 'cancelled', 'v', 'session_id', 'next', 'utm_source', 'page', 'callback'];

/** A banner dismissal cookie as the site writes it, with generated (often impossible) fields. */
const bannerCookie = fc
  .record(
    {
      reason: fc.oneof(fc.constantFrom('close', 'gift'), weirdString),
      at: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        weirdString,
        fc.integer(),
      ),
      until: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constant('2999-01-01T00:00:00.000Z'),
        weirdString,
        fc.integer(),
        fc.constant(null),
      ),
      monthly: fc.oneof(fc.boolean(), weirdString, fc.constant(null)),
    },
    { requiredKeys: [] },
  )
  .map((rec) => `fr_banner=${encodeURIComponent(JSON.stringify(rec))}`);

const requestHeaders = fc
  .record(
    {
      'if-none-match': fc.oneof(fc.constantFrom('ETAG', '*', 'W/"x"', 'ETAG, W/"y"'), headerValue),
      'if-modified-since': fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
        headerValue,
      ),
      origin: fc.oneof(fc.constantFrom(HOST_SITE, 'null', 'https://evil.example'), headerValue),
      cookie: fc.oneof(
        bannerCookie,
        fc.constantFrom('fr_banner=', 'fr_banner=j:{"reason":"close"}', 'fr_banner=%E0%A4%A', 'fr_banner=null'),
        headerValue,
      ),
      accept: fc.oneof(fc.constantFrom('application/json', 'text/html', '*/*', 'image/png'), headerValue),
      'accept-encoding': fc.oneof(fc.constantFrom('gzip', 'br', 'identity;q=0'), headerValue),
      range: fc.oneof(fc.constantFrom('bytes=0-5', 'bytes=-1', 'bytes=99999999-', 'bytes=5-1'), headerValue),
      authorization: fc.oneof(fc.constantFrom(`Bearer ${METRICS_TOKEN}`, 'Bearer ', 'Basic eDp5'), headerValue),
      'x-request-id': headerValue,
    },
    { requiredKeys: [] },
  )
  .map((h: Record<string, string>) =>
    h['if-none-match'] ? { ...h, 'if-none-match': h['if-none-match'].replace('ETAG', progressEtag) } : h,
  );

const seen = statusTally();

async function get(req: RawRequest) {
  log.clear();
  const res = await client.send(req);
  seen.add(res.status);
  assert.ok(res.status < 500, `5xx: ${describeFailure(req, res, log.lines)}`);
  return res;
}

describe(`fuzzing the public GETs (${RUNS} inputs a property)`, () => {
  it('when /api/progress gets generated query strings and headers, then it always answers the figures (or 304)', async () => {
    await fc.assert(
      fc.asyncProperty(
        queryString(QUERY_KEYS),
        fc.constantFrom('GET', 'GET', 'GET', 'HEAD'),
        requestHeaders,
        async (query, method, headers) => {
          const req = { method, path: `/api/progress?${query}`, headers };
          const res = await get(req);
          const context = describeFailure(req, res, log.lines);
          assert.ok(res.status === 200 || res.status === 304, context);
          if (res.status === 304 || method === 'HEAD') return;
          const figures = JSON.parse(res.text) as Record<string, unknown>;
          for (const key of ['goal', 'raised', 'donors', 'percent'])
            assert.equal(typeof figures[key], 'number', context);
          if (headers.origin === HOST_SITE) assert.equal(res.headers['access-control-allow-origin'], HOST_SITE);
          else assert.equal(res.headers['access-control-allow-origin'], undefined, context);
        },
      ),
      fuzzParams(),
    );
  });

  it('when the other public paths get generated paths, queries, methods and headers, then never a 5xx', async (t) => {
    const known = fc.constantFrom(
      '/',
      '/api/progress',
      '/embed/banner',
      '/embed/banner.json',
      '/embed.js',
      '/embed/demo',
      '/manage',
      '/healthz',
      '/readyz',
      '/metrics',
      '/thank-you',
      '/staff/login',
      '/staff',
      '/public/site.css',
      '/public/embed/embed.js',
      '/webhooks/stripe',
      '/donate',
    );
    // Letter case, a trailing slash, doubled slashes and extra segments: the forms routePath and
    // Express's router must agree on.
    const path = fc.oneof(
      { arbitrary: known, weight: 4 },
      {
        arbitrary: fc
          .tuple(known, fc.boolean(), fc.boolean(), fc.boolean())
          .map(([p, upper, slash, double]) => `${double ? '/' : ''}${upper ? p.toUpperCase() : p}${slash ? '/' : ''}`),
        weight: 2,
      },
      { arbitrary: fc.tuple(known, urlPiece).map(([p, piece]) => `${p}/${piece}`), weight: 1 },
      { arbitrary: fc.array(urlPiece, { maxLength: 4 }).map((pieces) => `/${pieces.join('/')}`), weight: 1 },
    );
    const method = fc.oneof(
      { arbitrary: fc.constantFrom('GET', 'HEAD'), weight: 8 },
      { arbitrary: fc.constantFrom('OPTIONS', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'M-SEARCH'), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(path, fc.option(queryString(QUERY_KEYS)), method, requestHeaders, async (p, q, m, headers) => {
        await get({ method: m, path: q === null ? p : `${p}?${q}`, headers });
      }),
      fuzzParams(),
    );
    t.diagnostic(`answers: ${String(seen)}`);
  });
});
