// The counting rule: what one gift adds to its campaign's figures. Written once, here, as a
// function (the ledger's writes, the totals check, the CSV) and as the SQL it compiles to
// (reports that sum in the database, such as the staff chart); a test holds the two equal.
// The reference model in test/helpers/model.ts stays independent of this on purpose.
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
  'status' | 'campaign_id' | 'amount_minor' | 'refunded_minor' | 'disputed_minor' | 'dispute_lost_minor';
type GiftMoney = Pick<Contribution, Exclude<FigureColumns, 'campaign_id'>>;

/** The money a paid gift keeps: refunds and lost disputes come off it, never below zero; 0 unless paid. */
export function netOf(c: GiftMoney): number {
  if (c.status !== 'paid') return 0;
  return Math.max(0, Number(c.amount_minor) - Number(c.refunded_minor) - Number(c.dispute_lost_minor));
}

/** netOf over a contributions row, as SQL (the same rule, summed in the database); for queries on contributions alone. */
export const NET_SQL =
  "case when status = 'paid' and amount_minor - refunded_minor - dispute_lost_minor > 0 " +
  'then amount_minor - refunded_minor - dispute_lost_minor else 0 end';

/** Only a paid gift inside a campaign counts; what it adds to each figure. */
export function figuresOf(c: Pick<Contribution, FigureColumns>): Figures {
  if (c.status !== 'paid' || c.campaign_id === null) return ZERO;
  const gross = Number(c.amount_minor);
  const refunded = Math.min(gross, Number(c.refunded_minor));
  const lost = Math.min(gross - refunded, Number(c.dispute_lost_minor));
  const disputed = Math.min(gross - refunded - lost, Number(c.disputed_minor));
  return { gross, refunded, lost, disputed, raised: netOf(c) };
}

/** The figures as a campaign_totals row holds them. */
export function figuresOfTotals(row: Pick<CampaignTotalsTable, (typeof FIGURE_COLUMNS)[keyof Figures]>): Figures {
  const out = { ...ZERO };
  for (const name of FIGURE_NAMES) out[name] = Number(row[FIGURE_COLUMNS[name]]);
  return out;
}
