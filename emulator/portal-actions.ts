// What a donor changes in the Customer Portal, each as the configuration allows and with the
// events Stripe sends (through renewals.ts, as the API's own changes do):
// - cancel: at the period's end (customer.subscription.updated: cancel_at_period_end, cancel_at,
//   canceled_at, cancellation_details) or at once when the configuration's mode is `immediately`
//   (customer.subscription.deleted); the reason and comment go to cancellation_details.
// - resume a subscription set to end ("don't cancel"): customer.subscription.updated.
// - change the amount to another configured price: customer.subscription.updated (items); with
//   proration_behavior `none` nothing is invoiced now and the next renewal charges the new price.
// - update the card: payment_method.attached, customer.updated (invoice_settings.default_payment_method),
//   customer.subscription.updated for each subscription that named its own card, and the open
//   invoice of a past-due subscription is paid with it (renew(): charge, invoice.paid, active again).
import type Stripe from 'stripe';
import { cardPaymentMethod, type TestCard } from './catalog-objects.ts';
import { cancel, renew, updateSubscription, type CancellationFeedback } from './renewals.ts';
import { EmulatorError, type EmulatorState } from './state.ts';

type Configuration = Stripe.BillingPortal.Configuration;

/** A subscription that can still change: not ended. */
export const isLive = (sub: Stripe.Subscription) => sub.status !== 'canceled' && sub.status !== 'incomplete_expired';

/** The customer's subscriptions, newest first. */
export function subscriptionsOf(state: EmulatorState, customer: string): Stripe.Subscription[] {
  return [...state.subscriptions.values()].filter((s) => s.customer === customer).reverse();
}

/** The customer's invoices that were paid or are still due, newest first. */
export function invoicesOf(state: EmulatorState, customer: string): Stripe.Invoice[] {
  return [...state.invoices.values()]
    .filter((i) => i.customer === customer && (i.status === 'paid' || i.status === 'open'))
    .reverse();
}

/** The customer's subscription by id; anything else (another customer's) is refused as unknown. */
export function ownSubscription(state: EmulatorState, customer: string, id: string): Stripe.Subscription {
  const sub = state.subscriptions.get(id);
  if (!sub || sub.customer !== customer) throw new EmulatorError(404, 'No such subscription.');
  return sub;
}

const productOf = (sub: Stripe.Subscription) => {
  const product = sub.items.data[0]?.price.product;
  return typeof product === 'string' ? product : product?.id;
};

/** The prices the configuration lets this subscription switch to (none unless its product is listed). */
export function switchablePrices(
  state: EmulatorState,
  config: Configuration,
  sub: Stripe.Subscription,
): Stripe.Price[] {
  const update = config.features.subscription_update;
  const products = update.products ?? [];
  if (!update.enabled || !update.default_allowed_updates.includes('price')) return [];
  if (!products.some((p) => p.product === productOf(sub))) return [];
  return products
    .flatMap((p) => p.prices)
    .map((id) => state.prices.get(id))
    .filter((p): p is Stripe.Price => !!p && p.active && !!p.recurring && p.currency === sub.currency);
}

export function cancelSubscription(
  state: EmulatorState,
  config: Configuration,
  sub: Stripe.Subscription,
  said: CancellationFeedback,
): Stripe.Subscription {
  const feature = config.features.subscription_cancel;
  if (!feature.enabled || !isLive(sub) || sub.cancel_at_period_end)
    throw new EmulatorError(400, 'This subscription cannot be cancelled here.');
  const reason = feature.cancellation_reason;
  if (said.feedback && (!reason.enabled || !reason.options.includes(said.feedback)))
    throw new EmulatorError(400, 'That reason is not one of the options.');
  if (feature.mode === 'immediately') return cancel(state, sub.id, said);
  const cancellation_details = { feedback: said.feedback ?? '', comment: said.comment ?? '' };
  return updateSubscription(state, sub.id, { cancel_at_period_end: 'true', cancellation_details });
}

export function resumeSubscription(state: EmulatorState, sub: Stripe.Subscription): Stripe.Subscription {
  if (!isLive(sub) || !sub.cancel_at_period_end)
    throw new EmulatorError(400, 'This subscription is not set to be cancelled.');
  return updateSubscription(state, sub.id, { cancel_at_period_end: 'false' });
}

export function changePrice(
  state: EmulatorState,
  config: Configuration,
  sub: Stripe.Subscription,
  priceId: string,
): Stripe.Subscription {
  const item = sub.items.data[0];
  if (!item || !isLive(sub) || sub.cancel_at_period_end)
    throw new EmulatorError(400, 'This subscription cannot be changed here.');
  if (!switchablePrices(state, config, sub).some((p) => p.id === priceId))
    throw new EmulatorError(400, 'That price is not one of the options.');
  if (item.price.id === priceId) return sub;
  const proration_behavior = config.features.subscription_update.proration_behavior;
  return updateSubscription(state, sub.id, { items: [{ id: item.id, price: priceId }], proration_behavior });
}

/** The donor's new card becomes the default everywhere it was; a past-due renewal is paid with it. */
export function updateCard(state: EmulatorState, customerId: string, card: TestCard): Stripe.PaymentMethod {
  const customer = state.customers.get(customerId);
  if (!customer) throw new EmulatorError(404, 'No such customer.');
  const pm = cardPaymentMethod(customer.id, card, { email: customer.email ?? null, name: customer.name ?? null });
  state.paymentMethods.set(pm.id, pm);
  state.emit('payment_method.attached', pm);
  // previous_attributes holds the whole invoice_settings as it was (the SDK types it whole).
  const before = structuredClone(customer.invoice_settings);
  customer.invoice_settings.default_payment_method = pm.id;
  state.emit('customer.updated', customer, { invoice_settings: before });
  for (const sub of subscriptionsOf(state, customer.id).filter(isLive)) {
    if (sub.default_payment_method) updateSubscription(state, sub.id, { default_payment_method: pm.id });
    const open = state.invoices.get(String(sub.latest_invoice));
    if ((sub.status === 'past_due' || sub.status === 'unpaid') && open?.status === 'open') renew(state, sub.id);
  }
  return pm;
}
