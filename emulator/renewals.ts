// A pledge's life after checkout, as Stripe Billing lives it: a month renews (paid), a renewal
// fails and is retried ("Smart Retries" or a fixed schedule) with the subscription past due,
// and when the retries run out the subscription is cancelled, marked unpaid or left past due,
// per the account's setting (`state.dunning`). The donor or staff may set a pledge to cancel
// at the period's end or pause its collection (POST /v1/subscriptions/:id). Each change sends
// the events Stripe sends.
import type Stripe from 'stripe';
import * as billing from './billing-objects.ts';
import * as make from './objects.ts';
import { EmulatorError, found, type EmulatorState } from './state.ts';

/** What Stripe does when a renewal's last retry fails (Dashboard: Billing > Revenue recovery). */
export interface Dunning {
  /** Retries after the first failed attempt. */
  retries: number;
  then: 'cancel' | 'unpaid' | 'past_due';
}

const DAY = 86_400;
const emailOf = (state: EmulatorState, sub: Stripe.Subscription) =>
  state.customers.get(String(sub.customer))?.email ?? null;

function subscriptionOf(state: EmulatorState, id: string): Stripe.Subscription {
  return found(state.subscriptions.get(id), 'subscription', id);
}

/** The monthly amount: the subscription's price (what a donor last chose), else its first invoice's. */
function monthlyAmount(state: EmulatorState, sub: Stripe.Subscription): number {
  const item = sub.items.data[0];
  if (item?.price.unit_amount != null) return item.price.unit_amount * (item.quantity ?? 1);
  return state.invoices.get(String(sub.latest_invoice))?.amount_due ?? 0;
}

/** A renewal Stripe has not collected yet: open, nothing paid, no attempt made. */
function newOpenInvoice(
  state: EmulatorState,
  sub: Stripe.Subscription,
  amount: number,
  email: string | null,
): Stripe.Invoice {
  const inv = billing.subscriptionInvoice(sub, amount, 'subscription_cycle', email, {
    amount_paid: 0,
    amount_remaining: amount,
    attempt_count: 0,
    attempted: false,
    status: 'open',
  });
  inv.status_transitions.paid_at = null;
  state.invoices.set(inv.id, inv);
  sub.latest_invoice = inv.id;
  return inv;
}

/** An open invoice is paid at last (a retry that worked). */
function chargeOpenInvoice(
  state: EmulatorState,
  sub: Stripe.Subscription,
  inv: Stripe.Invoice,
  email: string | null,
): void {
  const pi = make.paymentIntent({
    amount: inv.amount_due,
    currency: sub.currency,
    customer: String(sub.customer),
    description: `Invoice ${inv.id}`,
  });
  state.paymentIntents.set(pi.id, pi);
  state.succeedPaymentIntent(pi, email);
  const payment = billing.invoicePayment({
    invoice: inv.id,
    paymentIntent: pi.id,
    amount: inv.amount_due,
    currency: sub.currency,
  });
  state.invoicePayments.set(payment.id, payment);
  inv.status = 'paid';
  inv.amount_paid = inv.amount_due;
  inv.amount_remaining = 0;
  inv.next_payment_attempt = null;
  inv.status_transitions.paid_at = make.nowSeconds();
}

/** A card payment that the bank declines (a renewal's attempt). */
function failPayment(
  state: EmulatorState,
  sub: Stripe.Subscription,
  amount: number,
  email: string | null,
  description: string,
): void {
  const pi = make.paymentIntent({ amount, currency: sub.currency, customer: String(sub.customer), description });
  const ch = make.charge({
    amount,
    currency: sub.currency,
    payment_intent: pi.id,
    customer: String(sub.customer),
    receipt_email: email,
    status: 'failed',
    paid: false,
    captured: false,
    amount_captured: 0,
    failure_code: 'card_declined',
    failure_message: 'Your card was declined.',
  });
  pi.status = 'requires_payment_method';
  pi.latest_charge = ch.id;
  state.paymentIntents.set(pi.id, pi);
  state.charges.set(ch.id, ch);
  state.emit('charge.failed', ch);
  state.emit('payment_intent.payment_failed', pi);
}

