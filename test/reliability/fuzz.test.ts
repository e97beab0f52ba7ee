// Thousands of generated inputs against the endpoints strangers can reach: never a 5xx,
// never a Checkout Session outside the rules, never a ledger write from an unsigned body.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import request from 'supertest';
import { countRows } from '../helpers/app.ts';
import { openForm, startLiveStack, type LiveStack } from '../helpers/live.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack();
});
after(async () => {
  await s.stop();
});

const weirdString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '',
    ' ',
    '5',
    '25',
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
    '25,00',
    '２５',
    '\u0000',
    '<script>',
    'other',
    'once',
    'monthly',
  ),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
);

describe('fuzzing the public endpoints', () => {
  it('when POST /donate gets 400 random forms, then it never fails and every session it creates follows the rules', async () => {
    const { agent, formId } = await openForm(s.app);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          { amount: weirdString, other_amount: weirdString, frequency: weirdString, extra: fc.option(weirdString) },
          { requiredKeys: [] },
        ),
        async (fields) => {
          const body = new URLSearchParams({
            form_id: `${formId}${n++}`,
            ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)),
          }).toString();
          const res = await agent.post('/donate').type('form').send(body);
          assert.ok([303, 400].includes(res.status), `status ${res.status} for ${body}`);
        },
      ),
      { numRuns: 400 },
    );
    const { donationMin, donationMax } = s.config.fundraiser;
    for (const session of s.emulator.state.sessions.values()) {
      const major = session.amount_total! / 100;
      assert.ok(
        Number.isInteger(major) && (major === 5 || major === 25 || (major >= donationMin && major <= donationMax)),
        `session of ${major}`,
      );
      assert.ok(session.mode === 'payment' || session.mode === 'subscription');
    }
  });

  it('when GET /api/progress gets 300 random query strings, then it always answers the figures', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (q) => {
        const res = await request(s.app).get(`/api/progress?${encodeURI(q)}`);
        assert.equal(res.status, 200);
        assert.equal(typeof res.body.raised, 'number');
      }),
      { numRuns: 300 },
    );
  });

  it('when the webhook gets 500 random bodies and headers, then it answers 400 and writes nothing', async () => {
    const before = await countRows(s.deps, 'stripe_events');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 500 }),
          fc.json(),
          fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        fc.oneof(
          fc.constant(undefined),
          fc.string({ maxLength: 200 }),
          fc.constantFrom('t=1,v1=00', `t=${Math.floor(Date.now() / 1000)},v1=${'a'.repeat(64)}`),
        ),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/octet-stream',
        ),
        async (body, signature, type) => {
          const req = request(s.app).post('/webhooks/stripe').set('Content-Type', type);
          if (signature !== undefined) req.set('Stripe-Signature', signature.replace(/[\r\n]/g, ''));
          const res = await req.send(body);
          assert.equal(res.status, 400, `status ${res.status}`);
        },
      ),
      { numRuns: 500 },
    );
    assert.equal(await countRows(s.deps, 'stripe_events'), before);
  });

  it('when /staff/login gets 150 random credentials, then it never fails with a 5xx and lets nobody in', async () => {
    const { agent, csrf } = await (async () => {
      const a = request.agent(s.app);
      const page = await a.get('/staff/login').expect(200);
      return { agent: a, csrf: page.text.match(/name="_csrf" value="([^"]+)"/)![1]! };
    })();
    await fc.assert(
      fc.asyncProperty(
        weirdString,
        fc.string({ maxLength: 100 }),
        fc.option(weirdString),
        async (email, password, next) => {
          const res = await agent
            .post('/staff/login')
            .type('form')
            .send({ _csrf: csrf, email, password, ...(next ? { next } : {}) });
          assert.ok([401, 429].includes(res.status), `status ${res.status}`);
        },
      ),
      { numRuns: 150 },
    );
  });
});
