// Stripe-shaped billing objects (subscriptions, invoices and their payments) for monthly
// gifts, typed with the SDK's own types; the payment objects are in objects.ts.
import type Stripe from 'stripe';
import { planOf } from './catalog-objects.ts';
import { nowSeconds, stripeId } from './objects.ts';

const list = <T>(url: string, data: T[] = []): Stripe.ApiList<T> => ({ object: 'list', data, has_more: false, url });

/** One month (or the price's interval, times its count) after `from`, in seconds, as calendars count it. */
function periodEnd(from: number, recurring: Stripe.Price.Recurring | null): number {
  const d = new Date(from * 1000);
  const n = recurring?.interval_count ?? 1;
  const interval = recurring?.interval ?? 'month';
  if (interval === 'day') d.setUTCDate(d.getUTCDate() + n);
  else if (interval === 'week') d.setUTCDate(d.getUTCDate() + 7 * n);
  else if (interval === 'year') d.setUTCFullYear(d.getUTCFullYear() + n);
  else d.setUTCMonth(d.getUTCMonth() + n);
  return Math.floor(d.getTime() / 1000);
}

/** The subscription's one item: the price it charges (a copy, as Stripe embeds it) and its plan view. */
function subscriptionItem(subscriptionId: string, price: Stripe.Price, created: number): Stripe.SubscriptionItem {
  return {
    id: stripeId('si'),
    object: 'subscription_item',
    billing_thresholds: null,
    created,
    current_period_end: periodEnd(created, price.recurring),
    current_period_start: created,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planOf(price),
    price: structuredClone(price),
    quantity: 1,
    subscription: subscriptionId,
    tax_rates: [],
  };
}

/** The item charges another price from now on (the period it is in stays as it is). */
export function switchPrice(item: Stripe.SubscriptionItem, price: Stripe.Price): void {
  item.price = structuredClone(price);
  item.plan = planOf(price);
}

/** The subscription moves on to its next period (a renewal is due now). */
export function advancePeriod(sub: Stripe.Subscription): void {
  for (const item of sub.items.data) {
    item.current_period_start = item.current_period_end;
    item.current_period_end = periodEnd(item.current_period_end, item.price.recurring);
  }
}

export function subscription(
  fields: Partial<Stripe.Subscription> & { customer: string; currency: string },
  price?: Stripe.Price,
): Stripe.Subscription {
  const created = fields.created ?? nowSeconds();
  const id = stripeId('sub');
  const items = price ? [subscriptionItem(id, price, created)] : [];
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: created,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created,
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: 'self' },
    },
    items: list(`/v1/subscription_items?subscription=${id}`, items),
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: null,
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: created,
    status: 'active',
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: null,
    trial_start: null,
    ...fields,
  };
}

export function invoice(
  fields: Partial<Stripe.Invoice> & {
    customer: string;
    currency: string;
    subscription: string;
    subscriptionMetadata: Stripe.Metadata;
    amount: number;
  },
): Stripe.Invoice {
  const { subscription: sub, subscriptionMetadata, amount, ...rest } = fields;
  const created = rest.created ?? nowSeconds();
  return {
    id: stripeId('in'),
    object: 'invoice',
    account_country: 'US',
    account_name: 'Fundraiser (emulated)',
    account_tax_ids: null,
    amount_due: amount,
    amount_overpaid: 0,
    amount_paid: amount,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 1,
    attempted: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: 'subscription_create',
    collection_method: 'charge_automatically',
    created,
    custom_fields: null,
    customer_account: null,
    customer_address: null,
    customer_email: null,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: created,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: list('/v1/invoices/lines'),
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: {
      quote_details: null,
      subscription_details: { metadata: subscriptionMetadata, subscription: sub },
      type: 'subscription_details',
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: created,
    period_start: created,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'paid',
    status_transitions: { finalized_at: created, marked_uncollectible_at: null, paid_at: created, voided_at: null },
    subtotal: amount,
    subtotal_excluding_tax: amount,
    test_clock: null,
    total: amount,
    total_discount_amounts: [],
    total_excluding_tax: amount,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
    ...rest,
  };
}

/** An invoice of the subscription for `amount` (paid unless `fields` say otherwise). */
export function subscriptionInvoice(
  sub: Stripe.Subscription,
  amount: number,
  reason: Stripe.Invoice.BillingReason,
  email: string | null,
  fields: Partial<Stripe.Invoice> = {},
): Stripe.Invoice {
  return invoice({
    ...fields,
    customer: String(sub.customer),
    currency: sub.currency,
    subscription: sub.id,
    subscriptionMetadata: sub.metadata,
    amount,
    billing_reason: reason,
    customer_email: email,
  });
}

export function invoicePayment(fields: {
  invoice: string;
  paymentIntent: string;
  amount: number;
  currency: string;
}): Stripe.InvoicePayment {
  const created = nowSeconds();
  return {
    id: stripeId('inpay'),
    object: 'invoice_payment',
    amount_paid: fields.amount,
    amount_requested: fields.amount,
    created,
    currency: fields.currency,
    invoice: fields.invoice,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: fields.paymentIntent },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: created },
  };
}
