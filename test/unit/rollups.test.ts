// The staff dashboard reads per-day rollups kept with every ledger write (lib/ledger/rollups.ts)
// instead of summing every gift: for a ledger of every kind of gift and change, its figures are
// the ones the old GROUP BY queries over the contributions gave (test/helpers/dashboard-recount.ts),
// migration 0011's backfill makes the same rows, and checkTotals names a rollup row that drifted.
// The gifts list pages by id (keyset).
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { loadConfig } from '../../lib/config.ts';
import { createLedger } from '../../lib/ledger/ledger.ts';
import { checkTotals } from '../../lib/ledger/check-totals.ts';
import { giftPage } from '../../lib/ledger/reports.ts';
import * as m0011 from '../../lib/db/migrations/0011_staff_rollups.ts';
import { toMinor } from '../../lib/money.ts';
import type { GiftFacts, Ledger } from '../../lib/ledger/types.ts';
import { dashboardByRecount } from '../helpers/dashboard-recount.ts';
import { migratedDatabaseForFile } from '../helpers/database.ts';

const opened = migratedDatabaseForFile();
const config = loadConfig({ NODE_ENV: 'test', FUNDRAISER_CURRENCY: 'usd', FUNDRAISER_GOAL: '10000' });
const now = new Date('2026-06-15T12:00:00.000Z');

function once(id: string, amount: number, day: string, more: Partial<GiftFacts> = {}): GiftFacts {
  return {
    stripeId: `cs_test_${id}`,
    checkoutSessionId: `cs_test_${id}`,
    subscriptionId: null,
    donorKey: `cs_test_${id}`,
    paymentIntentId: `pi_test_${id}`,
    customerId: null,
    email: null,
    frequency: 'once',
    status: 'paid',
    currency: 'usd',
    amountMinor: amount,
    language: 'en',
    occurredAt: new Date(`${day}T10:00:00.000Z`),
    timeSource: 'stripe',
    ...more,
  };
}

function month(sub: string, n: number, amount: number, day: string, more: Partial<GiftFacts> = {}): GiftFacts {
  return {
    ...once(`${sub}_${n}`, amount, day, more),
    stripeId: `in_test_${sub}_${n}`,
    checkoutSessionId: null,
    subscriptionId: `sub_test_${sub}`,
    donorKey: `sub_test_${sub}`,
    frequency: 'monthly',
    ...more,
  };
}

const charge = (id: string, currency: string, amount: number, refunded: number, settled?: [number, string]) => ({
  chargeId: `ch_test_${id}`,
  paymentIntentId: `pi_test_${id}`,
  invoiceId: null,
  currency,
  amountMinor: amount,
  amountRefundedMinor: refunded,
  settledMinor: settled?.[0] ?? null,
  settledCurrency: settled?.[1] ?? null,
  observedAt: now,
});

const dispute = (id: string, amount: number, status: string) => ({
  disputeId: `dp_test_${id}`,
  chargeId: `ch_test_${id}`,
  paymentIntentId: `pi_test_${id}`,
  invoiceId: null,
  amountMinor: amount,
  status,
  observedAt: now,
});

