import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import request from 'supertest';
import { createStripeClient } from '../../lib/payments/stripe.ts';
import { checkoutThroughForm, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { isEmulatorPath } from '../../emulator/emulator.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack();
});
after(async () => {
  await s.stop();
});

const donation = (amount = 2500): Stripe.Checkout.SessionCreateParams => ({
  mode: 'payment',
  line_items: [
    { quantity: 1, price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'Donation' } } },
  ],
  metadata: { fundraiser: s.config.fundraiser.id },
  success_url: 'http://127.0.0.1/ok?session_id={CHECKOUT_SESSION_ID}',
});

async function ourPaidSession(amount: string) {
  const id = await checkoutThroughForm(s.app, amount);
  s.emulator.state.pay(id, 'card', 'x@example.org');
  return id;
}

describe('emulator: Stripe API through the official SDK', () => {
  it('when a session is retrieved by id, then it comes back Stripe-shaped', async () => {
    const created = await s.deps.stripe.checkout.sessions.create(donation());
    const got = await s.deps.stripe.checkout.sessions.retrieve(created.id);
    assert.equal(got.object, 'checkout.session');
    assert.equal(got.id, created.id);
    assert.equal(got.status, 'open');
    assert.equal(got.payment_status, 'unpaid');
    assert.match(got.url!, new RegExp(`^${s.emulatorUrl}/c/pay/cs_test_`));
  });

  it('when an object does not exist, then the SDK raises a Stripe invalid-request error with code resource_missing', async () => {
    await assert.rejects(s.deps.stripe.checkout.sessions.retrieve('cs_test_nope'), (err: unknown) => {
      assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError);
      assert.equal(err.code, 'resource_missing');
      assert.equal(err.statusCode, 404);
      return true;
    });
  });

  it('when parameters are invalid, then the error names the parameter', async () => {
    await assert.rejects(
      s.deps.stripe.checkout.sessions.create({ ...donation(), mode: undefined as never }),
      (err: Stripe.errors.StripeError) => err.param === 'mode',
    );
    await assert.rejects(
      s.deps.stripe.checkout.sessions.create(donation(10)),
      (err: Stripe.errors.StripeError) => err.code === 'amount_too_small',
    );
    await assert.rejects(
      // submit_type=donate is allowed in subscription mode; a price without recurring is not.
      s.deps.stripe.checkout.sessions.create({ ...donation(), submit_type: 'donate', mode: 'subscription' }),
      (err: Stripe.errors.StripeError) => err.param === 'line_items',
    );
  });

  it('when the API key is missing or malformed, then it answers 401 authentication_error', async () => {
    const bad = createStripeClient({ ...s.config.stripe, secretKey: 'not_a_key' });
    await assert.rejects(
      bad.checkout.sessions.retrieve('cs_test_x'),
      (err: unknown) => err instanceof Stripe.errors.StripeAuthenticationError,
    );
  });

  it('when an idempotency key is reused with the same parameters, then the same session is returned; with others, an idempotency error', async () => {
    const a = await s.deps.stripe.checkout.sessions.create(donation(), { idempotencyKey: 'k-1' });
    const b = await s.deps.stripe.checkout.sessions.create(donation(), { idempotencyKey: 'k-1' });
    assert.equal(a.id, b.id);
    await assert.rejects(
      s.deps.stripe.checkout.sessions.create(donation(3000), { idempotencyKey: 'k-1' }),
      (err: unknown) => err instanceof Stripe.errors.StripeIdempotencyError,
    );
  });

  it('when sessions are listed, then pages follow starting_after to the end', async () => {
    for (let i = 0; i < 5; i++) await s.deps.stripe.checkout.sessions.create(donation());
    const all: string[] = [];
    for await (const session of s.deps.stripe.checkout.sessions.list({ limit: 2 })) all.push(session.id);
    assert.equal(all.length, s.emulator.state.sessions.size);
    assert.equal(new Set(all).size, all.length);
  });

  it('when an open session is expired, then it cannot be paid and checkout.session.expired is sent', async () => {
    const created = await s.deps.stripe.checkout.sessions.create(donation());
    const expired = await s.deps.stripe.checkout.sessions.expire(created.id);
    assert.equal(expired.status, 'expired');
    assert.ok([...s.emulator.state.events.values()].some((e) => e.type === 'checkout.session.expired'));
    assert.throws(() => s.emulator.state.pay(created.id, 'card', 'x@example.org'), /expired/);
  });

  it('when a refund is made through the API, then the charge shows it and charge.refunded is sent', async () => {
    const id = await ourPaidSession('30');
    const session = await s.deps.stripe.checkout.sessions.retrieve(id, { expand: ['payment_intent.latest_charge'] });
    const pi = session.payment_intent as Stripe.PaymentIntent;
    const ch = pi.latest_charge as Stripe.Charge;
    assert.equal(ch.amount, 3000);
    assert.equal(ch.metadata.fundraiser, s.config.fundraiser.id, 'the campaign travels onto the charge');
    const re = await s.deps.stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
    assert.equal(re.amount, 1000);
    const after = await s.deps.stripe.charges.retrieve(ch.id);
    assert.equal(after.amount_refunded, 1000);
    assert.equal(after.refunded, false);
    await assert.rejects(
      s.deps.stripe.refunds.create({ charge: ch.id, amount: 5000 }),
      (err: Stripe.errors.StripeError) => err.code === 'amount_too_large',
    );
  });
});