/** The renewal Stripe is still trying to collect, if any. */
function openInvoice(state: EmulatorState, sub: Stripe.Subscription): Stripe.Invoice | undefined {
  const inv = state.invoices.get(String(sub.latest_invoice));
  return inv?.status === 'open' ? inv : undefined;
}

function setStatus(state: EmulatorState, sub: Stripe.Subscription, status: Stripe.Subscription.Status): void {
  if (sub.status === status) return;
  const previous = { status: sub.status };
  sub.status = status;
  state.emit('customer.subscription.updated', sub, previous);
}

/** The top-level fields of `after` that differ from `before`, with their values before. */
export function changedFrom<T extends object>(before: T, after: T): Partial<T> {
  const keys = Object.keys(after) as Array<keyof T>;
  const changed = keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  return Object.fromEntries(changed.map((k) => [k, before[k]])) as Partial<T>;
}

function refuseUnlessRenewing(sub: Stripe.Subscription): void {
  if (sub.pause_collection)
    throw new EmulatorError(400, `Collection is paused on subscription ${sub.id}; no invoice is charged.`);
  if (sub.cancel_at_period_end || sub.cancel_at !== null)
    throw new EmulatorError(400, `Subscription ${sub.id} ends at the end of its period instead of renewing.`);
}

/** Another month of a pledge is charged, or the renewal being retried is paid at last. */
export function renew(state: EmulatorState, subscriptionId: string): Stripe.Invoice {
  const sub = subscriptionOf(state, subscriptionId);
  const open = openInvoice(state, sub);
  if (open && (sub.status === 'past_due' || sub.status === 'unpaid')) {
    // A retry succeeds (or the donor's new card pays the invoice): the pledge is giving again.
    open.attempt_count += 1;
    chargeOpenInvoice(state, sub, open, emailOf(state, sub));
    state.emit('invoice.paid', open);
    setStatus(state, sub, 'active');
    return open;
  }
  if (sub.status !== 'active') throw new EmulatorError(400, `Subscription ${sub.id} is ${sub.status}.`);
  refuseUnlessRenewing(sub);
  billing.advancePeriod(sub);
  const inv = state.chargeInvoice(sub, monthlyAmount(state, sub), 'subscription_cycle', emailOf(state, sub));
  state.emit('invoice.paid', inv);
  return inv;
}

/** A renewal's payment fails: its first attempt, or the next retry of the invoice still open. */
export function failRenewal(state: EmulatorState, subscriptionId: string): Stripe.Invoice {
  const sub = subscriptionOf(state, subscriptionId);
  if (sub.status !== 'active' && sub.status !== 'past_due')
    throw new EmulatorError(400, `Subscription ${sub.id} is ${sub.status}; Stripe does not retry it.`);
  let inv = openInvoice(state, sub);
  if (!inv) {
    refuseUnlessRenewing(sub);
    billing.advancePeriod(sub);
    inv = newOpenInvoice(state, sub, monthlyAmount(state, sub), emailOf(state, sub));
  }
  inv.attempt_count += 1;
  inv.attempted = true;
  failPayment(state, sub, inv.amount_due, emailOf(state, sub), `Invoice ${inv.id}`);
  const exhausted = inv.attempt_count > state.dunning.retries;
  // Stripe's retry schedule spreads the attempts over days; the exact days do not matter here.
  inv.next_payment_attempt = exhausted ? null : make.nowSeconds() + 3 * DAY * inv.attempt_count;
  state.emit('invoice.payment_failed', inv);
  if (!exhausted || state.dunning.then === 'past_due') setStatus(state, sub, 'past_due');
  else if (state.dunning.then === 'unpaid') setStatus(state, sub, 'unpaid');
  else cancel(state, sub.id, {}, 'payment_failed');
  return inv;
}