/** Every kind of gift and change the dashboard shows, written through the ledger. */
async function mixedLedger(ledger: Ledger): Promise<void> {
  // Presets once and monthly, one with the fee cover on top (its tile is the gift without it).
  await ledger.recordGift(once('a', 2575, '2026-03-01', { feeCoverMinor: 75 }));
  await ledger.recordGift(once('b', 1234, '2026-03-01', { language: 'de' }));
  await ledger.recordGift(once('c', 500, '2026-03-02', { language: null }));
  for (const [n, day] of [
    [1, '2026-03-01'],
    [2, '2026-04-01'],
    [3, '2026-05-01'],
  ] as const)
    await ledger.recordGift(month('m', n, 1000, day, { paymentIntentId: `pi_test_m${n}` }));
  await ledger.recordGift(month('x', 1, 777, '2026-03-02', { paymentIntentId: 'pi_test_x1', language: 'fr' }));
  // A refund, an open dispute, a lost one.
  await ledger.recordCharge(charge('a', 'usd', 2575, 1000));
  await ledger.recordCharge(charge('b', 'usd', 1234, 0));
  await ledger.recordDispute(dispute('b', 1234, 'needs_response'));
  await ledger.recordCharge({ ...charge('m2', 'usd', 1000, 0), invoiceId: 'in_test_m_2' });
  await ledger.recordDispute({ ...dispute('m2', 1000, 'lost'), invoiceId: 'in_test_m_2' });
  // A euro gift awaiting its settlement, then settled; another still waiting.
  await ledger.recordGift(once('e', 2500, '2026-03-03', { currency: 'eur', language: 'fr' }));
  await ledger.recordGift(once('f', 1000, '2026-03-03', { currency: 'eur', language: 'de' }));
  await ledger.recordCharge(charge('e', 'eur', 2500, 0, [2700, 'usd']));
  // Settled in a third currency: kept outside every campaign, still shown by currency and language.
  await ledger.recordGift(once('g', 3000, '2026-03-04', { currency: 'gbp', language: 'en' }));
  await ledger.recordCharge(charge('g', 'gbp', 3000, 0, [3500, 'eur']));
  // A bank debit still pending and one that failed: nothing.
  await ledger.recordGift(once('p', 5000, '2026-03-04', { status: 'pending' }));
  await ledger.recordGift(once('q', 5000, '2026-03-04', { status: 'pending' }));
  await ledger.recordGift(once('q', 5000, '2026-03-05', { status: 'failed' }));
  // An offline gift.
  await ledger.recordManualGift({
    amountMinor: 10_000,
    receivedAt: new Date('2026-03-06T09:00:00.000Z'),
    reason: 'cheque',
    donorName: null,
    staffEmail: 'staff@example.org',
  });
  // First timed by our clock, then Stripe's better time: another day, then another campaign.
  await ledger.recordGift(once('t', 2500, '2026-03-07', { timeSource: 'clock' }));
  await ledger.recordGift(once('t', 2500, '2026-03-08', { timeSource: 'charge' }));
  await ledger.recordGift(once('u', 5000, '2026-12-31', { timeSource: 'clock', language: 'de' }));
  await ledger.recordGift(once('u', 5000, '2027-01-01', { timeSource: 'stripe', language: 'de' }));
}

