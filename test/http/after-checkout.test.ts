// Every way money moves after checkout, each event delivered as Stripe may: duplicated,
// late, or before the event it depends on.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import request from 'supertest';
import { deliver } from '../helpers/app.ts';
import { emptyLedger } from '../helpers/database.ts';
import { expectedTotals, totalsOf } from '../helpers/model.ts';
import { seedSession, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { renew, cancel } from '../../emulator/renewals.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack();
});
after(async () => {
  await s.stop();
});
beforeEach(async () => {
  // Events are collected, not sent: each test delivers them in the order it wants.
  s.emulator.delivery.enabled = false;
  s.emulator.state.reset();
  await emptyLedger(s.deps.db);
});

const st = () => s.emulator.state;
const meta = () => ({ fundraiser: s.config.fundraiser.id, campaign: 'test' });

/** A session the site would have created, without going through the form. */
const ourSession = (amount: number, mode: 'payment' | 'subscription' = 'payment') =>
  seedSession(st(), { amount, mode, metadata: meta() });

function chargeOf(sessionId: string): Stripe.Charge {
  const session = st().sessions.get(sessionId)!;
  const pi = st().paymentIntents.get(session.payment_intent as string)!;
  return st().charges.get(pi.latest_charge as string)!;
}

const allEvents = () => [...st().events.values()];
const eventsOfType = (type: string) => allEvents().filter((e) => e.type === type);

async function send(events: Stripe.Event[]) {
  for (const e of events) {
    const res = await deliver(s.app, e);
    assert.equal(res.status, 200, `${e.type}: ${res.text}`);
  }
}

const totals = async () => totalsOf(await s.deps.ledger.progress());

async function assertMatchesModel() {
  assert.deepEqual(await totals(), expectedTotals(st(), s.config.fundraiser.id));
  const api = (await request(s.app).get('/api/progress').expect(200)).body;
  assert.equal(api.raised, (await totals()).raised);
}

describe('refunds', () => {
  it('when a gift is partly then fully refunded, then the bar drops by each amount and the donor goes', async () => {
    const id = ourSession(5000);
    st().pay(id, 'card', 'a@example.org');
    await send(allEvents());
    const ch = chargeOf(id);
    st().refund({ charge: ch.id }, 1500);
    await send(eventsOfType('charge.refunded'));
    assert.deepEqual(await totals(), {
      raised: 3500,
      gross: 5000,
      refunded: 1500,
      disputed: 0,
      disputeLost: 0,
      donors: 1,
    });
    st().refund({ charge: ch.id });
    await send(eventsOfType('charge.refunded').slice(1));
    assert.deepEqual(await totals(), {
      raised: 0,
      gross: 5000,
      refunded: 5000,
      disputed: 0,
      disputeLost: 0,
      donors: 0,
    });
    await assertMatchesModel();
  });

  it('when refund events are duplicated and arrive newest first, then the cumulative amount still wins', async () => {
    const id = ourSession(5000);
    st().pay(id, 'card', 'a@example.org');
    const ch = chargeOf(id);
    st().refund({ charge: ch.id }, 1000);
    st().refund({ charge: ch.id }, 1000);
    const [first, second] = eventsOfType('charge.refunded');
    // Same second: the larger cumulative amount is the later one.
    await send([second!, first!, second!, ...eventsOfType('checkout.session.completed'), first!]);
    assert.equal((await totals()).refunded, 2000);
    await assertMatchesModel();
  });

  it('when the refund arrives before the payment it refunds, then nothing is lost and the net is right', async () => {
    const id = ourSession(2500);
    st().pay(id, 'card', 'a@example.org');
    st().refund({ charge: chargeOf(id).id }, 500);
    await send(eventsOfType('charge.refunded'));
    assert.equal((await totals()).raised, 0, 'a refund alone counts nothing');
    await send(eventsOfType('checkout.session.completed'));
    assert.deepEqual(await totals(), {
      raised: 2000,
      gross: 2500,
      refunded: 500,
      disputed: 0,
      disputeLost: 0,
      donors: 1,
    });
    await assertMatchesModel();
  });

  it('when a charge of another product on the account is refunded, then it is acknowledged and ignored', async () => {
    const shop = seedSession(st(), { amount: 900, metadata: { order: '1' } });
    st().pay(shop, 'card', 'shop@example.org');
    st().refund({ charge: chargeOf(shop).id });
    const res = await deliver(s.app, eventsOfType('charge.refunded')[0]!).expect(200);
    assert.equal(res.body.result, 'ignored');
    assert.equal((await s.deps.db.selectFrom('ledger_charges').selectAll().execute()).length, 0);
  });
});

describe('disputes', () => {
  it('when a dispute opens, then the money still counts but shows as disputed; lost subtracts it', async () => {
    const id = ourSession(4000);
    st().pay(id, 'card', 'a@example.org');
    await send(allEvents());
    const dp = st().dispute(chargeOf(id).id);
    await send(eventsOfType('charge.dispute.created'));
    assert.deepEqual(await totals(), {
      raised: 4000,
      gross: 4000,
      refunded: 0,
      disputed: 4000,
      disputeLost: 0,
      donors: 1,
    });
    st().closeDispute(dp.id, 'lost');
    await send(eventsOfType('charge.dispute.closed'));
    await send(eventsOfType('charge.dispute.closed'));
    assert.deepEqual(await totals(), {
      raised: 0,
      gross: 4000,
      refunded: 0,
      disputed: 0,
      disputeLost: 4000,
      donors: 0,
    });
    await assertMatchesModel();
  });

  it('when a dispute is won, then the money is restored', async () => {
    const id = ourSession(4000);
    st().pay(id, 'card', 'a@example.org');
    const dp = st().dispute(chargeOf(id).id);
    st().closeDispute(dp.id, 'won');
    await send(allEvents());
    assert.deepEqual(await totals(), {
      raised: 4000,
      gross: 4000,
      refunded: 0,
      disputed: 0,
      disputeLost: 0,
      donors: 1,
    });
    await assertMatchesModel();
  });

  it('when the dispute is closed before it is created and before the payment, then the loss still lands once', async () => {
    const id = ourSession(3000);
    st().pay(id, 'card', 'a@example.org');
    const dp = st().dispute(chargeOf(id).id);
    st().closeDispute(dp.id, 'lost');
    await send([
      ...eventsOfType('charge.dispute.closed'),
      ...eventsOfType('charge.dispute.created'),
      ...eventsOfType('checkout.session.completed'),
    ]);
    assert.deepEqual(await totals(), {
      raised: 0,
      gross: 3000,
      refunded: 0,
      disputed: 0,
      disputeLost: 3000,
      donors: 0,
    });
    await assertMatchesModel();
  });
});

