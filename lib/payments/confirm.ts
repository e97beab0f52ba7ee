// What a Checkout Session's state means for the ledger, decided in one place for the two
// callers that read sessions themselves: the thank-you page (confirmCheckout, right after a
// gift) and reconciliation (recordSessionState, for each session of a window). Both record
// through the webhook's idempotent steps, so neither can count a gift twice.
import type Stripe from 'stripe';
import type { TimeSource } from '../ledger/types.ts';
import {
  expireCheckoutSession,
  fulfilCheckoutSession,
  isOurs,
  recordPaidInvoice,
  type FulfilDeps,
  type FulfilOutcome,
} from './record-gifts.ts';

/** What the donor is told: the money is in, on its way (a bank debit), refused, not paid yet, or the checkout expired. */
export type SessionOutcome = 'paid' | 'processing' | 'failed' | 'not-paid' | 'expired';

export interface SessionState {
  outcome: SessionOutcome;
  /** What the ledger did; null for an open session (nothing to record yet). */
  recorded: FulfilOutcome | null;
}

const expanded = <T extends { id: string }>(ref: string | T | null | undefined): T | null =>
  ref && typeof ref === 'object' ? ref : null;

/**
 * Records what a retrieved session says. With its payment intent expanded, a debit that was
 * refused counts as failed; with its subscription's latest invoice expanded, a monthly gift's
 * first month is recorded too (else invoice.paid records it).
 */
export async function recordSessionState(
  deps: FulfilDeps,
  session: Stripe.Checkout.Session,
  observed: { occurredAt: Date; timeSource: TimeSource },
): Promise<SessionState> {
  if (session.status === 'open') return { outcome: 'not-paid', recorded: null };
  if (session.status === 'expired') {
    return {
      outcome: 'expired',
      recorded: await expireCheckoutSession(deps, session, { occurredAt: observed.occurredAt }),
    };
  }
  const intent = expanded(session.payment_intent);
  const refused =
    session.payment_status === 'unpaid' &&
    (intent?.status === 'requires_payment_method' || intent?.status === 'canceled');
  const recorded = await fulfilCheckoutSession(deps, { session, ...observed, failed: refused });
  const invoice = expanded(expanded(session.subscription)?.latest_invoice);
  if (invoice) await recordPaidInvoice(deps, { invoice, occurredAt: observed.occurredAt });
  if (session.payment_status === 'paid') return { outcome: 'paid', recorded };
  const failed = refused || (await deps.ledger.findGift(session.id))?.status === 'failed';
  return { outcome: failed ? 'failed' : 'processing', recorded };
}

export type Confirmation =
  | {
      kind: 'confirmed';
      outcome: SessionOutcome;
      monthly: boolean;
      amount: number;
      currency: string;
      email: string | null;
    }
  /** No such session, or not one of this fundraiser's. */
  | { kind: 'not-found' }
  /** Stripe did not answer: the gift (if any) is safe and will be recorded by the webhook. */
  | { kind: 'unavailable'; error: unknown };

/**
 * The thank-you page's question: what happened to this session? A one-off gift already
 * recorded as paid is answered from the ledger (reloads and shared links cost no call to
 * Stripe); otherwise the session is retrieved and recorded as it stands.
 */
export async function confirmCheckout(
  deps: FulfilDeps & { clock: () => Date },
  sessionId: string,
): Promise<Confirmation> {
  const known = await deps.ledger.findGift(sessionId);
  if (known?.status === 'paid') {
    const { amount_minor: amount, currency, email } = known;
    return { kind: 'confirmed', outcome: 'paid', monthly: false, amount: Number(amount), currency, email };
  }
  let session: Stripe.Checkout.Session;
  try {
    // The payment's balance transaction too: a gift in another currency counts at what it settled at.
    session = await deps.stripe.checkout.sessions.retrieve(sessionId, {
      expand: ['subscription.latest_invoice', 'payment_intent.latest_charge.balance_transaction'],
    });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return { kind: 'not-found' };
    return { kind: 'unavailable', error };
  }
  if (!isOurs(session.metadata, deps.fundraiser.id)) return { kind: 'not-found' };
  const { outcome } = await recordSessionState(deps, session, { occurredAt: deps.clock(), timeSource: 'clock' });
  return {
    kind: 'confirmed',
    outcome,
    monthly: session.mode === 'subscription',
    amount: session.amount_total ?? 0,
    currency: session.currency ?? deps.fundraiser.currency,
    email: session.customer_details?.email ?? null,
  };
}
