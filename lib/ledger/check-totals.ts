// Checks the one invariant from the rows themselves: each campaign's running totals equal
// what its contributions add up to by the counting rule. Used after a database move, and by tests.
import type { Db } from '../db/database.ts';
import { FIGURE_COLUMNS, FIGURE_NAMES, figuresOf, figuresOfTotals, ZERO } from './figures.ts';

export interface TotalsMismatch {
  campaign: string;
  field: string;
  stored: number;
  recomputed: number;
}

export async function checkTotals(db: Db): Promise<TotalsMismatch[]> {
  const campaigns = await db
    .selectFrom('campaigns')
    .innerJoin('campaign_totals', 'campaign_totals.campaign_id', 'campaigns.id')
    .selectAll('campaign_totals')
    .select('campaigns.slug')
    .execute();
  const mismatches: TotalsMismatch[] = [];
  for (const c of campaigns) {
    const rows = await db.selectFrom('contributions').selectAll().where('campaign_id', '=', c.campaign_id).execute();
    const sum = { ...ZERO };
    let donors = 0;
    for (const r of rows) {
      const f = figuresOf(r);
      for (const name of FIGURE_NAMES) sum[name] += f[name];
      donors += Number(r.counted_donor);
    }
    const stored = figuresOfTotals(c);
    const pairs: Array<[string, number, number]> = FIGURE_NAMES.map((name) => [
      FIGURE_COLUMNS[name],
      stored[name],
      sum[name],
    ]);
    pairs.push(['donors', Number(c.donors), donors]);
    for (const [field, was, recomputed] of pairs) {
      if (was !== recomputed) mismatches.push({ campaign: c.slug, field, stored: was, recomputed });
    }
  }
  return mismatches;
}
