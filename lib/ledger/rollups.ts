// The staff dashboard's figures kept per day, so it reads O(days x keys) instead of every gift:
// daily_figures holds, for each campaign, paid day (UTC), frequency, currency, language and
// gift (the amount without the fee cover: the tile the donor chose), how many paid gifts, their
// amount in their own currency, what they count toward the goal (figuresOf's raised, in the
// campaign's currency), how many of them are settled (counted), and how many donors first gave
// there. Kept in the same transaction as every contribution change (settleTotals calls this),
// from the row before and after it, like the totals; checkTotals holds them to a recount.
//
// Only paid gifts held by a campaign are rolled up. Those kept outside every campaign (settled
// in a third currency: rare) are read from the contributions by index (reports-currency.ts).
import type { SqlTx } from '../db/statements.ts';
import type { Contribution } from '../db/schema.ts';
import { COUNTED_SQL, figuresOf } from './figures.ts';

export const ROLLUP_KEY = ['campaign_id', 'day', 'frequency', 'currency', 'language', 'gift_minor'] as const;
export const ROLLUP_SUMS = ['gifts', 'amount_minor', 'counted_minor', 'counted_gifts', 'donors'] as const;

type Sums = Record<(typeof ROLLUP_SUMS)[number], number>;
type Key = [number, string, string, string, string, number];
type RolledUp = Pick<
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

/** Where a gift is rolled up; null when it adds nothing (not paid, or outside every campaign). */
function keyOf(c: RolledUp): Key | null {
  if (c.status !== 'paid' || c.campaign_id === null) return null;
  return [
    Number(c.campaign_id),
    (c.paid_at ?? '').slice(0, 10),
    c.frequency,
    c.currency,
    c.language ?? '',
    Number(c.amount_minor) - Number(c.fee_cover_minor),
  ];
}

function sumsOf(c: RolledUp): Sums {
  return {
    gifts: 1,
    amount_minor: Number(c.amount_minor),
    counted_minor: figuresOf(c).raised,
    counted_gifts: c.settled_minor === null ? 0 : 1,
    donors: 0,
  };
}

const ZERO_SUMS: Readonly<Sums> = Object.freeze({
  gifts: 0,
  amount_minor: 0,
  counted_minor: 0,
  counted_gifts: 0,
  donors: 0,
});

const ADD =
  `insert into daily_figures (${[...ROLLUP_KEY, ...ROLLUP_SUMS].join(', ')}) ` +
  `values (${[...ROLLUP_KEY, ...ROLLUP_SUMS].map(() => '?').join(', ')}) ` +
  `on conflict (${ROLLUP_KEY.join(', ')}) do update set ` +
  ROLLUP_SUMS.map((s) => `${s} = daily_figures.${s} + excluded.${s}`).join(', ');

// A row nothing adds to any more (its gifts moved elsewhere) is dropped; only when every sum is 0,
// so a drift would stay visible to the check rather than vanish with the row.
const DROP_EMPTY =
  `delete from daily_figures where ${ROLLUP_KEY.map((k) => `${k} = ?`).join(' and ')} and ` +
  ROLLUP_SUMS.map((s) => `${s} = 0`).join(' and ');

const DONOR_GIFTS =
  'select id, status, campaign_id, paid_at, frequency, currency, language, amount_minor, fee_cover_minor, ' +
  'settled_minor, refunded_minor, disputed_minor, dispute_lost_minor ' +
  "from contributions where donor_key = ? and status = 'paid' and campaign_id is not null";

/**
 * Moves the rollups from what `before` added to what `after` adds (before: the row as it was,
 * undefined for a new one). A change that keeps the gift's key (a refund, a dispute, a
 * settlement) is one upsert; one that moves it (paid, another campaign or day) two, and the
 * donor it carries, if any, is moved too.
 */
export async function settleRollups(trx: SqlTx, before: Contribution | undefined, after: Contribution): Promise<void> {
  const deltas = new Map<string, { key: Key; sums: Sums }>();
  const add = (key: Key | null, sums: Readonly<Sums>, sign: 1 | -1) => {
    if (!key) return;
    const id = JSON.stringify(key);
    const d = deltas.get(id) ?? { key, sums: { ...ZERO_SUMS } };
    for (const s of ROLLUP_SUMS) d.sums[s] += sign * sums[s];
    deltas.set(id, d);
  };
  const was = before ? keyOf(before) : null;
  const is = keyOf(after);
  if (before) add(was, sumsOf(before), -1);
  add(is, sumsOf(after), 1);
  if (JSON.stringify(was) !== JSON.stringify(is)) {
    // Which of the donor's gifts carries them in each (campaign, language), before and after.
    const others = (await trx.all<RolledUp>(DONOR_GIFTS, [after.donor_key])).filter((r) => Number(r.id) !== after.id);
    const donor = { ...ZERO_SUMS, donors: 1 };
    for (const k of carriers(before ? [...others, before] : others)) add(k, donor, -1);
    for (const k of carriers([...others, after])) add(k, donor, 1);
  }
  for (const { key, sums } of deltas.values()) {
    if (ROLLUP_SUMS.every((s) => sums[s] === 0)) continue;
    await trx.run(ADD, [...key, ...ROLLUP_SUMS.map((s) => sums[s])]);
    if (ROLLUP_SUMS.some((s) => sums[s] < 0)) await trx.run(DROP_EMPTY, key);
  }
}

/**
 * A donor (one session, or one pledge however many months it pays) counts once per campaign
 * and language, on the row of their first paid gift there (the lowest id): the keys that carry them.
 */
function carriers(gifts: RolledUp[]): Key[] {
  const first = new Map<string, RolledUp>();
  for (const g of gifts) {
    const key = keyOf(g);
    if (!key) continue;
    const group = `${key[0]}|${key[4]}`;
    const had = first.get(group);
    if (!had || Number(g.id) < Number(had.id)) first.set(group, g);
  }
  return [...first.values()].map((g) => keyOf(g)!);
}

/**
 * The rollups recomputed from the contributions, in daily_figures' columns: the backfill
 * (migration 0011), the check (check-totals.ts) and a rebuild after a copy use it. The same
 * rule as above, as SQL (COUNTED_SQL is figuresOf's raised).
 */
export const ROLLUP_RECOUNT_SQL = `select campaign_id, substr(coalesce(paid_at, ''), 1, 10) as day, frequency,
  currency, coalesce(language, '') as language, amount_minor - fee_cover_minor as gift_minor,
  count(*) as gifts, sum(amount_minor) as amount_minor, sum(${COUNTED_SQL}) as counted_minor,
  sum(case when settled_minor is null then 0 else 1 end) as counted_gifts,
  sum(case when id = (select min(d.id) from contributions d where d.donor_key = c.donor_key
    and d.campaign_id = c.campaign_id and d.status = 'paid'
    and coalesce(d.language, '') = coalesce(c.language, '')) then 1 else 0 end) as donors
  from contributions c where status = 'paid' and campaign_id is not null
  group by campaign_id, substr(coalesce(paid_at, ''), 1, 10), frequency, currency, coalesce(language, ''),
    amount_minor - fee_cover_minor`;

/** Fills an empty daily_figures from the contributions (one statement). */
export const ROLLUP_BACKFILL_SQL = `insert into daily_figures (${[...ROLLUP_KEY, ...ROLLUP_SUMS].join(', ')})
  ${ROLLUP_RECOUNT_SQL}`;
