// What one contribution adds to its campaign's totals, and keeping those totals in step
// when a contribution changes. Everything here runs inside the caller's transaction.
import type { Transaction } from 'kysely';
import type { Contribution, Database } from '../db/schema.ts';

export type Trx = Transaction<Database>;

export interface Figures {
  raised: number;
  gross: number;
  refunded: number;
  disputed: number;
  lost: number;
}

const ZERO: Figures = { raised: 0, gross: 0, refunded: 0, disputed: 0, lost: 0 };

/** Only a paid gift inside a campaign counts; refunds and lost disputes come off it, never below zero. */
export function figuresOf(c: Pick<Contribution, 'status' | 'campaign_id' | 'amount_minor' | 'refunded_minor' | 'disputed_minor' | 'dispute_lost_minor'>): Figures {
  if (c.status !== 'paid' || c.campaign_id === null) return ZERO;
  const gross = Number(c.amount_minor);
  const refunded = Math.min(gross, Number(c.refunded_minor));
  const lost = Math.min(gross - refunded, Number(c.dispute_lost_minor));
  const disputed = Math.min(gross - refunded - lost, Number(c.disputed_minor));
  return { gross, refunded, lost, disputed, raised: gross - refunded - lost };
}

async function addToTotals(trx: Trx, campaignId: number | null, f: Figures, sign: 1 | -1, donors: number, at: string): Promise<void> {
  if (campaignId === null) return;
  if (!f.gross && !f.refunded && !f.disputed && !f.lost && !donors) return;
  await trx
    .updateTable('campaign_totals')
    .set((eb) => ({
      raised_minor: eb('raised_minor', '+', sign * f.raised),
      gross_minor: eb('gross_minor', '+', sign * f.gross),
      refunded_minor: eb('refunded_minor', '+', sign * f.refunded),
      disputed_minor: eb('disputed_minor', '+', sign * f.disputed),
      dispute_lost_minor: eb('dispute_lost_minor', '+', sign * f.lost),
      donors: eb('donors', '+', donors),
      updated_at: at,
    }))
    .where('campaign_id', '=', campaignId)
    .execute();
}

/** Moves the totals from what `before` contributed to what `after` contributes. */
export async function settleTotals(trx: Trx, before: Contribution | undefined, after: Contribution, at: string): Promise<void> {
  if (before) await addToTotals(trx, before.campaign_id, figuresOf(before), -1, 0, at);
  await addToTotals(trx, after.campaign_id, figuresOf(after), 1, 0, at);
  await recountDonor(trx, after.donor_key, after.campaign_id, at);
  if (before && before.campaign_id !== after.campaign_id) await recountDonor(trx, before.donor_key, before.campaign_id, at);
}

/**
 * A donor (one session, or one monthly pledge however many months it pays) counts once per
 * campaign while any of their gifts there still has money in it: one row carries the flag.
 */
async function recountDonor(trx: Trx, donorKey: string, campaignId: number | null, at: string): Promise<void> {
  if (campaignId === null) return;
  const rows = await trx
    .selectFrom('contributions')
    .selectAll()
    .where('donor_key', '=', donorKey)
    .where('campaign_id', '=', campaignId)
    .orderBy('id')
    .execute();
  const flagged = rows.filter((r) => Number(r.counted_donor) === 1);
  const counting = rows.filter((r) => figuresOf(r).raised > 0);
  const keep = flagged.find((r) => counting.includes(r)) ?? counting[0];
  for (const r of flagged) {
    if (r !== keep) await trx.updateTable('contributions').set({ counted_donor: 0 }).where('id', '=', r.id).execute();
  }
  if (keep && Number(keep.counted_donor) !== 1) await trx.updateTable('contributions').set({ counted_donor: 1 }).where('id', '=', keep.id).execute();
  const delta = (keep ? 1 : 0) - flagged.length;
  if (delta) await addToTotals(trx, campaignId, ZERO, 1, delta, at);
}

const OPEN_DISPUTE = new Set(['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review']);

/** Refunded, disputed and lost amounts from the charges and disputes linked to a gift. */
export async function adjustmentsFor(trx: Trx, link: { paymentIntentId: string | null; stripeId: string }) {
  const charges = await trx
    .selectFrom('ledger_charges')
    .select(['amount_refunded_minor'])
    .where((eb) => eb.or([eb('invoice_id', '=', link.stripeId), ...(link.paymentIntentId ? [eb('payment_intent_id', '=', link.paymentIntentId)] : [])]))
    .execute();
  const disputes = await trx
    .selectFrom('ledger_disputes')
    .select(['amount_minor', 'status'])
    .where((eb) => eb.or([eb('invoice_id', '=', link.stripeId), ...(link.paymentIntentId ? [eb('payment_intent_id', '=', link.paymentIntentId)] : [])]))
    .execute();
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    refunded_minor: sum(charges.map((c) => Number(c.amount_refunded_minor))),
    disputed_minor: sum(disputes.filter((d) => OPEN_DISPUTE.has(d.status)).map((d) => Number(d.amount_minor))),
    dispute_lost_minor: sum(disputes.filter((d) => d.status === 'lost').map((d) => Number(d.amount_minor))),
  };
}

/** Closed disputes never reopen: a late "needs_response" must not undo "lost" or "won". */
export function disputeRank(status: string): number {
  return OPEN_DISPUTE.has(status) ? 0 : 1;
}
