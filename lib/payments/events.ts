// Maps each Stripe event type the site cares about to the ledger call it makes. Types not
// in the map are acknowledged and change nothing.
import type Stripe from 'stripe';
import type { Config } from '../config.ts';
import type { Ledger } from '../ledger/index.ts';
import { fulfillCheckoutSession, recordPaidInvoice, type FulfilOutcome } from './fulfill.ts';

export interface EventDeps {
  ledger: Ledger;
  fundraiser: Config['fundraiser'];
}

export type EventOutcome = FulfilOutcome | { result: 'unhandled-type' };

type Handler = (deps: EventDeps, event: Stripe.Event) => Promise<FulfilOutcome>;

const sessionEvent =
  (failed: boolean): Handler =>
  (deps, event) =>
    fulfillCheckoutSession(deps, {
      session: event.data.object as Stripe.Checkout.Session,
      occurredAt: new Date(event.created * 1000),
      failed,
      event: { id: event.id, type: event.type },
    });

const handlers: Partial<Record<Stripe.Event.Type, Handler>> = {
  'checkout.session.completed': sessionEvent(false),
  'checkout.session.async_payment_succeeded': sessionEvent(false),
  'checkout.session.async_payment_failed': sessionEvent(true),
  'invoice.paid': (deps, event) =>
    recordPaidInvoice(deps, {
      invoice: event.data.object as Stripe.Invoice,
      occurredAt: new Date(event.created * 1000),
      event: { id: event.id, type: event.type },
    }),
};

export function handlesEventType(type: string): boolean {
  return type in handlers;
}

/** Records the event; throws when recording fails so the caller answers 5xx and Stripe retries. */
export async function handleStripeEvent(deps: EventDeps, event: Stripe.Event): Promise<EventOutcome> {
  const handler = handlers[event.type];
  if (!handler) return { result: 'unhandled-type' };
  return handler(deps, event);
}
