// Checks the one invariant from the rows themselves: each campaign's running totals equal
// what its contributions add up to. Used after a database move, and by tests.
import type { Db } from '../db/database.ts';
import { figuresOf } from './figures.ts';

export interface TotalsMismatch {
  campaign: string;
  field: string;
  stored: number;
  recomputed: number;
}

export async function auditTotals(db: Db): Promise<TotalsMismatch[]> {
  const campaigns = await db
    .selectFrom('campaigns')
    .innerJoin('campaign_totals', 'campaign_totals.campaign_id', 'campaigns.id')
    .selectAll('campaign_totals')
    .select('campaigns.slug')
    .execute();
  const mismatches: TotalsMismatch[] = [];
  for (const c of campaigns) {
    const rows = await db.selectFrom('contributions').selectAll().where('campaign_id', '=', c.campaign_id).execute();
    const sum = { raised: 0, gross: 0, refunded: 0, disputed: 0, lost: 0, donors: 0 };
    for (const r of rows) {
      const f = figuresOf(r);
      sum.raised += f.raised;
      sum.gross += f.gross;
      sum.refunded += f.refunded;
      sum.disputed += f.disputed;
      sum.lost += f.lost;
      sum.donors += Number(r.counted_donor);
    }
    const pairs: Array<[string, number, number]> = [
      ['raised_minor', Number(c.raised_minor), sum.raised],
      ['gross_minor', Number(c.gross_minor), sum.gross],
      ['refunded_minor', Number(c.refunded_minor), sum.refunded],
      ['disputed_minor', Number(c.disputed_minor), sum.disputed],
      ['dispute_lost_minor', Number(c.dispute_lost_minor), sum.lost],
      ['donors', Number(c.donors), sum.donors],
    ];
    for (const [field, stored, recomputed] of pairs) if (stored !== recomputed) mismatches.push({ campaign: c.slug, field, stored, recomputed });
  }
  return mismatches;
}