/** What the donor said when cancelling (the Customer Portal asks; the API takes it too). */
export interface CancellationFeedback {
  feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
  comment?: string | null;
}

/** Stripe's cancellation feedback values (the portal's cancellation reasons are the same). */
export const CANCELLATION_FEEDBACK = [
  'customer_service',
  'low_quality',
  'missing_features',
  'other',
  'switched_service',
  'too_complex',
  'too_expensive',
  'unused',
] as const;

/** cancellation_details[feedback|comment] as the API takes them; '' clears one. */
export function feedbackParam(v: unknown): CancellationFeedback {
  const p = (typeof v === 'object' && v ? v : {}) as Record<string, unknown>;
  const feedback = p.feedback === undefined || p.feedback === '' ? null : p.feedback;
  if (feedback !== null && !CANCELLATION_FEEDBACK.includes(feedback as never))
    throw new EmulatorError(
      400,
      `Invalid cancellation_details[feedback]: must be one of ${CANCELLATION_FEEDBACK.join(', ')}`,
      'invalid_request_error',
      'parameter_invalid',
      'cancellation_details[feedback]',
    );
  const comment = typeof p.comment === 'string' && p.comment !== '' ? p.comment.slice(0, 5000) : null;
  return { feedback: feedback as CancellationFeedback['feedback'], comment };
}

function cancellationDetails(
  said: CancellationFeedback,
  reason: Stripe.Subscription.CancellationDetails.Reason | null,
): Stripe.Subscription.CancellationDetails {
  return { comment: said.comment || null, feedback: said.feedback || null, feedback_option: null, reason };
}

/** The subscription ends now (DELETE /v1/subscriptions/:id, the portal's "cancel now", or the last failed retry). */
export function cancel(
  state: EmulatorState,
  subscriptionId: string,
  said: CancellationFeedback = {},
  reason: Stripe.Subscription.CancellationDetails.Reason = 'cancellation_requested',
): Stripe.Subscription {
  const sub = subscriptionOf(state, subscriptionId);
  if (sub.status === 'canceled') throw new EmulatorError(400, `Subscription ${sub.id} is already canceled.`);
  sub.status = 'canceled';
  sub.canceled_at = make.nowSeconds();
  sub.ended_at = make.nowSeconds();
  sub.cancellation_details = cancellationDetails(said, reason);
  state.emit('customer.subscription.deleted', sub);
  return sub;
}

const truthy = (v: unknown) => v === true || v === 'true';

/** items[0][id]=si_...&items[0][price]=price_...: the item charges another recurring price of the same currency. */
function switchItemPrice(state: EmulatorState, sub: Stripe.Subscription, items: unknown, proration: unknown): void {
  const list = Array.isArray(items)
    ? (items as unknown[])
    : typeof items === 'object' && items
      ? Object.values(items)
      : [];
  const wanted = (list[0] ?? {}) as Record<string, unknown>;
  const item = sub.items.data.find((i) => i.id === wanted.id);
  if (list.length !== 1 || !item)
    throw new EmulatorError(
      400,
      'The emulator changes one existing item: items[0][id] and items[0][price].',
      'invalid_request_error',
      'parameter_invalid',
      'items',
    );
  const priceId = String(wanted.price ?? '');
  const price = state.prices.get(priceId);
  if (!price)
    throw new EmulatorError(
      400,
      `No such price: '${priceId}'`,
      'invalid_request_error',
      'resource_missing',
      'items[0][price]',
    );
  if (!price.recurring || price.currency !== sub.currency)
    throw new EmulatorError(
      400,
      `The price ${priceId} must be recurring and in ${sub.currency}.`,
      'invalid_request_error',
      'parameter_invalid',
      'items[0][price]',
    );
  if (
    proration !== undefined &&
    proration !== 'none' &&
    proration !== 'create_prorations' &&
    proration !== 'always_invoice'
  )
    throw new EmulatorError(
      400,
      'Invalid proration_behavior: must be one of always_invoice, create_prorations, or none',
      'invalid_request_error',
      'parameter_invalid',
      'proration_behavior',
    );
  billing.switchPrice(item, price);
}

