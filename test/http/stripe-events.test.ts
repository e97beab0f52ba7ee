// What real Stripe sends that the emulator used to hide: events rendered in an older API
// version, dispute appeals, refunds that fail, statuses the site does not know, and signed
// events with impossible amounts or odd types. Each test fails on the code before it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type Stripe from 'stripe';
import { createLogger } from '../../lib/logger.ts';
import request from 'supertest';
import { charge, customer, dispute, stripeEvent } from '../../emulator/objects.ts';
import { appealDispute, failRefund } from '../../emulator/after-payment.ts';
import { completedSession, deliver, makeTestApp, ourMetadata, sessionEvent, type TestApp } from '../helpers/app.ts';
import { checkoutThroughForm, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { loggedInStaff } from '../helpers/staff.ts';

let s: LiveStack;
let t: TestApp;
const logged: string[] = [];
before(async () => {
  s = await startLiveStack();
  const sink = new Writable({
    write(chunk, _enc, done) {
      logged.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  t = await makeTestApp({ now: new Date(), logger: createLogger('info', sink) });
});
after(async () => {
  await s.stop();
  await t.close();
});

const figures = (app: TestApp) => app.deps.ledger.progress();

/** A one-off gift paid through the emulator; its charge id. */
async function paidGift(amount: string): Promise<string> {
  const id = await checkoutThroughForm(s.app, amount, 'once');
  s.emulator.state.pay(id, 'card', 'reader@example.org');
  await s.emulator.whenIdle();
  const pi = s.emulator.state.sessions.get(id)!.payment_intent as string;
  return [...s.emulator.state.charges.values()].find((c) => c.payment_intent === pi)!.id;
}

describe('events rendered in another API version than the pinned one', () => {
  it('when invoice.paid comes in a pre-basil shape (no parent), then the invoice is read again and the month counts', async () => {
    const before = await figures(s);
    s.emulator.delivery.enabled = false;
    const id = await checkoutThroughForm(s.app, '12', 'monthly');
    s.emulator.state.pay(id, 'card', 'monthly@example.org');
    s.emulator.delivery.enabled = true;
    const paid = [...s.emulator.state.events.values()].find((e) => e.type === 'invoice.paid')!;
    const invoice = paid.data.object;
    const details = invoice.parent!.subscription_details!;
    // As an endpoint on the account's 2024-06-20 default renders it.
    const { parent: _parent, ...rest } = invoice;
    const old = { ...rest, subscription: details.subscription, subscription_details: { metadata: details.metadata } };
    const event = { ...paid, id: `evt_old_${invoice.id}`, api_version: '2024-06-20', data: { object: old } };
    const res = await deliver(s.app, event as unknown as Stripe.Event).expect(200);
    assert.equal(res.body.result, 'recorded');
    assert.equal((await figures(s)).raised, before.raised + 1200);
    const counted = await s.deps.metrics.webhookApiVersions.get();
    assert.equal(counted.values.find((v) => v.labels.api_version === '2024-06-20')?.value, 1);
  });
});

describe('the warning while events come in another API version', () => {
  it('when an event comes in another version, then /readyz and the staff dashboard warn, for a day after the last one', async () => {
    const app = await makeTestApp({ now: new Date('2026-11-01T00:00:00Z') });
    try {
      await request(app.app).get('/readyz').expect(200, { status: 'ready' });
      await deliver(app.app, stripeEvent('customer.created', customer(), { api_version: '2024-06-20' })).expect(200);
      const ready = (await request(app.app).get('/readyz').expect(200)).body as { status: string; warnings: string[] };
      assert.equal(ready.status, 'ready', 'a warning, not a reason to take the instance out');
      assert.match(ready.warnings[0]!, /API version 2024-06-20, not 2026-10-28\.endive.*stripe:setup -- --check/);
      const staff = await loggedInStaff(app.app, app.deps.db);
      assert.match((await staff.get('/staff/api/summary').expect(200)).body.apiVersionWarning, /2024-06-20/);
      assert.match((await staff.get('/staff').expect(200)).text, /data-api-version-warning/);
      app.setNow(new Date('2026-11-02T00:01:00Z'));
      await request(app.app).get('/readyz').expect(200, { status: 'ready' });
    } finally {
      await app.close();
    }
  });
});

describe('Checkout as Stripe renders it', () => {
  it('when a monthly gift starts, then its Checkout says "Donate" as a one-off does, on the hosted page', async () => {
    for (const frequency of ['once', 'monthly'] as const) {
      const id = await checkoutThroughForm(s.app, '15', frequency);
      const session = s.emulator.state.sessions.get(id)!;
      assert.equal(session.submit_type, 'donate', frequency);
      assert.equal(session.ui_mode, 'hosted_page', frequency);
    }
  });
});

describe('disputes and refunds after the first decision', () => {
  it('when a lost dispute is appealed and then won, then the money is back; during the appeal it shows as open', async () => {
    const before = await figures(s);
    const chargeId = await paidGift('30');
    const dp = s.emulator.state.dispute(chargeId);
    s.emulator.state.closeDispute(dp.id, 'lost');
    await s.emulator.whenIdle();
    assert.equal((await figures(s)).raised, before.raised);
    appealDispute(s.emulator.state, dp.id);
    await s.emulator.whenIdle();
    const appealing = await figures(s);
    assert.equal(appealing.disputed, before.disputed + 3000, 'shown as disputed while appealed');
    s.emulator.state.closeDispute(dp.id, 'won');
    await s.emulator.whenIdle();
    const won = await figures(s);
    assert.equal(won.raised, before.raised + 3000);
    assert.equal(won.disputed, before.disputed);
    assert.equal(won.disputeLost, before.disputeLost);
  });

  it('when an appeal is lost again, then the money stays off', async () => {
    const before = await figures(s);
    const chargeId = await paidGift('20');
    const dp = s.emulator.state.dispute(chargeId);
    s.emulator.state.closeDispute(dp.id, 'lost');
    await s.emulator.whenIdle();
    appealDispute(s.emulator.state, dp.id);
    // Delivered before the decision, as days apart they would be: within one second Stripe's
    // times cannot order an appeal and its decision (README, disputes).
    await s.emulator.whenIdle();
    s.emulator.state.closeDispute(dp.id, 'lost');
    await s.emulator.whenIdle();
    const lost = await figures(s);
    assert.equal(lost.raised, before.raised);
    assert.equal(lost.disputeLost, before.disputeLost + 2000);
  });

  it('when a refund fails and only refund.* events say so, then the money counts again', async () => {
    const before = await figures(s);
    const chargeId = await paidGift('30');
    const refund = s.emulator.state.refund({ charge: chargeId });
    await s.emulator.whenIdle();
    assert.equal((await figures(s)).raised, before.raised);
    // In the same second as the refund: the charge read again is timed by its reading, so it
    // wins over the snapshot that still shows the refund.
    failRefund(s.emulator.state, refund.id);
    await s.emulator.whenIdle();
    const after = await figures(s);
    assert.equal(after.raised, before.raised + 3000);
    assert.equal(after.refunded, before.refunded);
  });
});

describe('signed events the ledger refuses or ignores', () => {
  async function gift(amount: number, pi: string) {
    const session = completedSession(t.config, { amount_total: amount, amount_subtotal: amount, payment_intent: pi });
    await deliver(t.app, sessionEvent('checkout.session.completed', session)).expect(200);
  }

  it('when a refund is negative or larger than its charge, then it is refused (acknowledged, kept) and the bar does not move', async () => {
    await gift(3000, 'pi_refused_refund');
    const before = await figures(t);
    for (const refunded of [-50000, 5000]) {
      const ch = charge({
        amount: 3000,
        currency: 'usd',
        payment_intent: 'pi_refused_refund',
        metadata: ourMetadata(t.config),
      });
      const res = await deliver(t.app, stripeEvent('charge.refunded', { ...ch, amount_refunded: refunded }));
      assert.equal(res.status, 200, `refund of ${refunded}`);
      assert.equal(res.body.result, 'refused');
    }
    assert.deepEqual(await figures(t), before);
    const refused = await t.deps.metrics.webhookEvents.get();
    assert.equal(
      refused.values.find((v) => v.labels.type === 'charge.refunded' && v.labels.result === 'refused')?.value,
      2,
    );
  });

  it('when an amount is not a safe whole number, then the gift is refused and nothing is written', async () => {
    const before = await figures(t);
    for (const amount of [1e20, 12.5, -100]) {
      const session = completedSession(t.config, { amount_total: amount, amount_subtotal: amount });
      const res = await deliver(t.app, sessionEvent('checkout.session.completed', session)).expect(200);
      assert.equal(res.body.result, 'refused', String(amount));
    }
    assert.deepEqual(await figures(t), before);
  });

  it('when an event type names a property of every object, then it is acknowledged as unhandled', async () => {
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const event = { ...stripeEvent('charge.refunded', charge({ amount: 100, currency: 'usd' })), type };
      const res = await deliver(t.app, JSON.stringify(event)).expect(200);
      assert.equal(res.body.result, 'unhandled-type', type);
    }
  });

  it('when a dispute has a status the site does not know, then it is kept as open (counted, flagged), never as won', async () => {
    await gift(4000, 'pi_unknown_status');
    const before = await figures(t);
    const dp = dispute({
      amount: 4000,
      currency: 'usd',
      charge: 'ch_unknown_status',
      payment_intent: 'pi_unknown_status',
    });
    const event = stripeEvent('charge.dispute.created', {
      ...dp,
      status: 'some_future_status',
    });
    await deliver(t.app, event).expect(200);
    const after = await figures(t);
    assert.equal(after.raised, before.raised);
    assert.equal(after.disputed, before.disputed + 4000);
    const warned = logged.map((l) => JSON.parse(l)).find((l) => String(l.warning).includes('some_future_status'));
    assert.equal(warned?.level, 40, 'logged as a warning');
  });
});
