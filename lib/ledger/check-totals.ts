// Checks the one invariant from the rows themselves: each campaign's running totals, and the
// staff dashboard's per-day rollups (rollups.ts), equal what its contributions add up to by the
// counting rule. Used after a database move, and by tests (the property test after each history).
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { ROLLUPS } from './rollups.ts';
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
  const slugs = new Map(campaigns.map((c) => [Number(c.campaign_id), c.slug]));
  return [...mismatches, ...(await checkRollups(db, slugs))];
}

/**
 * Every rollup row against the same rows recounted from the contributions (one GROUP BY a table);
 * a field is named by its table and key: "gift_figures once eur fr 2500: counted_minor".
 */
async function checkRollups(db: Db, slugs: Map<number, string>): Promise<TotalsMismatch[]> {
  const out: TotalsMismatch[] = [];
  for (const rollup of ROLLUPS) {
    type Row = Record<string, string | number>;
    const keyOf = (r: Row) => rollup.key.map((k) => String(r[k])).join(' ');
    const stored = (await sql.raw<Row>(`select * from ${rollup.table}`).execute(db)).rows;
    const recount = (await sql.raw<Row>(rollup.recount).execute(db)).rows;
    const rows = new Map<string, { campaign: number; was?: Row; now?: Row }>();
    for (const r of stored) rows.set(keyOf(r), { campaign: Number(r.campaign_id), was: r });
    for (const r of recount)
      rows.set(keyOf(r), { campaign: Number(r.campaign_id), was: rows.get(keyOf(r))?.was, now: r });
    for (const [key, { campaign, was, now }] of rows) {
      for (const sum of rollup.sums) {
        const a = Number(was?.[sum] ?? 0);
        const b = Number(now?.[sum] ?? 0);
        if (a === b) continue;
        const where = key.split(' ').slice(1).join(' ');
        const field = `${rollup.table} ${where}: ${sum}`;
        out.push({ campaign: slugs.get(campaign) ?? String(campaign), field, stored: a, recomputed: b });
      }
    }
  }
  return out;
}