describe('staff figures from rollups', () => {
  it('when the ledger holds every kind of gift and change, then the dashboard shows what a recount of the gifts gives', async () => {
    const ledger = createLedger({ db: opened.db, fundraiser: config.fundraiser, clock: () => now });
    await ledger.syncCampaign();
    await mixedLedger(ledger);
    assert.deepEqual(await checkTotals(opened.db), []);

    const d = await ledger.dashboard();
    const ref = await dashboardByRecount(opened.db, d.progress.campaign, 'usd');
    assert.deepEqual(d.daily, ref.daily);
    assert.equal(d.paidGifts, ref.paidGifts);
    assert.deepEqual(d.byCurrency, ref.byCurrency);
    assert.deepEqual(d.byLanguage, ref.byLanguage);
    for (const frequency of ['once', 'monthly'] as const) {
      const presets = config.fundraiser.form.presets[frequency].map((p) => toMinor(p, 'usd'));
      const rows = ref.splitRows.filter((r) => r.frequency === frequency);
      const tiles = d.split.filter((s) => s.frequency === frequency);
      const sum = (of: typeof rows) => ({
        count: of.reduce((a, r) => a + r.n, 0),
        gross: of.reduce((a, r) => a + r.gross, 0),
      });
      assert.deepEqual(
        tiles.map(({ count, gross }) => ({ count, gross })),
        [
          ...presets.map((p) => sum(rows.filter((r) => r.gift === p))),
          sum(rows.filter((r) => !presets.includes(r.gift))),
        ],
      );
    }

    // And the figures themselves, written out: 2026's campaign, usd.
    assert.equal(d.paidGifts, 10, 'a, b, c, 3 months, x, e (settled), the cheque, t; not f (waiting) nor g, u');
    assert.deepEqual(d.daily, [
      { day: '2026-03-01', net: 1575 + 1234 + 1000 },
      { day: '2026-03-02', net: 500 + 777 },
      { day: '2026-03-03', net: 2700 },
      { day: '2026-03-06', net: 10_000 },
      { day: '2026-03-08', net: 2500 },
      { day: '2026-04-01', net: 0 },
      { day: '2026-05-01', net: 1000 },
    ]);
    assert.deepEqual(
      d.split.filter((s) => s.count > 0).map((s) => [s.frequency, s.label, s.count, s.gross]),
      [
        ['once', '$5', 1, 500],
        ['once', '$25', 2, 2575 + 2500],
        ['once', '$100', 1, 10_000],
        ['once', 'other amounts', 1, 1234],
        ['monthly', '$10', 3, 3000],
        ['monthly', 'other amounts', 1, 777],
      ],
    );
    const gbp = d.byCurrency.find((r) => r.currency === 'gbp');
    assert.deepEqual(gbp, { currency: 'gbp', gifts: 1, amountMinor: 3000, countedMinor: 0, awaiting: 0, elsewhere: 1 });
    const eur = d.byCurrency.find((r) => r.currency === 'eur');
    assert.deepEqual(eur, {
      currency: 'eur',
      gifts: 2,
      amountMinor: 3500,
      countedMinor: 2700,
      awaiting: 1,
      elsewhere: 0,
    });
    const en = d.byLanguage.find((r) => r.language === 'en');
    assert.equal(en?.donors, 4, 'a, the pledge m (three months once), t, and g kept outside');
  });

  it('when migration 0011 runs over a ledger already recorded, then its backfill makes the rows kept write by write', async () => {
    const kept = await rows();
    assert.ok(kept.daily_figures!.length > 5 && kept.gift_figures!.length > 5);
    await m0011.down(opened.db);
    await m0011.up(opened.db);
    assert.deepEqual(await rows(), kept);
    assert.deepEqual(await checkTotals(opened.db), []);
  });

  it('when a rollup row is tampered with or lost, then checkTotals and npm run ledger:check name it against the recount', async () => {
    const db = opened.db;
    const euroInFrench = (q: typeof kind) =>
      q
        .where('frequency', '=', 'once')
        .where('currency', '=', 'eur')
        .where('language', '=', 'fr')
        .where('gift_minor', '=', 2500);
    const kind = db.selectFrom('gift_figures').selectAll();
    const row = await euroInFrench(kind).executeTakeFirstOrThrow();
    await db
      .updateTable('gift_figures')
      .set({ counted_minor: sql`counted_minor + 1` })
      .where('currency', '=', 'eur')
      .where('language', '=', 'fr')
      .execute();
    const campaign = (await createLedger({ db, fundraiser: config.fundraiser, clock: () => now }).progress()).campaign;
    assert.deepEqual(await checkTotals(db), [
      {
        campaign,
        field: 'gift_figures once eur fr 2500: counted_minor',
        stored: Number(row.counted_minor) + 1,
        recomputed: Number(row.counted_minor),
      },
    ]);
    const cli = await ledgerCheck();
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /MISMATCH \S+ gift_figures once eur fr 2500: counted_minor: stored \d+, gifts add up to/);

    await db.deleteFrom('gift_figures').where('currency', '=', 'eur').where('language', '=', 'fr').execute();
    await db.deleteFrom('daily_figures').where('day', '=', '2026-03-03').execute();
    assert.deepEqual(
      (await checkTotals(db)).map((m) => [m.field, m.stored, m.recomputed]),
      [
        ['daily_figures 2026-03-03: gifts', 0, 2],
        ['daily_figures 2026-03-03: counted_minor', 0, 2700],
        ['gift_figures once eur fr 2500: gifts', 0, 1],
        ['gift_figures once eur fr 2500: amount_minor', 0, 2500],
        ['gift_figures once eur fr 2500: counted_minor', 0, 2700],
        ['gift_figures once eur fr 2500: counted_gifts', 0, 1],
        ['gift_figures once eur fr 2500: donors', 0, 1],
      ],
    );
  });
});

describe('the gifts list', () => {
  it('when it is read page by page (before=<id>), then the pages hold every gift once, newest first, and the last has no next', async () => {
    const all = await opened.db.selectFrom('contributions').select('id').orderBy('id', 'desc').execute();
    assert.ok(all.length > 10);
    const seen: number[] = [];
    let before: number | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await giftPage(opened.db, {}, before, 4);
      seen.push(...page.rows.map((r) => Number(r.id)));
      if (page.next === null) break;
      assert.equal(page.next, seen[seen.length - 1]);
      before = page.next;
    }
    assert.deepEqual(
      seen,
      all.map((r) => Number(r.id)),
    );
    const paid = await giftPage(opened.db, { status: 'paid' }, all[2]!.id, 50);
    assert.ok(paid.rows.every((r) => r.status === 'paid' && Number(r.id) < all[2]!.id));
    assert.equal(paid.next, null);
  });
});

/** npm run ledger:check on this file's database. */
function ledgerCheck(): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/ledger-check.ts'],
      { env: { ...process.env, DATABASE_URL: opened.url } },
      (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }),
    );
  });
}

async function rows() {
  const out: Record<string, unknown[]> = {};
  for (const table of ['daily_figures', 'gift_figures'] as const) {
    const all = await opened.db.selectFrom(table).selectAll().execute();
    out[table] = all
      .map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]),
        ),
      )
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}
