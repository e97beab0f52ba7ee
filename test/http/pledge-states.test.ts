// A monthly pledge's life after checkout, as Stripe Billing sends it: renewals that fail and
// are retried, retries that run out (cancelled, or "unpaid" with no deletion ever sent), a
// pledge set to end with the paid month, paused collection, a changed amount, and events
// about one subscription in any order. No state change moves money; only paid invoices do.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { deliver } from '../helpers/app.ts';
import { emptyLedger } from '../helpers/database.ts';
import { expectedTotals, totalsOf } from '../helpers/model.ts';
import { seedSession, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { cancel, failRenewal, renew, updateSubscription } from '../../emulator/renewals.ts';
import { loggedInStaff } from '../helpers/staff.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack();
});
after(async () => {
  await s.stop();
});
beforeEach(async () => {
  s.emulator.delivery.enabled = false;
  s.emulator.state.reset();
  s.emulator.state.dunning = { retries: 2, then: 'cancel' };
  await emptyLedger(s.deps.db);
});

const st = () => s.emulator.state;
const allEvents = () => [...st().events.values()];
const eventsOfType = (type: string) => allEvents().filter((e) => e.type === type);
let sent = new Set<string>();

/** Delivers every event not delivered yet, in the order the emulator made them. */
async function sendNew(): Promise<void> {
  for (const e of allEvents().filter((x) => !sent.has(x.id))) await send(e);
}
async function send(e: Stripe.Event): Promise<void> {
  sent.add(e.id);
  const res = await deliver(s.app, e);
  assert.equal(res.status, 200, `${e.type}: ${res.text}`);
}
beforeEach(() => {
  sent = new Set();
});

/** A paid monthly pledge, its first month recorded. */
async function pledge(amount = 1000): Promise<string> {
  const id = seedSession(st(), {
    amount,
    mode: 'subscription',
    metadata: { fundraiser: s.config.fundraiser.id, campaign: 'test' },
  });
  st().pay(id, 'card', 'monthly@example.org');
  await sendNew();
  return st().sessions.get(id)!.subscription as string;
}

const row = (sub: string) =>
  s.deps.db.selectFrom('pledges').selectAll().where('subscription_id', '=', sub).executeTakeFirstOrThrow();
const totals = async () => totalsOf(await s.deps.ledger.progress());