describe('emulator: webhook delivery', () => {
  it('when the site answers 500 once, then the emulator retries and the gift counts once', async () => {
    await s.emulator.whenIdle(); // earlier tests' deliveries are done
    const before = (await request(s.app).get('/api/progress')).body.raised as number;
    s.failWebhooks(500);
    const id = await ourPaidSession('17');
    const event = [...s.emulator.state.events.values()].find(
      (e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === id,
    )!;
    // The site fails until the first attempt has been answered (a fixed wait could lose that race on a slow machine).
    while (!s.emulator.delivery.attempts.some((a) => a.eventId === event.id))
      await new Promise((r) => setTimeout(r, 5));
    s.failWebhooks(null);
    await s.emulator.whenIdle();
    const tries = s.emulator.delivery.attempts.filter((a) => a.eventId === event.id);
    assert.equal(tries[0]!.status, 500);
    assert.equal(tries.at(-1)!.status, 200);
    assert.ok(tries.length >= 2);
    assert.equal((await request(s.app).get('/api/progress')).body.raised, before + 1700);
  });

  it('when the site is unreachable, then delivery gives up after the configured attempts and records each', async () => {
    const url = s.emulator.delivery.url;
    s.emulator.delivery.setUrl('http://127.0.0.1:9/webhooks/stripe');
    await s.deps.stripe.checkout.sessions.create(donation());
    const created = [...s.emulator.state.sessions.values()].at(-1)!;
    s.emulator.state.pay(created.id, 'card', 'x@example.org');
    await s.emulator.whenIdle();
    s.emulator.delivery.setUrl(url);
    const completed = [...s.emulator.state.events.values()].find(
      (e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === created.id,
    )!;
    const tries = s.emulator.delivery.attempts.filter((a) => a.eventId === completed.id);
    assert.equal(tries.length, 5);
    assert.ok(tries.every((t) => t.status === null && t.error));
  });

  it('when events are replayed or duplicated through the test controls, then the ledger does not change', async () => {
    const id = await ourPaidSession('23');
    await s.emulator.whenIdle();
    const before = (await request(s.app).get('/api/progress')).body;
    const event = [...s.emulator.state.events.values()].find(
      (e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === id,
    )!;
    await request(s.emulatorUrl).post(`/_emulator/events/${event.id}/replay`).expect(200);
    const dup = await request(s.emulatorUrl).post(`/_emulator/events/${event.id}/duplicate`).expect(200);
    assert.notEqual(dup.body.id, event.id);
    await s.emulator.whenIdle();
    assert.deepEqual((await request(s.app).get('/api/progress')).body, before);
  });

  it('when test controls refund, dispute and renew, then Stripe-shaped events are signed and sent', async () => {
    const id = await ourPaidSession('50');
    const pi = s.emulator.state.paymentIntents.get(s.emulator.state.sessions.get(id)!.payment_intent as string)!;
    const chargeId = pi.latest_charge as string;
    await request(s.emulatorUrl).post(`/_emulator/charges/${chargeId}/refund`).send({ amount: 500 }).expect(200);
    const dp = await request(s.emulatorUrl).post(`/_emulator/charges/${chargeId}/dispute`).expect(200);
    await request(s.emulatorUrl).post(`/_emulator/disputes/${dp.body.id}/close`).send({ outcome: 'lost' }).expect(200);
    await request(s.emulatorUrl).post(`/_emulator/charges/no_such/refund`).expect(404);
    await s.emulator.whenIdle();
    const types = s.emulator.delivery.attempts.map((a) => s.emulator.state.events.get(a.eventId)?.type);
    for (const t of ['charge.refunded', 'charge.dispute.created', 'charge.dispute.closed'])
      assert.ok(types.includes(t as never), `${t} delivered`);
    const html = await request(s.emulatorUrl).get('/_emulator').expect(200);
    assert.match(html.text, /TEST MODE/);
  });

  it('when the cancel_url of a session is not on the site, then cancelling shows a page and redirects nowhere', async () => {
    for (const cancel_url of ['https://evil.example/phish', 'http://127.0.0.1:1/elsewhere']) {
      const created = await s.deps.stripe.checkout.sessions.create({ ...donation(), cancel_url });
      const res = await request(s.emulatorUrl).post(`/c/pay/${created.id}/cancel`).expect(400);
      assert.equal(res.headers.location, undefined);
      assert.match(res.text, /cancelled/);
    }
  });

  it('when the hosted checkout page is opened, then it is clearly a test and offers card, bank debit and cancel', async () => {
    const created = await s.deps.stripe.checkout.sessions.create({
      ...donation(),
      cancel_url: `${s.config.baseUrl}/back`,
    });
    const page = await request(s.emulatorUrl).get(`/c/pay/${created.id}`).expect(200);
    assert.match(page.text, /TEST MODE/);
    assert.match(page.text, /value="card"/);
    assert.match(page.text, /value="delayed_success"/);
    assert.match(page.text, /value="delayed_failure"/);
    const cancel = await request(s.emulatorUrl).post(`/c/pay/${created.id}/cancel`).expect(303);
    assert.equal(cancel.headers.location, `${s.config.baseUrl}/back`);
    const paid = await request(s.emulatorUrl)
      .post(`/c/pay/${created.id}`)
      .type('form')
      .send('choice=card&email=a%40b.org')
      .expect(303);
    assert.equal(paid.headers.location, `http://127.0.0.1/ok?session_id=${created.id}`);
  });
});

describe('emulator: which requests npm start sends to it', () => {
  it("when a path is the emulator's (API, hosted checkout, controls), then it goes there, and the site keeps every other", () => {
    for (const p of [
      '/v1/checkout/sessions',
      '/v1',
      '/c/pay/cs_test_1',
      '/_emulator',
      '/_emulator/settle?x=1',
      '/v1?expand[]=x',
    ])
      assert.equal(isEmulatorPath(p), true, p);
    for (const p of [
      '/',
      '/api/progress',
      '/v10/x',
      '/cancel',
      '/c2',
      '/_emulatorx',
      '/embed/banner',
      '/webhooks/stripe',
    ])
      assert.equal(isEmulatorPath(p), false, p);
  });
});
