// Stripe's Checkout Sessions, invoices and subscriptions as ledger facts: the idempotent
// steps from "Stripe says this object is in state X" to the ledger, shared by the webhook,
// the thank-you page and reconciliation. Whichever arrives first records the gift, the
// others find it already recorded. Objects this fundraiser did not create are ignored.
import { RefusedFacts } from '../ledger/facts-check.ts';
import type Stripe from 'stripe';
import type { Config } from '../config.ts';
import type { EventRef, Ledger, RecordOutcome, TimeSource } from '../ledger/types.ts';
import { variantsOfMetadata } from '../experiments/assign.ts';
import { languageOf, readInvoiceSettlement, readPaymentSettlement, type SettlementFacts } from './settlement.ts';

/** Metadata every Checkout Session the site creates carries, so its events can be told apart. */
export const METADATA_FUNDRAISER = 'fundraiser';
/** Set when the donor added to cover fees: the gift chosen and the part added, minor units. */
export const METADATA_GIFT = 'gift_minor';
export const METADATA_FEE_COVER = 'fee_cover_minor';

/**
 * The part of a payment the donor added for fees, as the session's metadata says, only while
 * the payment is still exactly that gift plus that part (a pledge whose amount was changed in
 * the portal pays a plain price since): it is shown, never added, so a wrong 0 costs nothing.
 */
export function feeCoverOf(metadata: Stripe.Metadata | null | undefined, paidMinor: number): number {
  const gift = Number(metadata?.[METADATA_GIFT]);
  const cover = Number(metadata?.[METADATA_FEE_COVER]);
  if (!Number.isSafeInteger(gift) || !Number.isSafeInteger(cover) || cover <= 0 || gift <= 0) return 0;
  return gift + cover === paidMinor ? cover : 0;
}

export interface FulfilDeps {
  ledger: Ledger;
  fundraiser: Config['fundraiser'];
  /** To read what a payment in another currency settled at. */
  stripe: Stripe;
}

/**
 * What a paid gift in another currency than the campaign's settled at, read from Stripe; null
 * for a gift in the campaign's currency (it settles at its own amount), one whose settlement
 * the ledger already has (a replay costs no call), or while Stripe has none yet.
 */
async function settlementFor(
  deps: FulfilDeps,
  gift: { stripeId: string; currency: string },
  read: () => Promise<SettlementFacts | null>,
): Promise<SettlementFacts | null> {
  if (gift.currency === deps.fundraiser.currency) return null;
  const known = await deps.ledger.findGift(gift.stripeId);
  if (known && known.settled_minor !== null) return null;
  return read();
}

/** The event a call comes from, or none (thank-you page, reconciliation). */
export interface Source {
  occurredAt: Date;
  event?: EventRef;
}

/** What recording did; `warning` is for the log (something the site read but did not know). */
export type FulfilOutcome = ({ result: 'ignored'; reason: string } | RecordOutcome) & { warning?: string };

export function isOurs(metadata: Stripe.Metadata | null | undefined, fundraiserId: string): boolean {
  return metadata?.[METADATA_FUNDRAISER] === fundraiserId;
}

export interface SessionInput {
  session: Stripe.Checkout.Session;
  /** When the state was observed: the event's `created`, or the moment the page retrieved it. */
  occurredAt: Date;
  /** Where occurredAt comes from; an event's time is Stripe's own. Default: 'stripe' with an event, else 'clock'. */
  timeSource?: TimeSource;
  /** Set for async_payment_failed: the snapshot alone still says `unpaid`. */
  failed?: boolean;
  event?: EventRef;
}

