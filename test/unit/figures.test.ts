// The counting rule is written once as a function and once as SQL; the two must agree on
// every kind of gift, in the database the suite runs on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { COUNTED_SQL, figuresOf, NET_SQL, netOf, settledPart } from '../../lib/ledger/figures.ts';
import { CONTRIBUTION_STATUSES } from '../../lib/ledger/types.ts';
import { migratedDatabaseForFile } from '../helpers/database.ts';

const file = migratedDatabaseForFile();

const money = fc.integer({ min: 0, max: 1_000_000 });
const gift = fc.record({
  status: fc.constantFrom(...CONTRIBUTION_STATUSES),
  amount_minor: money,
  refunded_minor: money,
  disputed_minor: money,
  dispute_lost_minor: money,
});

describe('the counting rule', () => {
  it('when a paid gift is refunded and then lost in a dispute, then it keeps nothing, never less', () => {
    const row = {
      status: 'paid' as const,
      amount_minor: 2500,
      settled_minor: 2500,
      refunded_minor: 2000,
      dispute_lost_minor: 2500,
      disputed_minor: 0,
    };
    assert.equal(netOf(row), 0);
    assert.deepEqual(figuresOf({ ...row, campaign_id: 1 }), {
      gross: 2500,
      refunded: 2000,
      lost: 500,
      disputed: 0,
      raised: 0,
    });
  });

  it('when a gift is not paid or belongs to no campaign, then it adds nothing to the bar', () => {
    const row = {
      amount_minor: 2500,
      settled_minor: 2500,
      refunded_minor: 0,
      dispute_lost_minor: 0,
      disputed_minor: 0,
    };
    assert.equal(figuresOf({ ...row, status: 'pending', campaign_id: 1 }).raised, 0);
    assert.equal(figuresOf({ ...row, status: 'paid', campaign_id: null }).raised, 0);
    assert.equal(
      figuresOf({ ...row, status: 'paid', campaign_id: 1, settled_minor: null }).raised,
      0,
      'awaiting settlement',
    );
    assert.equal(netOf({ ...row, status: 'paid' }), 2500, 'the gift itself still kept its money (the CSV shows it)');
  });

  it('when a EUR gift settled in USD is refunded in part, lost in a dispute and disputed, then each comes off at its own settled/charged ratio', () => {
    // EUR 25.00 settled as USD 27.00: EUR 10.00 refunded, EUR 5.00 lost, EUR 3.00 disputed.
    const row = { status: 'paid' as const, campaign_id: 1, amount_minor: 2500, settled_minor: 2700 };
    const f = figuresOf({ ...row, refunded_minor: 1000, dispute_lost_minor: 500, disputed_minor: 300 });
    assert.deepEqual(f, { gross: 2700, refunded: 1080, lost: 540, disputed: 324, raised: 1080 });
    const full = figuresOf({ ...row, refunded_minor: 2500, dispute_lost_minor: 0, disputed_minor: 0 });
    assert.deepEqual(
      full,
      { gross: 2700, refunded: 2700, lost: 0, disputed: 0, raised: 0 },
      'a full refund takes off exactly what settled',
    );
  });

  it('when any gift is converted part by part, then the parts add up to the settled amount and never go below zero', () => {
    fc.assert(
      fc.property(money, money, money, money, money, (amount, settled, r, l, d) => {
        const f = figuresOf({
          status: 'paid',
          campaign_id: 1,
          amount_minor: amount,
          settled_minor: settled,
          refunded_minor: r,
          dispute_lost_minor: l,
          disputed_minor: d,
        });
        for (const v of Object.values(f)) assert.ok(v >= 0);
        assert.equal(f.raised + f.refunded + f.lost, settled);
        assert.ok(f.disputed <= f.raised);
        assert.equal(settledPart(amount, amount, settled), amount > 0 || amount === settled ? settled : 0);
      }),
      { numRuns: 500 },
    );
  });

  it('when any gift is summed by COUNTED_SQL in the database, then it equals what figuresOf counts', async () => {
    await fc.assert(
      fc.asyncProperty(gift, fc.option(money, { nil: null }), async (g, settled) => {
        const int = (n: number | null) => (n === null ? sql`cast(null as bigint)` : sql`cast(${n} as bigint)`);
        const { rows } = await sql<{ counted: number }>`select ${sql.raw(COUNTED_SQL)} as counted from (select
          cast(${g.status} as text) as status, ${int(g.amount_minor)} as amount_minor, ${int(settled)} as settled_minor,
          ${int(g.refunded_minor)} as refunded_minor, ${int(g.dispute_lost_minor)} as dispute_lost_minor) as c`.execute(
          file.db,
        );
        assert.equal(Number(rows[0]!.counted), figuresOf({ ...g, settled_minor: settled, campaign_id: 1 }).raised);
      }),
      { numRuns: 200 },
    );
  });

  it('when any gift is summed by NET_SQL in the database, then it equals netOf', async () => {
    await fc.assert(
      fc.asyncProperty(gift, async (g) => {
        const int = (n: number) => sql`cast(${n} as bigint)`;
        const { rows } = await sql<{ net: number }>`select ${sql.raw(NET_SQL)} as net from (select
          cast(${g.status} as text) as status, ${int(g.amount_minor)} as amount_minor,
          ${int(g.refunded_minor)} as refunded_minor, ${int(g.dispute_lost_minor)} as dispute_lost_minor) as c`.execute(
          file.db,
        );
        assert.equal(Number(rows[0]!.net), netOf(g));
      }),
      { numRuns: 200 },
    );
  });
});
