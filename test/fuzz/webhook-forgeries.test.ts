// POST /webhooks/stripe at volume with bodies that Stripe did not sign for this endpoint: random
// bytes, JSON, plausible events for this fundraiser; no Stripe-Signature, a garbled one, one made
// with another secret, for another body, too old, from the future, in another scheme. Every one
// is answered 400 and the ledger is exactly as it was.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../../lib/payments/stripe.ts';
import { completedSession, ourMetadata, sessionEvent, TEST_WEBHOOK_SECRET } from '../helpers/app.ts';
import type { LiveStack } from '../helpers/live.ts';
import {
  describeFailure,
  errorLog,
  fuzzParams,
  headerValue,
  ledgerSnapshot,
  RUNS,
  statusTally,
  type RawClient,
  openFuzzStack,
  closeFuzzStack,
} from './kit.ts';

const log = errorLog();
let s: LiveStack;
let client: RawClient;
before(async () => {
  ({ s, client } = await openFuzzStack(log));
});
after(() => closeFuzzStack({ s, client }));

const now = () => Math.floor(Date.now() / 1000);
const hmac = (payload: string, secret: string, timestamp: number) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });

/** What a forger would send: a paid gift of this fundraiser, exactly as Stripe would word it. */
const plausibleEvent = fc
  .record({ amount: fc.integer({ min: 1, max: 10 ** 9 }), paid: fc.boolean() })
  .map(({ amount, paid }) =>
    JSON.stringify({
      ...sessionEvent(
        'checkout.session.completed',
        completedSession(s.config, {
          amount_total: amount,
          payment_status: paid ? 'paid' : 'unpaid',
          metadata: ourMetadata(s.config),
        }),
      ),
      api_version: STRIPE_API_VERSION,
    }),
  );

const body = fc.oneof(
  { arbitrary: plausibleEvent, weight: 3 },
  { arbitrary: fc.string({ maxLength: 500 }), weight: 1 },
  { arbitrary: fc.json(), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b).toString('latin1')), weight: 1 },
  { arbitrary: fc.constant(''), weight: 1 },
);

type Forge = (payload: string) => string | undefined;

/** Stripe-Signature headers that do not prove this endpoint's secret signed this body, now. */
const forgery: fc.Arbitrary<{ name: string; forge: Forge }> = fc.oneof(
  fc.constant({ name: 'none', forge: () => undefined }),
  headerValue.map((h) => ({ name: 'garbled', forge: () => h })),
  fc.tuple(fc.integer(), hex).map(([t, v1]) => ({ name: 'random v1', forge: () => `t=${t},v1=${v1}` })),
  fc.string({ minLength: 1, maxLength: 40 }).map((secret) => ({
    name: 'another secret',
    forge: (p: string) => hmac(p, `whsec_${secret}`, now()),
  })),
  fc.integer({ min: 301, max: 10 ** 9 }).map((age) => ({
    name: 'too old',
    forge: (p: string) => hmac(p, TEST_WEBHOOK_SECRET, now() - age),
  })),
  fc.integer({ min: 320, max: 10 ** 9 }).map((ahead) => ({
    name: 'from the future',
    forge: (p: string) => hmac(p, TEST_WEBHOOK_SECRET, now() + ahead),
  })),
  fc.integer({ min: 320, max: 10 ** 9 }).map((ahead) => ({
    // Stripe's parser takes the last t=, a check that read the first would see the present.
    name: 'from the future behind a present t=',
    forge: (p: string) => `t=${now()},${hmac(p, TEST_WEBHOOK_SECRET, now() + ahead)}`,
  })),
  fc.string({ minLength: 1, maxLength: 5 }).map((extra) => ({
    name: 'for another body',
    forge: (p: string) => hmac(`${p}${extra}`, TEST_WEBHOOK_SECRET, now()),
  })),
  fc.constant({
    name: 'v0 scheme',
    forge: (p: string) => hmac(p, TEST_WEBHOOK_SECRET, now()).replace('v1=', 'v0='),
  }),
  fc.constant({
    name: 'timestamp replaced',
    forge: (p: string) => hmac(p, TEST_WEBHOOK_SECRET, now() - 3600).replace(/^t=\d+/, `t=${now()}`),
  }),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
);
// The webhook lane takes the path as Express would route it: any letter case, a trailing slash, a query.
const path = fc.constantFrom(
  '/webhooks/stripe',
  '/Webhooks/Stripe/',
  '/webhooks/stripe?livemode=true',
  '/WEBHOOKS/STRIPE',
);

describe(`fuzzing POST /webhooks/stripe without a valid signature (${RUNS} inputs)`, () => {
  it('when the webhook gets generated bodies with missing or forged signatures, then it answers 400 and writes nothing', async (t) => {
    const seen = statusTally();
    const before = await ledgerSnapshot(s.deps.db);
    await fc.assert(
      fc.asyncProperty(body, forgery, contentType, path, async (payload, { name, forge }, type, p) => {
        const signature = forge(payload);
        const headers: Record<string, string> = { 'content-type': type };
        if (signature !== undefined) headers['stripe-signature'] = signature;
        log.clear();
        const sent = { method: 'POST', path: p, headers, body: payload };
        const res = await client.send(sent);
        seen.add(`${name} ${res.status}`);
        assert.equal(res.status, 400, `${name}: ${describeFailure(sent, res, log.lines)}`);
      }),
      fuzzParams(),
    );
    t.diagnostic(`answers: ${String(seen)}`);
    assert.deepEqual(await ledgerSnapshot(s.deps.db), before, 'an unsigned body changed the ledger');
  });
});
