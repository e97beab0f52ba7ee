// The counting rule is written once as a function and once as SQL; the two must agree on
// every kind of gift, in the database the suite runs on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { figuresOf, NET_SQL, netOf } from '../../lib/ledger/figures.ts';
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
    const row = { amount_minor: 2500, refunded_minor: 0, dispute_lost_minor: 0, disputed_minor: 0 };
    assert.equal(figuresOf({ ...row, status: 'pending', campaign_id: 1 }).raised, 0);
    assert.equal(figuresOf({ ...row, status: 'paid', campaign_id: null }).raised, 0);
    assert.equal(netOf({ ...row, status: 'paid' }), 2500, 'the gift itself still kept its money (the CSV shows it)');
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
