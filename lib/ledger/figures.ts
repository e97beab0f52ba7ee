// The counting rule: what one gift adds to its campaign's figures. Written once, here, as a
// function (the ledger's writes, the totals check, the CSV) and as the SQL it compiles to
// (reports that sum in the database, such as the staff chart); a test holds the two equal.
// The reference model in test/helpers/model.ts stays independent of this on purpose.
//
// A campaign counts in its own currency: each gift at what Stripe settled for it (settled_minor,
// the balance transaction's gross amount; = amount_minor for a gift in that currency). Refunds
// and disputes are known in the gift's own (presentment) currency, so they come off in the
// gift's own settled/charged ratio (settledPart), cumulatively: refunded, then lost, then
// disputed, each the difference of two rounded running sums, so the parts add up exactly, a full
// refund takes off exactly the settled amount and nothing goes below zero.
import type { CampaignTotalsTable, Contribution } from '../db/schema.ts';

/** The figures a campaign keeps, in minor units. */
export interface Figures {
  /** Net: what the bar shows. gross - refunded - lost, never below zero per gift. */
  raised: number;
  gross: number;
  refunded: number;
  /** Under an open dispute: still counted, shown to staff. */
  disputed: number;
  /** Lost in a closed dispute. */
  lost: number;
}

/** Where each figure is kept in campaign_totals; adding a figure starts here. */
export const FIGURE_COLUMNS = {
  raised: 'raised_minor',
  gross: 'gross_minor',
  refunded: 'refunded_minor',
  disputed: 'disputed_minor',
  lost: 'dispute_lost_minor',
} as const satisfies Record<keyof Figures, keyof CampaignTotalsTable>;

export const FIGURE_NAMES = Object.keys(FIGURE_COLUMNS) as Array<keyof Figures>;

export const ZERO: Readonly<Figures> = Object.freeze({ raised: 0, gross: 0, refunded: 0, disputed: 0, lost: 0 });

export type FigureColumns =
  | 'status'
  | 'campaign_id'
  | 'amount_minor'
  | 'settled_minor'
  | 'refunded_minor'
  | 'disputed_minor'
  | 'dispute_lost_minor';
type GiftMoney = Pick<Contribution, 'status' | 'amount_minor' | 'refunded_minor' | 'dispute_lost_minor'>;

/** The money a paid gift keeps: refunds and lost disputes come off it, never below zero; 0 unless paid. */
export function netOf(c: GiftMoney): number {
  if (c.status !== 'paid') return 0;
  return Math.max(0, Number(c.amount_minor) - Number(c.refunded_minor) - Number(c.dispute_lost_minor));
}

/** netOf over a contributions row, as SQL (the same rule, summed in the database); for queries on contributions alone. */
export const NET_SQL =
  "case when status = 'paid' and amount_minor - refunded_minor - dispute_lost_minor > 0 " +
  'then amount_minor - refunded_minor - dispute_lost_minor else 0 end';

/**
 * `part` of a gift charged at `amount` in the currency it settled in, at the gift's own rate,
 * rounded half up (in BigInt, so large amounts round the same as in SQL): 0 -> 0, amount -> settled.
 */
export function settledPart(part: number, amount: number, settled: number): number {
  if (amount === settled) return part;
  if (amount <= 0) return 0;
  const a = BigInt(amount);
  return Number((2n * BigInt(part) * BigInt(settled) + a) / (2n * a));
}

/** Only a paid gift inside a campaign, with its settled amount known, counts; what it adds to each figure. */
export function figuresOf(c: Pick<Contribution, FigureColumns>): Figures {
  if (c.status !== 'paid' || c.campaign_id === null || c.settled_minor === null) return ZERO;
  const amount = Number(c.amount_minor);
  const gross = Number(c.settled_minor);
  // In the gift's own currency first, as Stripe states them...
  const refundedHere = Math.min(amount, Number(c.refunded_minor));
  const lostHere = Math.min(amount - refundedHere, Number(c.dispute_lost_minor));
  const disputedHere = Math.min(amount - refundedHere - lostHere, Number(c.disputed_minor));
  // ...then as running sums in the settled currency.
  const part = (x: number) => settledPart(x, amount, gross);
  const refunded = part(refundedHere);
  const off = part(refundedHere + lostHere);
  const disputed = part(refundedHere + lostHere + disputedHere) - off;
  return { gross, refunded, lost: off - refunded, disputed, raised: gross - off };
}

// settledPart of min(amount, refunded + lost) in SQL (integer division truncates on both databases).
const OFF_HERE =
  'case when refunded_minor + dispute_lost_minor < amount_minor then refunded_minor + dispute_lost_minor else amount_minor end';
const OFF_SETTLED =
  `case when amount_minor = settled_minor then ${OFF_HERE} when amount_minor <= 0 then 0 ` +
  `else (2 * (${OFF_HERE}) * settled_minor + amount_minor) / (2 * amount_minor) end`;

/**
 * figuresOf(row).raised as SQL, for rows already limited to one campaign (the campaign_id
 * check is the caller's): what a gift counts toward the goal, in the campaign's currency.
 */
export const COUNTED_SQL = `case when status = 'paid' and settled_minor is not null then settled_minor - (${OFF_SETTLED}) else 0 end`;

/** The figures as a campaign_totals row holds them. */
export function figuresOfTotals(row: Pick<CampaignTotalsTable, (typeof FIGURE_COLUMNS)[keyof Figures]>): Figures {
  const out = { ...ZERO };
  for (const name of FIGURE_NAMES) out[name] = Number(row[FIGURE_COLUMNS[name]]);
  return out;
}
