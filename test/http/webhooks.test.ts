import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import request from 'supertest';
import {
  completedSession,
  countRows,
  deliver,
  makeTestApp,
  readTotals,
  sessionEvent,
  TEST_WEBHOOK_SECRET,
  type TestApp,
} from '../helpers/app.ts';
import { breakInserts, TEST_PG } from '../helpers/database.ts';
import { fulfilCheckoutSession } from '../../lib/payments/record-gifts.ts';
import { charge, paymentIntent } from '../../emulator/objects.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

async function assertTotals(raised: number, donors: number) {
  const { api, page } = await readTotals(t.app);
  assert.equal(api.raised, raised, 'api raised');
  assert.equal(api.donors, donors, 'api donors');
  assert.equal(
    page.raised,
    `$${(raised / 100).toLocaleString('en-US', { minimumFractionDigits: raised % 100 ? 2 : 0 })}`,
    'page raised',
  );
  assert.equal(page.donors, String(donors), 'page donors');
}

describe('POST /webhooks/stripe', () => {
  it('when a paid session is delivered 5 times, then it counts once', async () => {
    const event = sessionEvent('checkout.session.completed', completedSession(t.config));
    for (let i = 0; i < 5; i++) {
      const res = await deliver(t.app, event).expect(200);
      assert.equal(res.body.result, i === 0 ? 'recorded' : 'duplicate-event');
    }
    await assertTotals(2500, 1);
    assert.equal(await countRows(t.deps, 'contributions'), 1);
  });

  // SQLite's writer checks the event id itself (a read there would wait for the writer anyway).
  it(
    'when an event already recorded is delivered again on PostgreSQL, then it is answered from one read, never reaching the ledger writer',
    { skip: !TEST_PG && 'PostgreSQL only' },
    async () => {
      const event = sessionEvent('checkout.session.completed', completedSession(t.config, { amount_total: 700 }));
      await deliver(t.app, event).expect(200);
      const ledger = t.deps.ledger as { recordGift: unknown };
      const recordGift = ledger.recordGift;
      ledger.recordGift = () => Promise.reject(new Error('a redelivery must not be written again'));
      try {
        const res = await deliver(t.app, event).expect(200);
        assert.equal(res.body.result, 'duplicate-event');
      } finally {
        ledger.recordGift = recordGift;
      }
      await assertTotals(700, 1);
    },
  );

  it('when the same paid session arrives 5 times concurrently, then it counts once', async () => {
    const event = sessionEvent('checkout.session.completed', completedSession(t.config, { amount_total: 500 }));
    const results = await Promise.all(Array.from({ length: 5 }, () => deliver(t.app, event)));
    for (const r of results) assert.equal(r.status, 200);
    await assertTotals(500, 1);
  });

  it('when two different events carry the same paid session, then the gift counts once', async () => {
    const session = completedSession(t.config);
    await deliver(t.app, sessionEvent('checkout.session.completed', session)).expect(200);
    const res = await deliver(t.app, sessionEvent('checkout.session.completed', session)).expect(200);
    assert.equal(res.body.result, 'recorded');
    await assertTotals(2500, 1);
    assert.equal(await countRows(t.deps, 'stripe_events'), 2);
  });

  it('when a recorded gift comes in, then the very next request shows it', async () => {
    await assertTotals(0, 0);
    await deliver(
      t.app,
      sessionEvent('checkout.session.completed', completedSession(t.config, { amount_total: 1234 })),
    ).expect(200);
    await assertTotals(1234, 1);
    const { api } = await readTotals(t.app);
    assert.equal(api.goal, 5_000_000);
    assert.equal(api.percent, 0.02);
    assert.equal(api.currency, 'usd');
  });

  it('when a delayed payment completes unpaid and later succeeds, then it is pending first and counts once after', async () => {
    const unpaid = completedSession(t.config, { payment_status: 'unpaid' });
    await deliver(t.app, sessionEvent('checkout.session.completed', unpaid)).expect(200);
    await assertTotals(0, 0);
    assert.equal((await t.deps.ledger.findGift(unpaid.id))?.status, 'pending');

    const paid = { ...unpaid, payment_status: 'paid' as const };
    const success = sessionEvent('checkout.session.async_payment_succeeded', paid);
    await deliver(t.app, success).expect(200);
    await deliver(t.app, success).expect(200);
    await assertTotals(2500, 1);
    // A late replay of the unpaid completion must not undo the payment.
    await deliver(t.app, sessionEvent('checkout.session.completed', unpaid)).expect(200);
    await assertTotals(2500, 1);
    assert.equal((await t.deps.ledger.findGift(unpaid.id))?.status, 'paid');
  });

  it('when the success arrives before the unpaid completion, then the gift still counts once', async () => {
    const unpaid = completedSession(t.config, { payment_status: 'unpaid' });
    await deliver(
      t.app,
      sessionEvent('checkout.session.async_payment_succeeded', { ...unpaid, payment_status: 'paid' }),
    ).expect(200);
    await deliver(t.app, sessionEvent('checkout.session.completed', unpaid)).expect(200);
    await assertTotals(2500, 1);
  });

  it('when a delayed payment fails, then it is never counted', async () => {
    const unpaid = completedSession(t.config, { payment_status: 'unpaid' });
    await deliver(t.app, sessionEvent('checkout.session.completed', unpaid)).expect(200);
    await deliver(t.app, sessionEvent('checkout.session.async_payment_failed', unpaid)).expect(200);
    await assertTotals(0, 0);
    assert.equal((await t.deps.ledger.findGift(unpaid.id))?.status, 'failed');
    // Nor when the events come the other way round.
    const other = completedSession(t.config, { payment_status: 'unpaid' });
    await deliver(t.app, sessionEvent('checkout.session.async_payment_failed', other)).expect(200);
    await deliver(t.app, sessionEvent('checkout.session.completed', other)).expect(200);
    await assertTotals(0, 0);
  });

  it('when the signature is made with another secret, then it is rejected and nothing is written', async () => {
    const event = sessionEvent('checkout.session.completed', completedSession(t.config));
    const res = await deliver(t.app, event, { secret: 'whsec_forged' }).expect(400);
    assert.match(res.body.error, /signature/i);
    assert.equal(await countRows(t.deps, 'stripe_events'), 0);
    await assertTotals(0, 0);
  });

  it('when the signature is older than five minutes, then it is rejected as stale', async () => {
    const event = sessionEvent('checkout.session.completed', completedSession(t.config));
    await deliver(t.app, event, { timestamp: Math.floor(Date.now() / 1000) - 600 }).expect(400);
    assert.equal(await countRows(t.deps, 'stripe_events'), 0);
  });

  it('when the signature is dated more than five minutes ahead, then it is refused; a little clock drift is not', async () => {
    const now = Math.floor(Date.now() / 1000);
    const far = sessionEvent('checkout.session.completed', completedSession(t.config));
    await deliver(t.app, far, { timestamp: now + 24 * 3600 }).expect(400);
    await deliver(t.app, far, { timestamp: now + 400 }).expect(400);
    assert.equal(await countRows(t.deps, 'stripe_events'), 0);
    const drift = sessionEvent('checkout.session.completed', completedSession(t.config));
    await deliver(t.app, drift, { timestamp: now + 60 }).expect(200);
    assert.equal(await countRows(t.deps, 'stripe_events'), 1);
  });

  it('when a signature from the future hides behind an earlier, present t=, then it is refused as well', async () => {
    // Found by test/fuzz/webhook-forgeries.test.ts: the check read the first t=, Stripe's parser the last.
    const now = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify(sessionEvent('checkout.session.completed', completedSession(t.config)));
    const future = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: TEST_WEBHOOK_SECRET,
      timestamp: now + 3600,
    });
    const before = await countRows(t.deps, 'stripe_events');
    await request(t.app)
      .post('/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', `t=${now},${future}`)
      .send(payload)
      .expect(400);
    assert.equal(await countRows(t.deps, 'stripe_events'), before);
  });

  it('when there is no signature, then it is rejected and the body is not trusted', async () => {
    const event = sessionEvent('checkout.session.completed', completedSession(t.config));
    await request(t.app)
      .post('/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(event))
      .expect(400);
    assert.equal(await countRows(t.deps, 'contributions'), 0);
  });

  it('when a signed body is altered in transit, then it is rejected', async () => {
    const event = sessionEvent('checkout.session.completed', completedSession(t.config));
    const payload = JSON.stringify(event);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_test_suite_secret' });
    const tampered = payload.replace('"amount_total":2500', '"amount_total":9999999');
    await request(t.app)
      .post('/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', header)
      .send(tampered)
      .expect(400);
    await assertTotals(0, 0);
  });

  it('when the signed body is not JSON or not an event, then it is a 400', async () => {
    await deliver(t.app, 'this is not json').expect(400);
    await deliver(t.app, JSON.stringify({ hello: 'world' })).expect(400);
    assert.equal(await countRows(t.deps, 'stripe_events'), 0);
  });

  it('when a webhook is answered, then it carries the security headers and a request id, ahead of Express', async () => {
    const event = sessionEvent('checkout.session.completed', completedSession(t.config));
    const ok = await deliver(t.app, event)
      .expect(200)
      .expect('Content-Type', /application\/json/);
    const bad = await deliver(t.app, event, { secret: 'whsec_forged' }).expect(400);
    for (const res of [ok, bad]) {
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(res.headers['content-security-policy'] ?? '', /default-src/);
      assert.equal(res.headers['x-powered-by'], undefined);
      assert.match(res.headers['x-request-id'] ?? '', /^[\w.-]{8,100}$/);
    }
    const given = await deliver(t.app, event).set('X-Request-Id', 'stripe-retry-0001').expect(200);
    assert.equal(given.headers['x-request-id'], 'stripe-retry-0001');
  });

  it('when the body is cut short of its Content-Length, then it is a 400 and nothing is written', async () => {
    const server = createServer(t.app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const payload = JSON.stringify(sessionEvent('checkout.session.completed', completedSession(t.config)));
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          method: 'POST',
          path: '/webhooks/stripe',
          headers: {
            'content-type': 'application/json',
            'content-length': String(payload.length + 100),
            'stripe-signature': Stripe.webhooks.generateTestHeaderString({
              payload,
              secret: 'whsec_test_suite_secret',
            }),
          },
        });
        req.on('response', (res) => resolve(res.statusCode ?? 0));
        req.on('error', reject);
        // Half-close: the server sees the end of the body 100 bytes early.
        req.write(payload, () => req.socket?.end());
      });
      assert.equal(status, 400);
      assert.equal(await countRows(t.deps, 'stripe_events'), 0);
      // Node answers 400 to a cut-short body by itself too: the handler's own path must have run.
      const rejected = (await t.deps.metrics.webhookEvents.get()).values.find((v) => v.labels.result === 'rejected');
      assert.equal(rejected?.value, 1, 'the handler counted the unreadable body as rejected');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('when the webhook address has a trailing slash, a query or other letter case, then it is handled as Express would route it', async () => {
    for (const [i, path] of ['/webhooks/stripe/', '/webhooks/stripe?attempt=2', '/Webhooks/Stripe'].entries()) {
      const res = await deliver(
        t.app,
        sessionEvent('checkout.session.completed', completedSession(t.config, { id: `cs_test_path_${i}` })),
        { path },
      ).expect(200);
      assert.equal(res.body.result, 'recorded', path);
    }
    assert.equal(await countRows(t.deps, 'contributions'), 3);
  });

  it('when the webhook address is asked for with another method, then it is not found', async () => {
    await request(t.app).get('/webhooks/stripe').expect(404);
    await request(t.app).put('/webhooks/stripe').expect(404);
  });

  it('when a session was not created by this fundraiser, then it is acknowledged and ignored', async () => {
    const shop = completedSession(t.config, { metadata: { order: '123' } });
    const res = await deliver(t.app, sessionEvent('checkout.session.completed', shop)).expect(200);
    assert.equal(res.body.result, 'ignored');
    const otherSite = completedSession(t.config, { metadata: { fundraiser: 'another-site' } });
    await deliver(t.app, sessionEvent('checkout.session.completed', otherSite)).expect(200);
    const noMetadata = completedSession(t.config, { metadata: null });
    await deliver(t.app, sessionEvent('checkout.session.completed', noMetadata)).expect(200);
    await assertTotals(0, 0);
    assert.equal(await countRows(t.deps, 'contributions'), 0);
  });

  it('when an event type is not one the site handles, then it is acknowledged and changes nothing', async () => {
    const event = {
      ...sessionEvent('checkout.session.completed', completedSession(t.config)),
      type: 'customer.created',
    };
    const res = await deliver(t.app, JSON.stringify(event)).expect(200);
    assert.equal(res.body.result, 'unhandled-type');
    await assertTotals(0, 0);
  });

  it('when recording fails, then it answers 500, writes nothing, and the retry counts once', async () => {
    const restore = await breakInserts(t.deps.db, 'contributions');
    const event = sessionEvent('checkout.session.completed', completedSession(t.config));
    await deliver(t.app, event).expect(500);
    assert.equal(await countRows(t.deps, 'stripe_events'), 0, 'the event is not marked as processed');
    await assertTotals(0, 0);

    await restore();
    await deliver(t.app, event).expect(200);
    await deliver(t.app, event).expect(200);
    await assertTotals(2500, 1);
  });

  it('when the payment is in another currency and Stripe has not settled it yet, then it is kept, paid, but not added to the bar', async () => {
    // The payment comes expanded with its charge, whose balance transaction Stripe has not set yet.
    const pi = paymentIntent({ amount: 2500, currency: 'eur', status: 'succeeded' });
    pi.latest_charge = charge({ amount: 2500, currency: 'eur', payment_intent: pi.id });
    const eur = completedSession(t.config, { currency: 'eur', payment_intent: pi });
    await deliver(t.app, sessionEvent('checkout.session.completed', eur)).expect(200);
    await assertTotals(0, 0);
    const gift = await t.deps.ledger.findGift(eur.id);
    assert.equal(gift?.status, 'paid');
    assert.equal(gift?.settled_minor, null, 'it waits for its settlement (test/http/settlement.test.ts)');
  });
});

