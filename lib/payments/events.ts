// Maps each Stripe event type the site cares about to the ledger call it makes. Types not
// in the map are acknowledged and change nothing. Every handler is idempotent and accepts
// its event in any order relative to the others.
//
// An event's object is rendered in its webhook endpoint's API version, which may not be the
// version the site pins (an endpoint made in the Dashboard takes the account's default).
// Such an object is read again through the API, which answers in the pinned version, so the
// handlers only ever see the shapes they were written for; the caller logs and counts it.
import type Stripe from 'stripe';
import { STRIPE_API_VERSION } from './stripe.ts';
import { RefusedFacts } from '../ledger/facts-check.ts';
import { recordChargeRefunds, recordChargeSettlement, recordDispute, type ChargeDeps } from './record-charges.ts';
import { recordRenewalFailure, recordSubscriptionState } from './record-pledges.ts';
import {
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

/**
 * A refund changed (made, failed, cancelled): its charge's cumulative refunded amount is re-read.
 * What is read is the charge as it is now, so it is timed by the moment of reading (never earlier
 * than the event): a refund failing in the same second as it was made still counts as failed.
 */
const refundChanged: Handler<Stripe.Refund> = async (deps, refund, source) => {
  const chargeId = typeof refund.charge === 'string' ? refund.charge : refund.charge?.id;
  if (!chargeId) return { result: 'ignored', reason: 'refund without a charge' };
  const readAt = deps.clock?.() ?? source.occurredAt;
  const charge = await deps.stripe.charges.retrieve(chargeId);
  const occurredAt = readAt > source.occurredAt ? readAt : source.occurredAt;
  return recordChargeRefunds(deps, charge, { ...source, occurredAt });
};

const handlers: { [T in Stripe.Event.Type]?: Handler<ObjectOf<T>> } = {
  'checkout.session.completed': session(false),
  'checkout.session.async_payment_succeeded': session(false),
  'checkout.session.async_payment_failed': session(true),
  'checkout.session.expired': (deps, s, source) => expireCheckoutSession(deps, s, source),
  'invoice.paid': (deps, invoice, source) =>
    recordPaidInvoice(deps, { invoice, occurredAt: source.occurredAt, event: source.event }),
  'invoice.payment_failed': recordRenewalFailure,
  // Each carries the subscription as it now is; its status says what the pledge is.
  'customer.subscription.updated': recordSubscriptionState,
  'customer.subscription.paused': recordSubscriptionState,
  'customer.subscription.resumed': recordSubscriptionState,
  'customer.subscription.deleted': recordSubscriptionState,
  'charge.refunded': (deps, charge, source) => recordChargeRefunds(deps, charge, source),
  // What a payment in another currency settled at (its balance transaction), which counts it:
  // charge.updated is how Stripe says a balance transaction that was null at payment is set.
  'charge.succeeded': recordChargeSettlement,
  'charge.updated': recordChargeSettlement,
  'charge.refund.updated': refundChanged,
  // Stripe's docs name these for every payment method (charge.refund.updated does not fire for
  // all of them): a refund that fails or is cancelled gives the money back. (refund.created is
  // not needed: charge.refunded, which carries the charge, comes with every new refund.)
  'refund.updated': refundChanged,
  'refund.failed': refundChanged,
  'charge.dispute.created': dispute,
  'charge.dispute.updated': dispute,
  'charge.dispute.closed': dispute,
  'charge.dispute.funds_withdrawn': dispute,
  'charge.dispute.funds_reinstated': dispute,
};

export const HANDLED_EVENT_TYPES = Object.keys(handlers) as Stripe.Event.Type[];

/** The object as the pinned API version renders it. */
async function inPinnedVersion(stripe: Stripe, object: { object?: string; id?: string }): Promise<unknown> {
  const id = object.id ?? '';
  switch (object.object) {
    case 'checkout.session':
      return stripe.checkout.sessions.retrieve(id);
    case 'invoice':
      return stripe.invoices.retrieve(id);
    case 'subscription':
      return stripe.subscriptions.retrieve(id);
    case 'charge':
      return stripe.charges.retrieve(id);
    case 'dispute':
      return stripe.disputes.retrieve(id);
    case 'refund':
      return stripe.refunds.retrieve(id);
    default:
      throw new RefusedFacts(`cannot read a ${String(object.object)} in API version ${STRIPE_API_VERSION}`);
  }
}

/** Stripe's answer that an object does not exist (404, resource_missing): asking again will not change it. */
function stripeKnowsNothingOf(err: unknown): boolean {
  const e = err as { type?: unknown; statusCode?: unknown };
  return e?.type === 'StripeInvalidRequestError' && e.statusCode === 404;
}

/**
 * Records the event; throws when recording fails so the caller answers 5xx and Stripe retries,
 * or throws RefusedFacts when retrying cannot help (impossible facts, an object Stripe does
 * not know), which the caller acknowledges and keeps for staff.
 */
export async function handleStripeEvent(deps: EventDeps, event: Stripe.Event): Promise<EventOutcome> {
  // Own keys only: an event type such as "constructor" must not reach Object.prototype.
  if (!Object.hasOwn(handlers, event.type)) return { result: 'unhandled-type' };
  const handler = handlers[event.type] as Handler<unknown>;
  try {
    const object = otherApiVersion(event) ? await inPinnedVersion(deps.stripe, event.data.object) : event.data.object;
    return await handler(deps, object, {
      occurredAt: new Date(event.created * 1000),
      event: { id: event.id, type: event.type },
    });
  } catch (err) {
    if (stripeKnowsNothingOf(err)) throw new RefusedFacts(`Stripe does not know it: ${(err as Error).message}`);
    // A field Stripe always sends is missing or of another type (null items, a null charge, an
    // id no URL can carry): the same on every retry. Failures a retry can fix are never these:
    // database, network and Stripe API errors have classes of their own.
    if (err instanceof TypeError || err instanceof URIError)
      throw new RefusedFacts(`the event's object cannot be read: ${err.message}`);
    throw err;
  }
}

/** The event was rendered in another API version than the one the site pins (null: the account's old default). */
export function otherApiVersion(event: Pick<Stripe.Event, 'api_version'>): boolean {
  return event.api_version !== STRIPE_API_VERSION;
}
