// Maps each Stripe event type the site cares about to the ledger call it makes. Types not
// in the map are acknowledged and change nothing. Every handler is idempotent and accepts
// its event in any order relative to the others.
import type Stripe from 'stripe';
import { recordChargeRefunds, recordDispute, type ChargeDeps } from './record-charges.ts';
import {
  endPledge,
  expireCheckoutSession,
  fulfilCheckoutSession,
  recordPaidInvoice,
  type FulfilOutcome,
  type Source,
} from './record-gifts.ts';

export type EventDeps = ChargeDeps;

export type EventOutcome = FulfilOutcome | { result: 'unhandled-type' };

type ObjectOf<T extends Stripe.Event.Type> = Extract<Stripe.Event, { type: T }>['data']['object'];
type Handler<O> = (deps: EventDeps, object: O, source: Source) => Promise<FulfilOutcome>;

const session =
  (failed: boolean): Handler<Stripe.Checkout.Session> =>
  (deps, s, source) =>
    fulfilCheckoutSession(deps, { session: s, occurredAt: source.occurredAt, failed, event: source.event });

const dispute: Handler<Stripe.Dispute> = (deps, d, source) => recordDispute(deps, d, source);

const handlers: { [T in Stripe.Event.Type]?: Handler<ObjectOf<T>> } = {
  'checkout.session.completed': session(false),
  'checkout.session.async_payment_succeeded': session(false),
  'checkout.session.async_payment_failed': session(true),
  'checkout.session.expired': (deps, s, source) => expireCheckoutSession(deps, s, source),
  'invoice.paid': (deps, invoice, source) =>
    recordPaidInvoice(deps, { invoice, occurredAt: source.occurredAt, event: source.event }),
  'customer.subscription.deleted': (deps, sub, source) => endPledge(deps, sub, source),
  'charge.refunded': (deps, charge, source) => recordChargeRefunds(deps, charge, source),
  'charge.refund.updated': async (deps, refund, source) => {
    // A refund that failed or was cancelled changes the charge's cumulative amount: re-read it.
    const chargeId = typeof refund.charge === 'string' ? refund.charge : refund.charge?.id;
    if (!chargeId) return { result: 'ignored', reason: 'refund without a charge' };
    return recordChargeRefunds(deps, await deps.stripe.charges.retrieve(chargeId), source);
  },
  'charge.dispute.created': dispute,
  'charge.dispute.updated': dispute,
  'charge.dispute.closed': dispute,
  'charge.dispute.funds_withdrawn': dispute,
  'charge.dispute.funds_reinstated': dispute,
};

export const HANDLED_EVENT_TYPES = Object.keys(handlers) as Stripe.Event.Type[];

/** Records the event; throws when recording fails so the caller answers 5xx and Stripe retries. */
export async function handleStripeEvent(deps: EventDeps, event: Stripe.Event): Promise<EventOutcome> {
  const handler = handlers[event.type] as Handler<unknown> | undefined;
  if (!handler) return { result: 'unhandled-type' };
  return handler(deps, event.data.object, {
    occurredAt: new Date(event.created * 1000),
    event: { id: event.id, type: event.type },
  });
}
