// The staff dashboard's figures kept as rollups, so a refresh reads O(days + kinds of gift)
// rows instead of every gift, in two tables:
// - daily_figures, per campaign and paid day (UTC): the chart (paid gifts, what they count);
// - gift_figures, per campaign and kind of gift (frequency, currency, language, and the tile:
//   the amount without the fee cover): how many paid gifts, their amount in their own currency,
//   what they count toward the goal (figuresOf's raised, in the campaign's currency), how many
//   are settled (counted), and the donors first seen there per campaign and language.
// Two tables, not one keyed by both: a day by every kind would be days x kinds rows to read,
// which grows with the gifts' variety over a year (17,000 rows for the bench's million gifts).
// Kept in the same transaction as every contribution change (settleTotals calls this), from the
// row before and after it, like the totals; checkTotals holds them to a recount.
//
// Only paid gifts held by a campaign are rolled up. Those kept outside every campaign (settled
// in a third currency: rare) are read from the contributions by index (reports-currency.ts).
import type { SqlTx } from '../db/statements.ts';
import type { Contribution } from '../db/schema.ts';
import { COUNTED_SQL, figuresOf } from './figures.ts';

type Value = string | number;
export type RolledUp = Pick<
  Contribution,
  | 'id'
  | 'status'
  | 'campaign_id'
  | 'paid_at'
  | 'frequency'
  | 'currency'
  | 'language'
  | 'amount_minor'
  | 'fee_cover_minor'
  | 'settled_minor'
  | 'refunded_minor'
  | 'disputed_minor'
  | 'dispute_lost_minor'
>;

/** One rollup table: its key, its sums, what one gift adds, and the same as SQL over all gifts. */
export interface Rollup {
  table: 'daily_figures' | 'gift_figures';
  key: readonly string[];
  sums: readonly string[];
  /** Where a paid gift of a campaign is rolled up. */
  keyOf(c: RolledUp): Value[];
  sumsOf(c: RolledUp): Record<string, number>;
  /** The table's rows recounted from the contributions, in its columns. */
  recount: string;
}

const DAY = (c: RolledUp) => (c.paid_at ?? '').slice(0, 10);
const HELD = "from contributions c where status = 'paid' and campaign_id is not null";

export const DAILY: Rollup = {
  table: 'daily_figures',
  key: ['campaign_id', 'day'],
  sums: ['gifts', 'counted_minor'],
  keyOf: (c) => [Number(c.campaign_id), DAY(c)],
  sumsOf: (c) => ({ gifts: 1, counted_minor: figuresOf(c).raised }),
  recount: `select campaign_id, substr(coalesce(paid_at, ''), 1, 10) as day, count(*) as gifts,
  sum(${COUNTED_SQL}) as counted_minor ${HELD}
  group by campaign_id, substr(coalesce(paid_at, ''), 1, 10)`,
};

export const KINDS: Rollup = {
  table: 'gift_figures',
  key: ['campaign_id', 'frequency', 'currency', 'language', 'gift_minor'],
  sums: ['gifts', 'amount_minor', 'counted_minor', 'counted_gifts', 'donors'],
  keyOf: (c) => [
    Number(c.campaign_id),
    c.frequency,
    c.currency,
    c.language ?? '',
    Number(c.amount_minor) - Number(c.fee_cover_minor),
  ],
  sumsOf: (c) => ({
    gifts: 1,
    amount_minor: Number(c.amount_minor),
    counted_minor: figuresOf(c).raised,
    counted_gifts: c.settled_minor === null ? 0 : 1,
    donors: 0,
  }),
  // A donor counts on their first (lowest id) paid gift in the campaign and language.
  recount: `select campaign_id, frequency, currency, coalesce(language, '') as language,
  amount_minor - fee_cover_minor as gift_minor, count(*) as gifts, sum(amount_minor) as amount_minor,
  sum(${COUNTED_SQL}) as counted_minor, sum(case when settled_minor is null then 0 else 1 end) as counted_gifts,
  sum(case when id = (select min(d.id) from contributions d where d.donor_key = c.donor_key
    and d.campaign_id = c.campaign_id and d.status = 'paid'
    and coalesce(d.language, '') = coalesce(c.language, '')) then 1 else 0 end) as donors
  ${HELD}
  group by campaign_id, frequency, currency, coalesce(language, ''), amount_minor - fee_cover_minor`,
};

