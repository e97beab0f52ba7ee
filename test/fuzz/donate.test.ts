// POST /donate at volume: generated forms and JSON bodies, odd content types, encodings and
// browser headers. Never a 5xx; a Checkout Session only for an answer that sends the reader to
// one, and every session within the donation rules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type Stripe from 'stripe';
import { METADATA_FUNDRAISER } from '../../lib/payments/record-gifts.ts';
import type { LiveStack } from '../helpers/live.ts';
import {
  describeFailure,
  encodeURIComponentSafe,
  errorLog,
  fuzzParams,
  headerValue,
  RUNS,
  statusTally,
  weirdString,
  type RawAnswer,
  type RawClient,
  openFuzzStack,
  closeFuzzStack,
} from './kit.ts';

const log = errorLog();
let s: LiveStack;
let client: RawClient;
before(async () => {
  // The monthly prices the portal needs, so monthly gifts of those amounts take that path too.
  ({ s, client } = await openFuzzStack(log, { portal: true }));
});
after(() => closeFuzzStack({ s, client }));

// A form id shared by some inputs: the same form sent again must find its session, not open another.
const SHARED_FORM_ID = 'fuzz-shared-form-id-0001';

const amount = fc.oneof(
  { arbitrary: weirdString, weight: 2 },
  { arbitrary: fc.integer({ min: -10, max: 12_000 }).map(String), weight: 3 },
  { arbitrary: fc.constantFrom('5', '25', 'other'), weight: 2 },
);
const frequency = fc.oneof(
  { arbitrary: fc.constantFrom('once', 'monthly'), weight: 4 },
  { arbitrary: weirdString, weight: 1 },
);
// A field given twice or more (amount=5&amount=25) arrives as an array.
const repeatable = <T>(one: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: one, weight: 8 }, { arbitrary: fc.array(one, { minLength: 2, maxLength: 3 }), weight: 1 });

const fields = fc.record(
  {
    amount: repeatable(amount),
    other_amount: repeatable(amount),
    frequency: repeatable(frequency),
    form_id: fc.oneof(fc.uuid(), weirdString, fc.constant(SHARED_FORM_ID)),
    extra: fc.dictionary(weirdString, weirdString, { maxKeys: 3 }),
  },
  { requiredKeys: [] },
);

/** What a browser (or something pretending to be one) says about where the form came from. */
const browserHeaders = fc
  .oneof(
    // As the site's own page sends it (or a client that is not a browser): most inputs get past this check.
    {
      arbitrary: fc.constantFrom<Record<string, string>>(
        {},
        { 'sec-fetch-site': 'same-origin' },
        { origin: 'SELF' },
        { accept: 'text/html' },
      ),
      weight: 6,
    },
    {
      arbitrary: fc.record(
        {
          'sec-fetch-site': fc.oneof(fc.constantFrom('same-origin', 'none', 'same-site', 'cross-site'), headerValue),
          origin: fc.oneof(fc.constantFrom('SELF', 'null', 'https://evil.example', 'http://127.0.0.1'), headerValue),
          accept: fc.oneof(
            fc.constantFrom('text/html', 'application/json', '*/*', 'application/json;q=0.1, text/html'),
            headerValue,
          ),
          host: fc.oneof(
            fc.constant('127.0.0.1'),
            headerValue.filter((h) => h.trim() !== ''),
          ),
        },
        { requiredKeys: [] },
      ),
      weight: 2,
    },
  )
  .map((h: Record<string, string>) => (h.origin === 'SELF' ? { ...h, origin: s.siteUrl } : h));

type Fields = Record<string, unknown> & { extra?: Record<string, string> };

function pairsOf(f: Fields): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries({ ...f.extra, ...f, extra: undefined })) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) pairs.push([k, String(one)]);
  }
  return pairs;
}

const sessions = () => s.emulator.state.sessions;

/** The donation rules every Checkout Session the site creates must keep. */
function assertWithinRules(session: Stripe.Checkout.Session, context: string) {
  const { donationMin, donationMax, currency, id } = s.config.fundraiser;
  const major = session.amount_total! / 100;
  assert.ok(
    Number.isInteger(major) && (major === 5 || major === 25 || (major >= donationMin && major <= donationMax)),
    `a session of ${major}: ${context}`,
  );
  assert.ok(session.mode === 'payment' || session.mode === 'subscription', `mode ${session.mode}: ${context}`);
  assert.equal(session.currency, currency, context);
  assert.equal(session.metadata?.[METADATA_FUNDRAISER], id, context);
}

/**
 * One input: no 5xx; an answer that sends the reader to Checkout names a session within the rules
 * (monthly exactly when monthly was asked, where the fields were sent as fields); any other
 * answer created none.
 */
const seen = statusTally();

async function post(sent: { body: string | Buffer; headers: Record<string, string> }, wanted?: 'monthly' | 'once') {
  const before = sessions().size;
  log.clear();
  const res: RawAnswer = await client.send({ method: 'POST', path: '/donate', ...sent });
  const context = describeFailure(sent, res, log.lines);
  seen.add(res.status);
  assert.ok(res.status < 500, `5xx: ${context}`);
  assert.ok([200, 303, 400, 403, 413, 415].includes(res.status), `unexpected status: ${context}`);
  const created = sessions().size - before;
  if (res.status !== 200 && res.status !== 303)
    return void assert.equal(created, 0, `session without a 303: ${context}`);
  assert.ok(created <= 1, context);
  const url = res.status === 303 ? res.headers.location : (JSON.parse(res.text) as { url?: string }).url;
  const session = sessions().get(String(url).split('/').pop()!);
  assert.ok(session, `no such session: ${context}`);
  assertWithinRules(session, context);
  if (wanted) assert.equal(session.mode, wanted === 'monthly' ? 'subscription' : 'payment', context);
}