describe('campaign windows through the webhook', () => {
  it("when the thank-you page records a gift just after the window closed, then Stripe's event time moves it back into the campaign", async () => {
    const fixed = await makeTestApp({
      env: { FUNDRAISER_CAMPAIGN_START: '2026-01-01', FUNDRAISER_CAMPAIGN_END: '2026-12-31' },
    });
    try {
      const session = completedSession(fixed.config, { amount_total: 700 });
      // The page loads at 00:00:01, after the window: our clock puts the gift in no campaign.
      await fulfilCheckoutSession(
        { ledger: fixed.deps.ledger, fundraiser: fixed.config.fundraiser, stripe: fixed.deps.stripe },
        { session, occurredAt: new Date('2026-12-31T00:00:01Z') },
      );
      assert.equal((await fixed.deps.ledger.progress()).raised, 0);
      // Stripe's event says it was paid at 23:59:58, inside the window.
      const paid = Math.floor(new Date('2026-12-30T23:59:58Z').getTime() / 1000);
      await deliver(fixed.app, sessionEvent('checkout.session.completed', session, { created: paid })).expect(200);
      const p = await fixed.deps.ledger.progress();
      assert.equal(p.raised, 700);
      assert.equal(p.donors, 1);
      assert.equal((await fixed.deps.ledger.findGift(session.id))?.paid_at, '2026-12-30T23:59:58.000Z');
    } finally {
      await fixed.close();
    }
  });

  it('when gifts are paid at 23:59:59 on Dec 31 and 00:00:00 on Jan 1, then each counts for its own year', async () => {
    const at = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);
    const late = completedSession(t.config, { amount_total: 500 });
    const early = completedSession(t.config, { amount_total: 2500 });
    await deliver(
      t.app,
      sessionEvent('checkout.session.completed', late, { created: at('2026-12-31T23:59:59Z') }),
    ).expect(200);
    await deliver(
      t.app,
      sessionEvent('checkout.session.completed', early, { created: at('2027-01-01T00:00:00Z') }),
    ).expect(200);

    t.setNow(new Date('2026-12-31T23:59:59Z'));
    await assertTotals(500, 1);
    t.setNow(new Date('2027-01-01T00:00:01Z'));
    await assertTotals(2500, 1);
  });
});