export const ROLLUPS: readonly Rollup[] = [DAILY, KINDS];

const contributes = (c: RolledUp) => c.status === 'paid' && c.campaign_id !== null;

const texts = new Map<Rollup, { add: string; dropEmpty: string }>();
function textsOf(r: Rollup) {
  let t = texts.get(r);
  if (!t) {
    const columns = [...r.key, ...r.sums];
    t = {
      add:
        `insert into ${r.table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) ` +
        `on conflict (${r.key.join(', ')}) do update set ` +
        r.sums.map((s) => `${s} = ${r.table}.${s} + excluded.${s}`).join(', '),
      // A row nothing adds to any more (its gifts moved elsewhere) is dropped; only when every
      // sum is 0, so a drift would stay visible to the check rather than vanish with the row.
      dropEmpty:
        `delete from ${r.table} where ${r.key.map((k) => `${k} = ?`).join(' and ')} and ` +
        r.sums.map((s) => `${s} = 0`).join(' and '),
    };
    texts.set(r, t);
  }
  return t;
}

/**
 * Moves the rollups from what `before` added to what `after` adds (before: the row as it was,
 * undefined for a new one). A change that keeps the gift where it was (a refund, a dispute, a
 * settlement) adds to one row per table; one that moves it (paid, another campaign or day) to
 * two, and the donor it carries, if any, is moved too. `donorGifts`: every gift of the donor
 * as it stands now. The additions are written once per transaction (trx.sums), before it commits.
 */
export function settleRollups(
  trx: SqlTx,
  before: Contribution | undefined,
  after: Contribution,
  donorGifts: readonly RolledUp[],
): void {
  for (const rollup of ROLLUPS) {
    const deltas = new Map<string, { key: Value[]; sums: Record<string, number> }>();
    const add = (key: Value[], sums: Record<string, number>, sign: 1 | -1) => {
      const id = JSON.stringify(key);
      const d = deltas.get(id) ?? { key, sums: Object.fromEntries(rollup.sums.map((s) => [s, 0])) };
      for (const s of rollup.sums) d.sums[s]! += sign * (sums[s] ?? 0);
      deltas.set(id, d);
    };
    const was = before && contributes(before) ? rollup.keyOf(before) : null;
    const is = contributes(after) ? rollup.keyOf(after) : null;
    if (was) add(was, rollup.sumsOf(before!), -1);
    if (is) add(is, rollup.sumsOf(after), 1);
    if (rollup === KINDS && JSON.stringify(was) !== JSON.stringify(is)) {
      // Which of the donor's gifts carries them in each (campaign, language), before and after.
      const others = donorGifts.filter((r) => Number(r.id) !== after.id);
      for (const k of carriers(before ? [...others, before] : others)) add(k, { donors: 1 }, -1);
      for (const k of carriers([...others, after])) add(k, { donors: 1 }, 1);
    }
    const { add: upsert, dropEmpty } = textsOf(rollup);
    for (const [id, { key, sums }] of deltas) {
      trx.sums.add(
        `${rollup.table} ${id}`,
        rollup.sums.map((s) => sums[s]!),
        async (values) => {
          await trx.run(upsert, [...key, ...values]);
          if (values.some((v) => v < 0)) await trx.run(dropEmpty, key);
        },
      );
    }
  }
}

/**
 * A donor (one session, or one pledge however many months it pays) counts once per campaign
 * and language, on the row of their first paid gift there (the lowest id): the keys that carry them.
 */
function carriers(gifts: RolledUp[]): Value[][] {
  const first = new Map<string, RolledUp>();
  for (const g of gifts) {
    if (!contributes(g)) continue;
    const group = `${g.campaign_id}|${g.language ?? ''}`;
    const had = first.get(group);
    if (!had || Number(g.id) < Number(had.id)) first.set(group, g);
  }
  return [...first.values()].map((g) => KINDS.keyOf(g));
}

/** Fills an empty rollup table from the contributions (one statement): a copy's rebuild, the bench's seed. */
export const backfillSql = (r: Rollup) => `insert into ${r.table} (${[...r.key, ...r.sums].join(', ')}) ${r.recount}`;