const single = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : undefined);
const wantedOf = (f: Fields) =>
  Array.isArray(f.frequency) ? undefined : single(f.frequency) === 'monthly' ? 'monthly' : 'once';

describe(`fuzzing POST /donate (${RUNS} inputs a property)`, () => {
  it('when the donate form gets generated fields, encodings and browser headers, then never a 5xx and every session follows the rules', async () => {
    // Mostly the form's own type; now and then one no parser takes, or a charset it refuses.
    const formType = fc.oneof(
      { arbitrary: fc.constant('application/x-www-form-urlencoded'), weight: 6 },
      {
        arbitrary: fc.constantFrom(
          'application/x-www-form-urlencoded; charset=utf-8',
          'application/x-www-form-urlencoded; charset=iso-8859-1',
          'application/x-www-form-urlencoded; charset=utf-16',
          'application/x-www-form-urlencoded; charset="nonsense"',
          'APPLICATION/X-WWW-FORM-URLENCODED',
          'application/x-www-form-urlencoded;;;',
          'text/plain',
          'multipart/form-data; boundary=x',
        ),
        weight: 2,
      },
    );
    const encoding = fc.constantFrom(
      undefined,
      undefined,
      undefined,
      'gzip',
      'gzip-garbage',
      'identity',
      'br',
      'x-nope',
    );
    const shape = fc.constantFrom('encoded', 'encoded', 'encoded', 'raw', 'junk');
    await fc.assert(
      fc.asyncProperty(
        fields,
        shape,
        fc.string({ unit: 'binary', maxLength: 300 }),
        formType,
        encoding,
        browserHeaders,
        async (f, how, junk, type, enc, browser) => {
          const pairs = pairsOf(f);
          const text =
            how === 'encoded'
              ? pairs.map(([k, v]) => `${encodeURIComponentSafe(k)}=${encodeURIComponentSafe(v)}`).join('&')
              : how === 'raw'
                ? pairs.map(([k, v]) => `${k}=${v}`).join('&')
                : junk;
          let body: string | Buffer = text;
          if (enc === 'gzip') body = gzipSync(text);
          if (enc === 'gzip-garbage') body = Buffer.from(text.slice(0, 40));
          const headers: Record<string, string> = { ...browser, 'content-type': type };
          if (enc) headers['content-encoding'] = enc === 'gzip-garbage' ? 'gzip' : enc;
          const plain = how === 'encoded' && (enc === undefined || enc === 'gzip' || enc === 'identity');
          await post({ body, headers }, plain ? wantedOf(f) : undefined);
        },
      ),
      fuzzParams(),
    );
  });

  it('when the donate endpoint gets generated JSON bodies, then never a 5xx and every session follows the rules', async () => {
    const jsonValue = fc.oneof(
      { arbitrary: amount, weight: 4 },
      {
        arbitrary: fc.oneof(fc.integer({ min: -10, max: 12_000 }), fc.double(), fc.boolean(), fc.constant(null)),
        weight: 2,
      },
      { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
      // Objects String() cannot turn into text.
      { arbitrary: fc.constantFrom<unknown>({ toString: 'x' }, { valueOf: 1, toString: null }), weight: 1 },
    );
    const object = fc.record(
      {
        amount: jsonValue,
        other_amount: jsonValue,
        frequency: fc.oneof(frequency, jsonValue),
        form_id: fc.oneof(fc.uuid(), jsonValue),
      },
      { requiredKeys: [] },
    );
    const document = fc.oneof(
      { arbitrary: object.map((o) => ({ o, text: JSON.stringify(o) })), weight: 6 },
      // Keys that a naive merge would put on the prototype.
      {
        arbitrary: object.map((o) => ({ o, text: JSON.stringify(o).replace(/^\{/, '{"__proto__":{"amount":"25"},') })),
        weight: 1,
      },
      { arbitrary: fc.jsonValue().map((v) => ({ o: undefined, text: JSON.stringify(v) ?? 'null' })), weight: 1 },
      { arbitrary: fc.string({ maxLength: 100 }).map((t) => ({ o: undefined, text: `{"amount": ${t}` })), weight: 1 },
    );
    const jsonType = fc.oneof(
      { arbitrary: fc.constant('application/json'), weight: 6 },
      {
        arbitrary: fc.constantFrom(
          'application/json; charset=utf-8',
          'application/json; charset=utf-16',
          'application/json; charset=koi8-r',
          'application/vnd.api+json',
          'Application/JSON',
          'text/json',
        ),
        weight: 2,
      },
    );
    await fc.assert(
      fc.asyncProperty(document, jsonType, browserHeaders, async ({ o, text }, type, browser) => {
        const headers = { accept: 'application/json', ...browser, 'content-type': type };
        const f = o as Fields | undefined;
        const wanted =
          f && type.toLowerCase().startsWith('application/json') && !text.includes('__proto__')
            ? wantedOf(f)
            : undefined;
        await post({ body: text, headers }, wanted);
      }),
      fuzzParams(),
    );
  });

  it('when the fuzzing is over, then every Checkout Session the emulator holds follows the donation rules', (t) => {
    t.diagnostic(`answers: ${String(seen)}; sessions created: ${sessions().size}`);
    assert.ok(sessions().size > 0, 'some inputs must have been valid gifts');
    for (const session of sessions().values()) assertWithinRules(session, session.id);
  });
});