/**
 * POST /v1/subscriptions/:id: what the Customer Portal and staff change on a pledge. Supported:
 * cancel_at_period_end (with cancellation_details[feedback|comment]), pause_collection[behavior]
 * (or '' to resume), items[0][id|price] with proration_behavior (only `none` is emulated: the
 * new price is charged from the next renewal on, nothing is invoiced now), default_payment_method,
 * metadata.
 */
export function updateSubscription(
  state: EmulatorState,
  subscriptionId: string,
  params: Record<string, unknown>,
): Stripe.Subscription {
  const sub = subscriptionOf(state, subscriptionId);
  if (sub.status === 'canceled')
    throw new EmulatorError(
      400,
      'A canceled subscription can only update its cancellation_details and metadata.',
      'invalid_request_error',
      'resource_missing',
    );
  const before = structuredClone(sub);
  try {
    applyUpdate(state, sub, params);
  } catch (err) {
    // Stripe refuses the whole request: nothing of it stays.
    Object.assign(sub, before);
    throw err;
  }
  const previous = changedFrom(before, sub);
  if (Object.keys(previous).length) state.emit('customer.subscription.updated', sub, previous);
  return sub;
}

function applyUpdate(state: EmulatorState, sub: Stripe.Subscription, params: Record<string, unknown>): void {
  const details = params.cancellation_details === undefined ? undefined : feedbackParam(params.cancellation_details);
  if (params.cancel_at_period_end !== undefined) {
    const ending = truthy(params.cancel_at_period_end);
    sub.cancel_at_period_end = ending;
    // Stripe sets cancel_at to the period's end alongside the flag, and forgets why when it is undone.
    sub.cancel_at = ending ? (sub.items.data[0]?.current_period_end ?? null) : null;
    sub.canceled_at = ending ? make.nowSeconds() : null;
    sub.cancellation_details = cancellationDetails(
      ending ? (details ?? {}) : {},
      ending ? 'cancellation_requested' : null,
    );
  } else if (details) {
    sub.cancellation_details = cancellationDetails(details, sub.cancellation_details?.reason ?? null);
  }
  if (params.items !== undefined) switchItemPrice(state, sub, params.items, params.proration_behavior);
  if (params.default_payment_method !== undefined) {
    const pm = params.default_payment_method === '' ? null : String(params.default_payment_method);
    if (pm !== null && state.paymentMethods.get(pm)?.customer !== sub.customer)
      throw new EmulatorError(
        400,
        `No such PaymentMethod: '${pm}' on the subscription's customer`,
        'invalid_request_error',
        'resource_missing',
        'default_payment_method',
      );
    sub.default_payment_method = pm;
  }
  if (params.pause_collection !== undefined) {
    const pause = params.pause_collection;
    const behavior = typeof pause === 'object' && pause ? (pause as Record<string, unknown>).behavior : undefined;
    if (pause === '') sub.pause_collection = null;
    else if (behavior === 'keep_as_draft' || behavior === 'mark_uncollectible' || behavior === 'void')
      sub.pause_collection = { behavior, resumes_at: null };
    else
      throw new EmulatorError(
        400,
        'Invalid pause_collection[behavior]: must be one of keep_as_draft, mark_uncollectible, or void',
        'invalid_request_error',
        'parameter_invalid_string',
        'pause_collection[behavior]',
      );
  }
  if (params.metadata !== undefined && typeof params.metadata === 'object' && params.metadata)
    sub.metadata = { ...sub.metadata, ...(params.metadata as Stripe.Metadata) };
}