describe('failed renewals', () => {
  it('when a renewal fails, then the pledge is past due with its attempt and next retry, and nothing counts', async () => {
    const sub = await pledge(1000);
    failRenewal(st(), sub);
    await sendNew();
    const p = await row(sub);
    assert.equal(p.status, 'past_due');
    assert.equal(p.failed_payments, 1);
    assert.ok(p.next_retry_at && p.next_retry_at > new Date().toISOString(), 'the next retry is on file');
    assert.equal((await totals()).raised, 1000, 'only the first month');
    assert.deepEqual(await totals(), expectedTotals(st(), s.config.fundraiser.id));
  });

  it('when a retry succeeds, then the pledge gives again, the failure is cleared and the month counts once', async () => {
    const sub = await pledge(1000);
    failRenewal(st(), sub);
    failRenewal(st(), sub);
    await sendNew();
    assert.equal((await row(sub)).failed_payments, 2);
    renew(st(), sub);
    await sendNew();
    const p = await row(sub);
    assert.equal(p.status, 'active');
    assert.equal(p.failed_payments, 0);
    assert.equal(p.next_retry_at, null);
    assert.equal((await totals()).raised, 2000);
    assert.equal((await totals()).donors, 1);
  });

  it('when the retries run out and the account marks subscriptions unpaid, then the pledge is unpaid, not active', async () => {
    // Stripe never sends customer.subscription.deleted with this setting: before pledge
    // states, such a pledge stayed "active" on the dashboard for ever.
    st().dunning = { retries: 1, then: 'unpaid' };
    const sub = await pledge(1000);
    failRenewal(st(), sub);
    failRenewal(st(), sub);
    await sendNew();
    assert.equal(eventsOfType('customer.subscription.deleted').length, 0);
    const p = await row(sub);
    assert.equal(p.status, 'unpaid');
    assert.equal(p.failed_payments, 2);
    assert.equal(p.next_retry_at, null, 'no retry is coming');
    const staff = await loggedInStaff(s.app, s.deps.db);
    const summary = (await staff.get('/staff/api/summary').expect(200)).body;
    assert.equal(summary.activePledges, 0);
    assert.equal(summary.pledges.unpaid.count, 1);
  });

  it('when the retries run out and the account cancels, then the pledge has ended and its paid month still counts', async () => {
    const sub = await pledge(1500);
    for (let i = 0; i < 3; i++) failRenewal(st(), sub);
    await sendNew();
    assert.equal((await row(sub)).status, 'ended');
    assert.equal((await totals()).raised, 1500);
  });

  it('when only invoice.payment_failed arrives (the endpoint lacks subscription events), then the pledge is still past due', async () => {
    const sub = await pledge(1000);
    failRenewal(st(), sub);
    await send(eventsOfType('invoice.payment_failed')[0]!);
    assert.equal((await row(sub)).status, 'past_due');
  });

  it("when the first invoice's payment fails at checkout, then no pledge is made of it", async () => {
    const sub = await pledge(1000);
    const failed = structuredClone<Stripe.Event>(eventsOfType('invoice.paid')[0]!);
    const invoice = failed.data.object as Stripe.Invoice;
    Object.assign(failed, { id: 'evt_first_failed', type: 'invoice.payment_failed' });
    Object.assign(invoice, { status: 'open', amount_paid: 0, subscription: sub });
    const res = await deliver(s.app, failed);
    assert.equal(res.body.result, 'ignored');
    assert.equal((await row(sub)).status, 'active');
  });
});

describe('donor and staff changes', () => {
  it('when the donor cancels at the period end, then the pledge is ending on that date, and giving again when resumed', async () => {
    const sub = await pledge(1000);
    updateSubscription(st(), sub, { cancel_at_period_end: 'true' });
    await sendNew();
    const p = await row(sub);
    assert.equal(p.status, 'ending');
    const periodEnd = st().subscriptions.get(sub)!.items.data[0]!.current_period_end;
    assert.equal(p.ends_at, new Date(periodEnd * 1000).toISOString());
    updateSubscription(st(), sub, { cancel_at_period_end: 'false' });
    await sendNew();
    assert.equal((await row(sub)).status, 'active');
    assert.equal((await row(sub)).ends_at, null);
  });

  it('when collection is paused, then the pledge is paused, and active once resumed', async () => {
    const sub = await pledge(1000);
    updateSubscription(st(), sub, { pause_collection: { behavior: 'void' } });
    await sendNew();
    assert.equal((await row(sub)).status, 'paused');
    assert.throws(() => renew(st(), sub), /paused/);
    updateSubscription(st(), sub, { pause_collection: '' });
    await sendNew();
    assert.equal((await row(sub)).status, 'active');
  });

  it('when an update carries one bad parameter, then nothing of it is applied and no event is sent', async () => {
    const sub = await pledge(1000);
    const events = st().events.size;
    assert.throws(() =>
      updateSubscription(st(), sub, { cancel_at_period_end: 'true', pause_collection: { behavior: 'nap' } }),
    );
    assert.equal(st().subscriptions.get(sub)!.cancel_at_period_end, false);
    assert.equal(st().events.size, events);
  });

  it('when the monthly amount changes, then the next month counts the new amount and the paid month keeps its own', async () => {
    const sub = await pledge(1000);
    st().subscriptions.get(sub)!.items.data[0]!.price.unit_amount = 2500;
    updateSubscription(st(), sub, { metadata: { changed: 'amount' } });
    renew(st(), sub);
    await sendNew();
    assert.equal(Number((await row(sub)).amount_minor), 2500);
    assert.equal((await totals()).raised, 3500);
    assert.deepEqual(await totals(), expectedTotals(st(), s.config.fundraiser.id));
  });
});

