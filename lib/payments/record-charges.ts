// Refunds and disputes arrive as charge and dispute events that do not say which gift they
// belong to. One-off gifts' charges carry the site's metadata (copied from the
// PaymentIntent); a monthly pledge's charges do not, so they are traced to their invoice
// through Stripe's API. Anything that traces to no gift of this fundraiser is ignored.
import type Stripe from 'stripe';
import type { Config } from '../config.ts';
import type { Ledger } from '../ledger/types.ts';
import { knownDisputeStatus } from '../ledger/adjustments.ts';
import { idOf, isOurs, METADATA_FUNDRAISER, type FulfilOutcome, type Source } from './record-gifts.ts';
import { readChargeSettlement, settlementOfCharge } from './settlement.ts';

export interface ChargeDeps {
  ledger: Ledger;
  fundraiser: Config['fundraiser'];
  stripe: Stripe;
  /** Our clock, to time what is read from Stripe now; without it, the event's time is used. */
  clock?: () => Date;
}

type Link = { paymentIntentId: string | null; invoiceId: string | null } | null;

async function linkOf(
  deps: ChargeDeps,
  paymentIntentId: string | null,
  metadata: Stripe.Metadata | null,
): Promise<Link> {
  if (metadata && isOurs(metadata, deps.fundraiser.id)) return { paymentIntentId, invoiceId: null };
  if (metadata?.[METADATA_FUNDRAISER]) return null; // another fundraiser on the same account
  if (!paymentIntentId) return null;
  const known = await deps.ledger.linkOfPayment(paymentIntentId);
  if (known) return known;
  // A subscription's charge: find its invoice, and whether that invoice is one of our pledges.
  const payments = await deps.stripe.invoicePayments.list({
    payment: { type: 'payment_intent', payment_intent: paymentIntentId },
    limit: 3,
  });
  for (const p of payments.data) {
    const invoiceId = idOf(p.invoice);
    if (!invoiceId) continue;
    if (await deps.ledger.knowsInvoice(invoiceId)) return { paymentIntentId, invoiceId };
    const invoice =
      typeof p.invoice === 'object' && 'parent' in p.invoice
        ? p.invoice
        : await deps.stripe.invoices.retrieve(invoiceId);
    if (isOurs(invoice.parent?.subscription_details?.metadata, deps.fundraiser.id))
      return { paymentIntentId, invoiceId };
  }
  return null;
}

/** charge.refunded (and reconciliation): stores Stripe's cumulative refunded amount. */
export async function recordChargeRefunds(
  deps: ChargeDeps,
  charge: Stripe.Charge,
  source: Source,
): Promise<FulfilOutcome> {
  // Reconciliation may list charges with their balance transaction; an event carries its id only.
  return recordChargeSnapshot(deps, charge, source, async () => settlementOfCharge(charge));
}

/**
 * charge.succeeded / charge.updated: a charge in another currency than the campaign's, once
 * Stripe has its balance transaction (set with the charge, or a moment later, which Stripe
 * announces with charge.updated), tells the ledger what its gift settled at. Stored with the
 * charge (with its refunded amount, a snapshot like any other), so a gift recorded later picks
 * it up; a gift waiting for it is counted now, once. A charge in the campaign's currency
 * settles at its own amount and costs no call.
 */
export async function recordChargeSettlement(
  deps: ChargeDeps,
  charge: Stripe.Charge,
  source: Source,
): Promise<FulfilOutcome> {
  if (charge.currency === deps.fundraiser.currency)
    return { result: 'ignored', reason: "a charge in the campaign's currency settles at its own amount" };
  if (!charge.balance_transaction) return { result: 'ignored', reason: 'Stripe has not settled the charge yet' };
  return recordChargeSnapshot(deps, charge, source, () => readChargeSettlement(deps.stripe, charge));
}

/** A charge of one of our gifts as the ledger keeps it: its refunded amount and what it settled at. */
async function recordChargeSnapshot(
  deps: ChargeDeps,
  charge: Stripe.Charge,
  source: Source,
  settlement: () => Promise<ReturnType<typeof settlementOfCharge>>,
): Promise<FulfilOutcome> {
  const link = await linkOf(deps, idOf(charge.payment_intent), charge.metadata);
  if (!link) return { result: 'ignored', reason: 'charge does not belong to a gift of this fundraiser' };
  return deps.ledger.recordCharge(
    {
      chargeId: charge.id,
      paymentIntentId: link.paymentIntentId,
      invoiceId: link.invoiceId,
      currency: charge.currency,
      amountMinor: charge.amount,
      amountRefundedMinor: charge.amount_refunded,
      ...(await settlement()),
      observedAt: source.occurredAt,
    },
    source.event,
  );
}

/** charge.dispute.* (and reconciliation): flags, subtracts (lost) or restores (won). */
export async function recordDispute(deps: ChargeDeps, dispute: Stripe.Dispute, source: Source): Promise<FulfilOutcome> {
  const chargeId = idOf(dispute.charge)!;
  let paymentIntentId = idOf(dispute.payment_intent);
  let metadata: Stripe.Metadata | null = null;
  if (!paymentIntentId || !(await deps.ledger.linkOfPayment(paymentIntentId))) {
    // The dispute itself names no campaign; its charge does (for one-off gifts).
    const charge = typeof dispute.charge === 'object' ? dispute.charge : await deps.stripe.charges.retrieve(chargeId);
    metadata = charge.metadata;
    paymentIntentId = paymentIntentId ?? idOf(charge.payment_intent);
  }
  const link = await linkOf(deps, paymentIntentId, metadata);
  if (!link) return { result: 'ignored', reason: 'dispute does not concern a gift of this fundraiser' };
  const outcome = await deps.ledger.recordDispute(
    {
      disputeId: dispute.id,
      chargeId,
      paymentIntentId: link.paymentIntentId,
      invoiceId: link.invoiceId,
      amountMinor: dispute.amount,
      status: dispute.status,
      observedAt: source.occurredAt,
    },
    source.event,
  );
  if (knownDisputeStatus(dispute.status)) return outcome;
  return {
    ...outcome,
    warning: `dispute ${dispute.id} has a status this site does not know (${dispute.status}): kept as open`,
  };
}
