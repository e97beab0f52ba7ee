// One idempotent entry point from "Stripe says this Checkout Session is in state X" to the
// ledger, shared by the webhook and (later) the thank-you page and reconciliation.
import type Stripe from 'stripe';
import type { Config } from '../config.ts';
import type { EventRef, Ledger, RecordOutcome } from '../ledger/index.ts';

/** Metadata every Checkout Session the site creates carries, so its events can be told apart. */
export const METADATA_FUNDRAISER = 'fundraiser';
export const METADATA_CAMPAIGN = 'campaign';

export type FulfilOutcome =
  | { result: 'ignored'; reason: string }
  | RecordOutcome;

export function isOurs(metadata: Stripe.Metadata | null | undefined, fundraiserId: string): boolean {
  return metadata?.[METADATA_FUNDRAISER] === fundraiserId;
}

export interface FulfilInput {
  session: Stripe.Checkout.Session;
  /** When the state was observed: the event's `created`, or the moment the page retrieved it. */
  occurredAt: Date;
  /** Set for async_payment_failed: the snapshot alone still says `unpaid`. */
  failed?: boolean;
  event?: EventRef;
}

export async function fulfillCheckoutSession(
  deps: { ledger: Ledger; fundraiser: Config['fundraiser'] },
  input: FulfilInput,
): Promise<FulfilOutcome> {
  const { session } = input;
  if (!isOurs(session.metadata, deps.fundraiser.id)) {
    return { result: 'ignored', reason: 'session was not created by this fundraiser' };
  }
  if (session.mode !== 'payment') {
    return { result: 'ignored', reason: `mode ${session.mode} is not handled here` };
  }
  if (session.amount_total === null || session.currency === null) {
    throw new Error(`session ${session.id} has no amount_total or currency`);
  }
  if (session.payment_status === 'no_payment_required') {
    return { result: 'ignored', reason: 'no payment was required' };
  }
  const status = session.payment_status === 'paid' ? 'paid' : input.failed ? 'failed' : 'pending';
  return deps.ledger.recordGift(
    {
      stripeId: session.id,
      checkoutSessionId: session.id,
      paymentIntentId: idOf(session.payment_intent),
      customerId: idOf(session.customer),
      email: session.customer_details?.email ?? session.customer_email ?? null,
      frequency: 'once',
      status,
      currency: session.currency,
      amountMinor: session.amount_total,
      occurredAt: input.occurredAt,
    },
    input.event,
  );
}

export function idOf(ref: string | { id: string } | null | undefined): string | null {
  if (!ref) return null;
  return typeof ref === 'string' ? ref : ref.id;
}