describe('events in any order', () => {
  const at = (e: Stripe.Event, created: number) => ({ ...e, id: `${e.id}_${created}`, created });

  it('when an older state arrives after a newer one, then the newer state stays', async () => {
    const sub = await pledge(1000);
    failRenewal(st(), sub);
    const pastDue = eventsOfType('customer.subscription.updated').at(-1)!;
    renew(st(), sub);
    const active = eventsOfType('customer.subscription.updated').at(-1)!;
    await send(at(active, active.created + 60));
    await send(at(pastDue, pastDue.created));
    assert.equal((await row(sub)).status, 'active');
  });

  it('when an update arrives after the pledge ended, then it stays ended', async () => {
    const sub = await pledge(1000);
    updateSubscription(st(), sub, { cancel_at_period_end: 'true' });
    const ending = eventsOfType('customer.subscription.updated').at(-1)!;
    cancel(st(), sub);
    await send(eventsOfType('customer.subscription.deleted')[0]!);
    await send(at(ending, ending.created + 3600));
    assert.equal((await row(sub)).status, 'ended');
  });

  it('when the subscription events come before the checkout that made the pledge, then the state stays and the donor is filled in', async () => {
    const id = seedSession(st(), {
      amount: 1000,
      mode: 'subscription',
      metadata: { fundraiser: s.config.fundraiser.id, campaign: 'test' },
    });
    st().pay(id, 'card', 'late@example.org');
    const sub = st().sessions.get(id)!.subscription as string;
    failRenewal(st(), sub);
    for (const e of eventsOfType('customer.subscription.updated')) await send(e);
    await sendNew();
    const p = await row(sub);
    assert.equal(p.status, 'past_due');
    assert.equal(p.email, 'late@example.org');
  });

  it('when a subscription has a status the site does not know, then the pledge is left as it was', async () => {
    const sub = await pledge(1000);
    updateSubscription(st(), sub, { metadata: { n: '1' } });
    const e = structuredClone<Stripe.Event>(eventsOfType('customer.subscription.updated').at(-1)!);
    (e.data.object as Stripe.Subscription).status = 'some_future_status';
    const res = await deliver(s.app, { ...e, id: 'evt_unknown_status' });
    assert.equal(res.body.result, 'ignored');
    assert.equal((await row(sub)).status, 'active');
  });
});

describe('staff see pledge states', () => {
  it('when pledges are in several states, then the dashboard lists each and the CSV names it per gift', async () => {
    const giving = await pledge(1000);
    const failing = await pledge(2000);
    const ending = await pledge(3000);
    failRenewal(st(), failing);
    updateSubscription(st(), ending, { cancel_at_period_end: 'true' });
    await sendNew();
    const staff = await loggedInStaff(s.app, s.deps.db, 'viewer');
    const page = await staff.get('/staff').expect(200);
    const cells = (status: string) =>
      new RegExp(`data-pledge-status="${status}">[^]*?</tr>`).exec(page.text)?.[0].replace(/<[^>]+>/g, '|') ?? '';
    assert.match(cells('active'), /\|1\|\|\$10\|/);
    assert.match(cells('past_due'), /\|1\|\|\$20\|/);
    assert.match(cells('ending'), /\|1\|\|\$30\|/);
    assert.match(page.text, /1 not paying/);
    const csv = (await staff.get('/staff/gifts.csv').expect(200)).text;
    const [header, ...lines] = csv.trim().split('\n');
    const col = header!.split(',').indexOf('pledge_status');
    assert.ok(col > 0, 'a pledge_status column');
    const bySub = (sub: string) => lines.find((l) => l.includes(sub))!.split(',')[col];
    assert.equal(bySub(giving), 'active');
    assert.equal(bySub(failing), 'past_due');
    assert.equal(bySub(ending), 'ending');
  });
});
