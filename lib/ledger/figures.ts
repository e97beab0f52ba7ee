// What one contribution adds to its campaign's totals, and keeping those totals in step
// when a contribution changes. Everything here runs inside the caller's transaction, as
// plain SQL (lib/db/statements.ts: this is the webhook's path).
import type { LedgerTx } from '../db/statements.ts';
import type { Contribution } from '../db/schema.ts';

export type Trx = LedgerTx;

export interface Figures {
  raised: number;
  gross: number;
  refunded: number;
  disputed: number;
  lost: number;
}

const ZERO: Figures = { raised: 0, gross: 0, refunded: 0, disputed: 0, lost: 0 };

type FigureColumns = 'status' | 'campaign_id' | 'amount_minor' | 'refunded_minor' | 'disputed_minor' | 'dispute_lost_minor';

/** Only a paid gift inside a campaign counts; refunds and lost disputes come off it, never below zero. */
export function figuresOf(c: Pick<Contribution, FigureColumns>): Figures {
  if (c.status !== 'paid' || c.campaign_id === null) return ZERO;
  const gross = Number(c.amount_minor);
  const refunded = Math.min(gross, Number(c.refunded_minor));
  const lost = Math.min(gross - refunded, Number(c.dispute_lost_minor));
  const disputed = Math.min(gross - refunded - lost, Number(c.disputed_minor));
  return { gross, refunded, lost, disputed, raised: gross - refunded - lost };
}

interface Change extends Figures {
  donors: number;
}

const ADD_TO_TOTALS =
  'update campaign_totals set raised_minor = raised_minor + ?, gross_minor = gross_minor + ?, refunded_minor = refunded_minor + ?, ' +
  'disputed_minor = disputed_minor + ?, dispute_lost_minor = dispute_lost_minor + ?, donors = donors + ?, updated_at = ? where campaign_id = ?';

/**
 * Moves the totals from what `before` contributed to what `after` contributes: one update per
 * campaign touched. A change that moves no figure (a better paid-at time in the same
 * campaign) leaves the totals row, and so the public updatedAt, as it was.
 */
export async function settleTotals(trx: Trx, before: Contribution | undefined, after: Contribution, at: string): Promise<void> {
  const changes = new Map<number, Change>();
  const add = (campaignId: number | null, f: Figures, sign: 1 | -1, donors = 0) => {
    if (campaignId === null) return;
    const c = changes.get(campaignId) ?? { raised: 0, gross: 0, refunded: 0, disputed: 0, lost: 0, donors: 0 };
    c.raised += sign * f.raised;
    c.gross += sign * f.gross;
    c.refunded += sign * f.refunded;
    c.disputed += sign * f.disputed;
    c.lost += sign * f.lost;
    c.donors += donors;
    changes.set(campaignId, c);
  };
  if (before) add(before.campaign_id, figuresOf(before), -1);
  add(after.campaign_id, figuresOf(after), 1);
  add(after.campaign_id, ZERO, 1, await recountDonor(trx, after.donor_key, after.campaign_id));
  if (before && before.campaign_id !== after.campaign_id) add(before.campaign_id, ZERO, 1, await recountDonor(trx, before.donor_key, before.campaign_id));
  for (const [campaignId, c] of changes) {
    if (!c.raised && !c.gross && !c.refunded && !c.disputed && !c.lost && !c.donors) continue;
    await trx.run(ADD_TO_TOTALS, [c.raised, c.gross, c.refunded, c.disputed, c.lost, c.donors, at, campaignId]);
  }
}

/**
 * A donor (one session, or one monthly pledge however many months it pays) counts once per
 * campaign while any of their gifts there still has money in it: one row carries the flag.
 * Returns how the campaign's donor count changes.
 */
async function recountDonor(trx: Trx, donorKey: string, campaignId: number | null): Promise<number> {
  if (campaignId === null) return 0;
  const rows = await trx.all<Pick<Contribution, 'id' | 'counted_donor' | FigureColumns>>(
    'select id, counted_donor, status, campaign_id, amount_minor, refunded_minor, disputed_minor, dispute_lost_minor from contributions where donor_key = ? and campaign_id = ? order by id',
    [donorKey, campaignId],
  );
  const flagged = rows.filter((r) => Number(r.counted_donor) === 1);
  const counting = rows.filter((r) => figuresOf(r).raised > 0);
  const keep = flagged.find((r) => counting.includes(r)) ?? counting[0];
  for (const r of flagged) {
    if (r !== keep) await trx.run('update contributions set counted_donor = 0 where id = ?', [r.id]);
  }
  if (keep && Number(keep.counted_donor) !== 1) await trx.run('update contributions set counted_donor = 1 where id = ?', [keep.id]);
  return (keep ? 1 : 0) - flagged.length;
}

const OPEN_DISPUTE = new Set(['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review']);

// A gift's charges and disputes, in one statement. A null payment intent matches nothing.
const ADJUSTMENTS =
  "select 'charge' as kind, amount_refunded_minor as amount, '' as status from ledger_charges where invoice_id = ? or payment_intent_id = ? " +
  "union all select 'dispute' as kind, amount_minor as amount, status from ledger_disputes where invoice_id = ? or payment_intent_id = ?";

/** Refunded, disputed and lost amounts from the charges and disputes linked to a gift. */
export async function adjustmentsFor(trx: Trx, link: { paymentIntentId: string | null; stripeId: string }) {
  const rows = await trx.all<{ kind: 'charge' | 'dispute'; amount: number; status: string }>(ADJUSTMENTS, [link.stripeId, link.paymentIntentId, link.stripeId, link.paymentIntentId]);
  let refunded = 0;
  let disputed = 0;
  let lost = 0;
  for (const r of rows) {
    const amount = Number(r.amount);
    if (r.kind === 'charge') refunded += amount;
    else if (OPEN_DISPUTE.has(r.status)) disputed += amount;
    else if (r.status === 'lost') lost += amount;
  }
  return { refunded_minor: refunded, disputed_minor: disputed, dispute_lost_minor: lost };
}

/** Closed disputes never reopen: a late "needs_response" must not undo "lost" or "won". */
export function disputeRank(status: string): number {
  return OPEN_DISPUTE.has(status) ? 0 : 1;
}
