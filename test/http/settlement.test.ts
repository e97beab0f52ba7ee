// Gifts in another currency than the campaign's (usd) count at what Stripe settled in usd: the
// charge's balance transaction, which the emulator makes at its fixed test rates (EUR 25.00 at
// 1.08 = USD 27.00). Whichever way the gift is recorded (webhook, thank-you page, reconcile), in
// any order and however often, it counts once; a balance transaction that comes after the
// payment (charge.updated) counts it then, once; refunds and disputes come off in usd.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { reconcile } from '../../lib/payments/reconcile.ts';
import { checkTotals } from '../../lib/ledger/check-totals.ts';
import { settleCharge } from '../../emulator/after-payment.ts';
import { ourMetadata } from '../helpers/app.ts';
import { startLiveStack, type LiveStack } from '../helpers/live.ts';
import { loggedInStaff } from '../helpers/staff.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack();
});
after(async () => {
  await s.stop();
});

const st = () => s.emulator.state;

/** A EUR checkout made through the API as the site makes one (the reader's choice of currency comes later). */
async function eurSession(amount = 2500, lang = 'de', currency = 'eur'): Promise<string> {
  const metadata = { ...ourMetadata(s.config), lang };
  const session = await s.deps.stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price_data: { currency, unit_amount: amount, product_data: { name: 'Gift' } }, quantity: 1 }],
    metadata,
    payment_intent_data: { metadata },
    success_url: `${s.siteUrl}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
  });
  return session.id;
}

const chargeOf = (sessionId: string) =>
  st().paymentIntents.get(st().sessions.get(sessionId)!.payment_intent as string)!.latest_charge as string;
const eventsOf = (id: string) => [...st().events.values()].filter((e) => (e.data.object as { id?: string }).id === id);
const progress = () => s.deps.ledger.progress();
const runReconcile = () =>
  reconcile(
    { ledger: s.deps.ledger, stripe: s.deps.stripe, fundraiser: s.config.fundraiser, clock: () => new Date() },
    { since: new Date(Date.now() - 3600_000) },
  );

/** Replays and duplicates every event about these objects, then waits for them. */
async function redeliver(...ids: string[]) {
  for (const id of ids)
    for (const e of eventsOf(id)) {
      st().replay(e.id);
      st().duplicate(e.id);
    }
  await s.emulator.whenIdle();
}

async function expectCounted(raisedBefore: number, donorsBefore: number, settled: number) {
  const p = await progress();
  assert.equal(p.raised - raisedBefore, settled);
  assert.equal(p.donors - donorsBefore, 1);
  assert.deepEqual(await checkTotals(s.deps.db), []);
}

describe('gifts settled in the campaign currency', () => {
  it('when a EUR gift is paid, then it counts its settled USD amount once, by webhook, thank-you page and reconcile, duplicates included', async () => {
    const before = await progress();
    const id = await eurSession();
    st().pay(id, 'card', 'eur@example.org');
    await s.emulator.whenIdle();
    await expectCounted(before.raised, before.donors, 2700);
    await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    await redeliver(id, chargeOf(id));
    await runReconcile();
    await expectCounted(before.raised, before.donors, 2700);
    const gift = await s.deps.ledger.findGift(id);
    assert.deepEqual([gift?.settled_minor, gift?.settled_currency, gift?.language], [2700, 'usd', 'de']);
  });

  it('when the thank-you page comes first, then reconcile, then the webhooks, then the gift still counts once', async () => {
    const before = await progress();
    s.emulator.delivery.enabled = false;
    const id = await eurSession(1000, 'fr');
    st().pay(id, 'card', 'fr@example.org');
    await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    await expectCounted(before.raised, before.donors, 1080);
    await runReconcile();
    s.emulator.delivery.enabled = true;
    await redeliver(id, chargeOf(id));
    await expectCounted(before.raised, before.donors, 1080);
  });

  it('when only reconcile reads a missed EUR gift, then it counts its settled amount', async () => {
    const before = await progress();
    s.emulator.delivery.enabled = false;
    const id = await eurSession(5000, 'es');
    st().pay(id, 'card', 'es@example.org');
    await runReconcile();
    s.emulator.delivery.enabled = true;
    await expectCounted(before.raised, before.donors, 5400);
  });

  it('when Stripe sets the balance transaction after the payment, then the gift waits uncounted and charge.updated counts it exactly once', async () => {
    const before = await progress();
    st().balanceLater = true;
    const id = await eurSession(2000);
    st().pay(id, 'card', 'late@example.org');
    st().balanceLater = false;
    await s.emulator.whenIdle();
    await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    const waiting = await s.deps.ledger.findGift(id);
    assert.equal(waiting?.status, 'paid');
    assert.equal(waiting?.settled_minor, null);
    assert.equal((await progress()).raised, before.raised, 'nothing counts before Stripe settles');
    settleCharge(st(), chargeOf(id));
    await s.emulator.whenIdle();
    await expectCounted(before.raised, before.donors, 2160);
    await redeliver(id, chargeOf(id));
    await runReconcile();
    await expectCounted(before.raised, before.donors, 2160);
  });

  it('when charge.updated arrives before the checkout it belongs to, then the gift counts once it arrives', async () => {
    const before = await progress();
    s.emulator.delivery.enabled = false;
    st().balanceLater = true;
    const id = await eurSession(3000);
    st().pay(id, 'card', 'early@example.org');
    st().balanceLater = false;
    settleCharge(st(), chargeOf(id));
    s.emulator.delivery.enabled = true;
    // The charge's events first (charge.updated stores the settlement with the charge), then the session's.
    await redeliver(chargeOf(id));
    assert.equal((await progress()).raised, before.raised);
    await redeliver(id);
    await expectCounted(before.raised, before.donors, 3240);
  });

  it('when a EUR gift is refunded in part, disputed and lost, or refunded in full, then what comes off is in USD and the totals equal a recount', async () => {
    const before = await progress();
    const id = await eurSession(2500);
    st().pay(id, 'card', 'refund@example.org');
    st().refund({ charge: chargeOf(id) }, 1000); // EUR 10.00 of 25.00: USD 10.80 of 27.00
    await s.emulator.whenIdle();
    let p = await progress();
    assert.equal(p.raised - before.raised, 1620);
    assert.equal(p.refunded - before.refunded, 1080);
    const dispute = st().dispute(chargeOf(id));
    await s.emulator.whenIdle();
    assert.equal((await progress()).disputed - before.disputed, 1620, 'open: still counted, flagged');
    st().closeDispute(dispute.id, 'lost');
    await s.emulator.whenIdle();
    p = await progress();
    assert.equal(p.raised - before.raised, 0);
    assert.equal(p.disputeLost - before.disputeLost, 1620);
    assert.equal(p.gross - before.gross, 2700);

    const full = await eurSession(1999, 'it');
    st().pay(full, 'card', 'full@example.org');
    st().refund({ charge: chargeOf(full) });
    await redeliver(full, chargeOf(full));
    p = await progress();
    // EUR 19.99 at 1.08 = USD 21.5892: 21.59, all of it refunded.
    assert.equal(p.refunded - before.refunded, 1080 + 2159);
    assert.equal(p.raised - before.raised, 0);
    assert.equal(p.donors, before.donors, 'a fully refunded gift no longer counts its donor');
    assert.deepEqual(await checkTotals(s.deps.db), []);
  });

  it('when staff look, then the dashboard shows gifts by currency and language and the CSV ends with language and the settled amount', async () => {
    const agent = await loggedInStaff(s.app, s.deps.db, 'viewer');
    const page = await agent.get('/staff').expect(200);
    assert.match(page.text, /Gifts by currency/);
    assert.match(page.text, /count toward the goal at the amount Stripe settled in USD/);
    assert.match(page.text, /<tr data-currency="eur"><td>EUR<\/td>/);
    assert.match(page.text, /Gifts by language/);
    assert.match(page.text, /<tr data-language="de"><td>de<\/td>/);
    const summary = await agent.get('/staff/api/summary').expect(200);
    const eur = (
      summary.body as { byCurrency: Array<{ currency: string; awaiting: number; gifts: number }> }
    ).byCurrency.find((c) => c.currency === 'eur');
    assert.ok(eur && eur.gifts >= 6 && eur.awaiting === 0);
    const list = await agent.get('/staff/gifts').expect(200);
    assert.match(list.text, /settled \$27/);
    const csv = await agent.get('/staff/gifts.csv').expect(200);
    const [header, ...lines] = csv.text.trim().split('\n');
    assert.match(header!, /,fee_cover,language,settled_amount,settled_currency$/);
    assert.ok(
      lines.some((l) => /,eur,25\.00,/.test(l) && l.endsWith(',de,27.00,usd')),
      'the EUR gift with its settlement',
    );
  });
});

describe('a gift settled in a third currency', () => {
  it('when a EUR gift of 25 is counted, then the preset split keeps it out of the $25 tile and the average is of what the gross holds', async () => {
    const id = await eurSession(2500);
    st().pay(id, 'card', 'split@example.org');
    await s.emulator.whenIdle();
    const d = await s.deps.ledger.dashboard();
    const summary = { gross: d.progress.gross, paidGifts: d.paidGifts, averageGift: d.averageGift, split: d.split };
    const eurGifts = await s.deps.db
      .selectFrom('contributions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('currency', '=', 'eur')
      .where('status', '=', 'paid')
      .executeTakeFirstOrThrow();
    const inSplit = summary.split.reduce((a, r) => a + r.count, 0);
    assert.equal(
      summary.paidGifts - inSplit,
      Number(eurGifts.n),
      'the euro gifts are counted, but not in the dollar tiles',
    );
    assert.equal(summary.averageGift, Math.round(summary.gross / summary.paidGifts));
  });

  it('when the account settles in GBP, then a EUR gift is kept and shown but not counted toward the USD goal, and a USD gift still counts', async () => {
    const gbp = await startLiveStack({ emulator: { accountCurrency: 'gbp' } });
    try {
      const metadata = ourMetadata(gbp.config);
      const make = async (currency: string) =>
        (
          await gbp.deps.stripe.checkout.sessions.create({
            mode: 'payment',
            line_items: [{ price_data: { currency, unit_amount: 2500, product_data: { name: 'Gift' } }, quantity: 1 }],
            metadata,
            payment_intent_data: { metadata },
            success_url: `${gbp.siteUrl}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
          })
        ).id;
      const eur = await make('eur');
      const usd = await make('usd');
      gbp.emulator.state.pay(eur, 'card', 'a@example.org');
      gbp.emulator.state.pay(usd, 'card', 'b@example.org');
      await gbp.emulator.whenIdle();
      const p = await gbp.deps.ledger.progress();
      assert.equal(p.raised, 2500, 'only the USD gift');
      const kept = await gbp.deps.ledger.findGift(eur);
      assert.deepEqual([kept?.status, kept?.settled_currency, kept?.campaign_id], ['paid', 'gbp', null]);
      const d = await gbp.deps.ledger.dashboard();
      assert.deepEqual(
        d.byCurrency.find((c) => c.currency === 'eur'),
        { currency: 'eur', gifts: 1, amountMinor: 2500, countedMinor: 0, awaiting: 0, elsewhere: 1 },
      );
      assert.deepEqual(await checkTotals(gbp.deps.db), []);
    } finally {
      await gbp.stop();
    }
  });
});