export async function fulfilCheckoutSession(deps: FulfilDeps, input: SessionInput): Promise<FulfilOutcome> {
  const { session } = input;
  if (!isOurs(session.metadata, deps.fundraiser.id)) {
    return { result: 'ignored', reason: 'session was not created by this fundraiser' };
  }
  if (session.amount_total === null || session.currency === null) {
    throw new RefusedFacts(`session ${session.id} has no amount_total or currency`);
  }
  if (session.mode === 'subscription') {
    // Links the pledge to its donor and counts nothing: money comes from invoice.paid,
    // so month one is never counted twice.
    const subscriptionId = idOf(session.subscription);
    if (!subscriptionId) return { result: 'ignored', reason: 'subscription session without a subscription yet' };
    return deps.ledger.recordPledge(
      {
        subscriptionId,
        checkoutSessionId: session.id,
        customerId: idOf(session.customer),
        email: emailOf(session),
        currency: session.currency,
        amountMinor: session.amount_total,
      },
      input.event,
    );
  }
  if (session.mode !== 'payment') return { result: 'ignored', reason: `mode ${session.mode} is not a donation` };
  if (session.payment_status === 'no_payment_required') return { result: 'ignored', reason: 'no payment was required' };

  const status = session.payment_status === 'paid' ? 'paid' : input.failed ? 'failed' : 'pending';
  const gift = { stripeId: session.id, currency: session.currency };
  const settled =
    status === 'paid'
      ? await settlementFor(deps, gift, () => readPaymentSettlement(deps.stripe, session.payment_intent))
      : null;
  return deps.ledger.recordGift(
    {
      stripeId: session.id,
      checkoutSessionId: session.id,
      subscriptionId: null,
      donorKey: session.id,
      paymentIntentId: idOf(session.payment_intent),
      customerId: idOf(session.customer),
      email: emailOf(session),
      donorName: session.customer_details?.name ?? null,
      frequency: 'once',
      status,
      currency: session.currency,
      amountMinor: session.amount_total,
      feeCoverMinor: feeCoverOf(session.metadata, session.amount_total),
      ...settled,
      language: languageOf(session.metadata),
      variants: variantsOfMetadata(session.metadata),
      occurredAt: input.occurredAt,
      timeSource: input.timeSource ?? (input.event ? 'stripe' : 'clock'),
    },
    input.event,
  );
}

/** Closes a pending gift whose checkout expired. */
export async function expireCheckoutSession(
  deps: FulfilDeps,
  session: Stripe.Checkout.Session,
  source: Source,
): Promise<FulfilOutcome> {
  if (!isOurs(session.metadata, deps.fundraiser.id))
    return { result: 'ignored', reason: 'session was not created by this fundraiser' };
  return deps.ledger.expireSession(session.id, source.event);
}

/** A paid invoice of a monthly pledge: one month's gift, counted in the campaign of its payment. */
export async function recordPaidInvoice(
  deps: FulfilDeps,
  input: { invoice: Stripe.Invoice; occurredAt: Date; event?: EventRef },
): Promise<FulfilOutcome> {
  const { invoice } = input;
  const details = invoice.parent?.subscription_details;
  if (!details || !isOurs(details.metadata, deps.fundraiser.id)) {
    return { result: 'ignored', reason: 'invoice is not for a pledge of this fundraiser' };
  }
  if (invoice.status !== 'paid' || invoice.amount_paid <= 0) {
    return { result: 'ignored', reason: `invoice is ${invoice.status} with ${invoice.amount_paid} paid` };
  }
  const subscriptionId = idOf(details.subscription)!;
  const paidAt = invoice.status_transitions.paid_at;
  const gift = { stripeId: invoice.id, currency: invoice.currency };
  const settled = await settlementFor(deps, gift, () => readInvoiceSettlement(deps.stripe, invoice.id));
  return deps.ledger.recordGift(
    {
      stripeId: invoice.id,
      checkoutSessionId: null,
      subscriptionId,
      donorKey: subscriptionId,
      paymentIntentId: null,
      customerId: idOf(invoice.customer),
      email: invoice.customer_email,
      frequency: 'monthly',
      status: 'paid',
      currency: invoice.currency,
      amountMinor: invoice.amount_paid,
      feeCoverMinor: feeCoverOf(details.metadata, invoice.amount_paid),
      ...settled,
      language: languageOf(details.metadata),
      variants: variantsOfMetadata(details.metadata),
      // The invoice says when it was paid; that moment picks the campaign, whichever path records it.
      occurredAt: paidAt ? new Date(paidAt * 1000) : input.occurredAt,
      timeSource: paidAt || input.event ? 'stripe' : 'clock',
    },
    input.event,
  );
}

function emailOf(session: Stripe.Checkout.Session): string | null {
  return session.customer_details?.email ?? session.customer_email ?? null;
}

export function idOf(ref: string | { id?: string } | null | undefined): string | null {
  if (!ref) return null;
  return typeof ref === 'string' ? ref : (ref.id ?? null);
}