describe('monthly pledges', () => {
  it('when the renewal arrives before the session that started the pledge, then every month counts once and the pledge once as a donor', async () => {
    const id = ourSession(1000, 'subscription');
    st().pay(id, 'card', 'm@example.org');
    const sub = st().sessions.get(id)!.subscription as string;
    renew(st(), sub);
    renew(st(), sub);
    const paid = eventsOfType('invoice.paid');
    await send([paid[2]!, paid[1]!, ...eventsOfType('checkout.session.completed'), paid[0]!, paid[1]!]);
    assert.deepEqual(await totals(), {
      raised: 3000,
      gross: 3000,
      refunded: 0,
      disputed: 0,
      disputeLost: 0,
      donors: 1,
    });
    await assertMatchesModel();
  });

  it("when a renewal's charge is refunded, then that renewal is reduced (traced through Stripe's invoice payments)", async () => {
    const id = ourSession(1000, 'subscription');
    st().pay(id, 'card', 'm@example.org');
    const sub = st().sessions.get(id)!.subscription as string;
    const renewal = renew(st(), sub);
    const payment = [...st().invoicePayments.values()].find((p) => p.invoice === renewal.id)!;
    const pi = st().paymentIntents.get(payment.payment.payment_intent as string)!;
    st().refund({ charge: pi.latest_charge as string }, 400);
    // The refund first, before the renewal it belongs to is known.
    await send([...eventsOfType('charge.refunded'), ...allEvents().filter((e) => e.type !== 'charge.refunded')]);
    assert.deepEqual(await totals(), {
      raised: 1600,
      gross: 2000,
      refunded: 400,
      disputed: 0,
      disputeLost: 0,
      donors: 1,
    });
    await assertMatchesModel();
  });

  it("when a renewal's charge is refunded twice and then disputed, then each lands on that renewal", async () => {
    const id = ourSession(2000, 'subscription');
    st().pay(id, 'card', 'm@example.org');
    const renewal = renew(st(), st().sessions.get(id)!.subscription as string);
    const payment = [...st().invoicePayments.values()].find((p) => p.invoice === renewal.id)!;
    const chargeId = st().paymentIntents.get(payment.payment.payment_intent as string)!.latest_charge as string;
    await send(allEvents());
    st().refund({ charge: chargeId }, 300);
    st().refund({ charge: chargeId }, 200);
    const dp = st().dispute(chargeId);
    st().closeDispute(dp.id, 'lost');
    await send(allEvents().filter((e) => e.type.startsWith('charge.')));
    assert.deepEqual(await totals(), {
      raised: 2000,
      gross: 4000,
      refunded: 500,
      disputed: 0,
      disputeLost: 1500,
      donors: 1,
    });
    await assertMatchesModel();
  });

  it('when a pledge is cancelled, then it is marked ended and its paid months still count', async () => {
    const id = ourSession(1000, 'subscription');
    st().pay(id, 'card', 'm@example.org');
    const sub = st().sessions.get(id)!.subscription as string;
    cancel(st(), sub);
    await send([...eventsOfType('customer.subscription.deleted'), ...allEvents()]);
    const pledge = await s.deps.db
      .selectFrom('pledges')
      .selectAll()
      .where('subscription_id', '=', sub)
      .executeTakeFirstOrThrow();
    assert.equal(pledge.status, 'ended');
    assert.equal(pledge.email, 'm@example.org', 'the later session still fills in the donor');
    assert.equal((await totals()).raised, 1000);
  });
});

describe('expired and failed checkouts', () => {
  it('when a checkout expires, then nothing counts', async () => {
    const id = ourSession(2500);
    st().expire(id);
    await send(allEvents());
    assert.equal((await totals()).raised, 0);
    assert.equal(await s.deps.ledger.findGift(id), undefined);
  });

  it('when a pending gift is closed as expired, then it can no longer count', async () => {
    const id = ourSession(2500);
    st().pay(id, 'delayed_success', 'a@example.org');
    await send(allEvents());
    await s.deps.ledger.expireSession(id);
    assert.equal((await s.deps.ledger.findGift(id))?.status, 'expired');
    st().settle(id, 'succeeded');
    await send(eventsOfType('checkout.session.async_payment_succeeded'));
    assert.equal((await totals()).raised, 0);
  });

  it('when a bank debit fails after completing, then it never counts, in either order', async () => {
    const id = ourSession(2500);
    st().pay(id, 'delayed_failure', 'a@example.org');
    st().settle(id, 'failed');
    await send([
      ...eventsOfType('checkout.session.async_payment_failed'),
      ...eventsOfType('checkout.session.completed'),
    ]);
    assert.equal((await totals()).raised, 0);
    assert.equal((await s.deps.ledger.findGift(id))?.status, 'failed');
    await assertMatchesModel();
  });
});
