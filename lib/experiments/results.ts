// An experiment's figures per variant: readers shown it, clicks and checkouts (counted), and
// the donors and money its gifts brought (from the ledger: a gift's variant joined to the gift
// as it now stands, so refunds and lost disputes come off once, as they do from the bar).
import type { Db } from '../db/database.ts';
import { COUNTED_SQL } from '../ledger/figures.ts';
import { sql } from 'kysely';
import type { Experiment } from './rules.ts';
import { analyse, type Analysis, type VariantInput } from './stats.ts';

export interface ExperimentResults extends Analysis {
  experiment: Experiment;
}

/** Money counts as the bar counts it: paid, settled into a campaign, net of refunds and lost disputes. */
const DONORS = sql.raw(
  `select g.variant, c.donor_key, ` +
    `sum(case when c.campaign_id is null then 0 else ${COUNTED_SQL} end) as money, ` +
    `max(case when c.status = 'paid' then 1 else 0 end) as paid ` +
    'from experiment_gifts g join contributions c on c.id = g.contribution_id ' +
    'where g.experiment_id = ',
);

export async function experimentResults(
  db: Db,
  experiment: Experiment,
  money: (minor: number) => string,
): Promise<ExperimentResults> {
  const counts = await db
    .selectFrom('experiment_counts')
    .select(['variant', 'kind', 'count'])
    .where('experiment_id', '=', experiment.id)
    .execute();
  const donors = await sql<{
    variant: string;
    money: number | string;
    paid: number | string;
  }>`${DONORS}${experiment.id} group by g.variant, c.donor_key`.execute(db);
  const inputs: VariantInput[] = experiment.variants.map((v) => {
    const count = (kind: string) => Number(counts.find((c) => c.variant === v.key && c.kind === kind)?.count ?? 0);
    return {
      key: v.key,
      name: v.name,
      impressions: count('impression'),
      clicks: count('click'),
      checkouts: count('checkout'),
      donorTotals: donors.rows.filter((d) => d.variant === v.key && Number(d.paid) === 1).map((d) => Number(d.money)),
    };
  });
  return { experiment, ...analyse(inputs, { money }) };
}
