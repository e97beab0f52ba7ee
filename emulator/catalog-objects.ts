// Stripe-shaped catalog objects (products, prices and the plan a price shows as on a subscription
// item) and the card payment methods donors pay with, typed with the SDK's own types.
import type Stripe from 'stripe';
import { nowSeconds, stripeId } from './objects.ts';

/** Decimal fields are strings on the wire (the SDK turns them into its Decimal class). */
const decimal = (n: number | null) => (n === null ? null : (String(n) as unknown as Stripe.Decimal));

export function product(fields: Partial<Stripe.Product> & { name: string }): Stripe.Product {
  const created = fields.created ?? nowSeconds();
  return {
    id: stripeId('prod'),
    object: 'product',
    active: true,
    created,
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: created,
    url: null,
    ...fields,
  };
}

export function price(
  fields: Partial<Stripe.Price> & { currency: string; product: string; unit_amount: number },
): Stripe.Price {
  return {
    id: stripeId('price'),
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: nowSeconds(),
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    recurring: null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: fields.recurring ? 'recurring' : 'one_time',
    unit_amount_decimal: decimal(fields.unit_amount),
    ...fields,
  };
}

export function recurring(interval: Stripe.Price.Recurring.Interval, intervalCount = 1): Stripe.Price.Recurring {
  return { interval, interval_count: intervalCount, meter: null, trial_period_days: null, usage_type: 'licensed' };
}

/** The legacy Plan view of a recurring price, as a subscription item carries it beside the price. */
export function planOf(p: Stripe.Price): Stripe.Plan {
  const r = p.recurring ?? recurring('month');
  return {
    id: p.id,
    object: 'plan',
    active: p.active,
    amount: p.unit_amount,
    amount_decimal: decimal(p.unit_amount),
    billing_scheme: p.billing_scheme,
    created: p.created,
    currency: p.currency,
    interval: r.interval,
    interval_count: r.interval_count,
    livemode: false,
    metadata: p.metadata,
    meter: null,
    nickname: p.nickname,
    product: typeof p.product === 'string' ? p.product : p.product.id,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: r.usage_type,
  };
}

/** The test cards the emulator's pages offer: number's last four, brand, as Stripe's test cards. */
export const TEST_CARDS = {
  visa: { brand: 'visa', last4: '4242', label: 'Visa 4242 4242 4242 4242' },
  mastercard: { brand: 'mastercard', last4: '4444', label: 'Mastercard 5555 5555 5555 4444' },
} as const;
export type TestCard = keyof typeof TEST_CARDS;

export function cardPaymentMethod(
  customer: string | null,
  card: TestCard,
  billing: { email: string | null; name: string | null },
): Stripe.PaymentMethod {
  const { brand, last4 } = TEST_CARDS[card];
  return {
    id: stripeId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: null, email: billing.email, name: billing.name, phone: null, tax_id: null },
    card: {
      brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: brand,
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 5,
      funding: 'credit',
      generated_from: null,
      last4,
      networks: { available: [brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: nowSeconds(),
    customer,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}
