// The manage-gift form (POST /thank-you/manage) and the thank-you page that holds it, at
// volume: generated session ids (this site's monthly gifts in and past their hour, a one-off
// gift, ids Stripe does not know, junk, repeated fields), encodings, browser headers and client
// addresses. Never a 5xx, and a portal session only for a monthly gift of this site, within its
// hour, from the site's own page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type Stripe from 'stripe';
import { checkoutThroughForm, type LiveStack } from '../helpers/live.ts';
import {
  asText,
  describeFailure,
  encodeURIComponentSafe,
  errorLog,
  fuzzParams,
  headerValue,
  RUNS,
  statusTally,
  weirdString,
  type RawClient,
  openFuzzStack,
  closeFuzzStack,
} from './kit.ts';

const log = errorLog();
let s: LiveStack;
let client: RawClient;
let portalSessions = 0;
/** Session ids by what the form must do with them. */
const ids = { open: [] as string[], late: [] as string[], once: [] as string[] };

async function paid(amount: string, frequency: 'once' | 'monthly'): Promise<string> {
  const id = await checkoutThroughForm(s.app, amount, frequency);
  s.emulator.state.pay(id, 'card', `${frequency}@example.org`);
  return id;
}

before(async () => {
  // Behind a proxy, so inputs may come from many addresses (the form's limit is per address).
  ({ s, client } = await openFuzzStack(log, { env: { TRUST_PROXY: '1' }, portal: true }));
  const create = s.deps.stripe.billingPortal.sessions.create.bind(s.deps.stripe.billingPortal.sessions);
  s.deps.stripe.billingPortal.sessions.create = (params: Stripe.BillingPortal.SessionCreateParams) => {
    portalSessions++;
    return create(params);
  };
  ids.open.push(await paid('10', 'monthly'), await paid('25', 'monthly'));
  ids.once.push(await paid('25', 'once'));
  const late = await paid('30', 'monthly');
  // Its subscription began two hours ago: past the hour in which the thank-you page may open it.
  const sub = s.emulator.state.subscriptions.get(s.emulator.state.sessions.get(late)!.subscription as string)!;
  sub.created -= 2 * 3600;
  ids.late.push(late);
  await s.emulator.whenIdle();
});
after(() => closeFuzzStack({ s, client }));

const known = () => [...ids.open, ...ids.late, ...ids.once];
const sessionId = fc.oneof(
  { arbitrary: fc.nat().map((i) => known()[i % known().length]!), weight: 4 },
  {
    arbitrary: fc
      .string({ unit: fc.constantFrom(...'abcXYZ019'), minLength: 1, maxLength: 40 })
      .map((t) => `cs_test_${t}`),
    weight: 2,
  },
  { arbitrary: fc.nat().map((i) => `${known()[i % known().length]!}x`), weight: 1 },
  { arbitrary: fc.nat().map((i) => ` ${known()[i % known().length]!}`), weight: 1 },
  { arbitrary: fc.constantFrom('cs_live_x', 'cs_test_', `cs_test_${'a'.repeat(251)}`, 'sub_test_x'), weight: 1 },
  { arbitrary: weirdString, weight: 2 },
);

const browser = fc.oneof(
  { arbitrary: fc.constant<Record<string, string>>({}), weight: 4 },
  {
    arbitrary: fc.constantFrom<Record<string, string>>({ 'sec-fetch-site': 'same-origin' }, { origin: 'SELF' }),
    weight: 2,
  },
  {
    arbitrary: fc.record(
      {
        'sec-fetch-site': fc.oneof(fc.constantFrom('same-origin', 'none', 'same-site', 'cross-site'), headerValue),
        origin: fc.oneof(fc.constantFrom('SELF', 'null', 'https://evil.example'), headerValue),
        accept: fc.oneof(fc.constantFrom('text/html', 'application/json'), headerValue),
      },
      { requiredKeys: [] },
    ),
    weight: 1,
  },
);
const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('198.51.100.7'), headerValue);

const seen = statusTally();

describe(`fuzzing the manage-gift form and the thank-you page (${RUNS} inputs a property)`, () => {
  it('when the manage-gift form gets generated session ids, encodings and headers, then never a 5xx and a portal only by the rules', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { arbitrary: sessionId, weight: 8 },
          { arbitrary: fc.constantFrom<unknown>({ toString: 'x' }, { id: 'cs_test_x' }, 42, null), weight: 1 },
          { arbitrary: fc.array(sessionId, { minLength: 2, maxLength: 3 }), weight: 1 },
        ),
        fc.dictionary(weirdString, weirdString, { maxKeys: 2 }),
        fc.constantFrom('form', 'form', 'form', 'json', 'text', 'none'),
        browser,
        address,
        async (id, extra, encoding, headers, from) => {
          const fields = { ...extra, session_id: id };
          const h: Record<string, string> = { ...headers, 'x-forwarded-for': from };
          if (h.origin === 'SELF') h.origin = s.siteUrl;
          let body: string | undefined;
          if (encoding === 'json') {
            h['content-type'] = 'application/json';
            body = JSON.stringify(fields);
          } else if (encoding !== 'none') {
            h['content-type'] = encoding === 'form' ? 'application/x-www-form-urlencoded' : 'text/plain';
            body = Object.entries(fields)
              .flatMap(([k, v]) =>
                (Array.isArray(v) ? v : [v]).map(
                  (one) => `${encodeURIComponentSafe(k)}=${encodeURIComponentSafe(asText(one))}`,
                ),
              )
              .join('&');
          }
          const before = portalSessions;
          log.clear();
          const sent = { method: 'POST', path: '/thank-you/manage', headers: h, body };
          const res = await client.send(sent);
          const context = describeFailure(sent, res, log.lines);
          seen.add(res.status);
          assert.ok(res.status < 500, `5xx: ${context}`);
          assert.ok([303, 400, 403, 404, 410, 413, 415, 429].includes(res.status), `unexpected: ${context}`);
          const opened = portalSessions - before;
          if (res.status !== 303) return void assert.equal(opened, 0, `a portal session without a 303: ${context}`);
          assert.equal(opened, 1, context);
          assert.ok(
            typeof id === 'string' && ids.open.includes(id) && encoding !== 'text' && encoding !== 'none',
            `a portal outside the rules: ${context}`,
          );
        },
      ),
      fuzzParams(),
    );
  });

  it('when the thank-you page gets generated session ids and queries, then never a 5xx', async (c) => {
    await fc.assert(
      fc.asyncProperty(sessionId, fc.option(weirdString, { nil: undefined }), address, async (id, extra, from) => {
        const query = `session_id=${encodeURIComponentSafe(id)}${extra === undefined ? '' : `&${encodeURIComponentSafe(extra)}`}`;
        log.clear();
        const sent = { path: `/thank-you?${query}`, headers: { 'x-forwarded-for': from } };
        const res = await client.send(sent);
        seen.add(`thank-you ${res.status}`);
        assert.ok(res.status < 500, `5xx: ${describeFailure(sent, res, log.lines)}`);
      }),
      fuzzParams(),
    );
    c.diagnostic(`answers: ${String(seen)}; portal sessions: ${portalSessions}`);
  });
});
