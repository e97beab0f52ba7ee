// POST /v1/checkout/sessions: the parameters the site sends, checked as Stripe checks them
// (Stripe-shaped errors naming the parameter), and the session they make.
import type Stripe from 'stripe';
import * as make from './objects.ts';
import { EmulatorError, type EmulatorState } from './state.ts';

/** A form-encoded body as qs parses it. */
export type Params = Record<string, unknown>;

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function metadataOf(v: unknown, param: string): Stripe.Metadata {
  if (v === undefined || v === '') return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new EmulatorError(400, `Invalid object`, 'invalid_request_error', 'parameter_invalid', param);
  const out: Stripe.Metadata = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string')
      throw new EmulatorError(
        400,
        `Invalid metadata value for ${k}`,
        'invalid_request_error',
        'parameter_invalid',
        `${param}[${k}]`,
      );
    if (k.length > 40 || val.length > 500)
      throw new EmulatorError(
        400,
        `Metadata keys are at most 40 characters and values at most 500.`,
        'invalid_request_error',
        'parameter_invalid',
        param,
      );
    out[k] = val;
  }
  return out;
}

function integerParam(v: unknown, param: string): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n))
    throw new EmulatorError(
      400,
      `Invalid integer: ${String(v)}`,
      'invalid_request_error',
      'parameter_invalid_integer',
      param,
    );
  return n;
}

// Stripe's minimum charge, in minor units, for the common currencies (others: 50).
const MINIMUM_CHARGE: Record<string, number> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  cad: 50,
  aud: 50,
  chf: 50,
  jpy: 50,
  sek: 300,
  nok: 300,
  dkk: 250,
};

export function createSession(state: EmulatorState, b: Params, publicUrl: string): Stripe.Checkout.Session {
  const mode = str(b.mode);
  if (mode !== 'payment' && mode !== 'subscription') {
    throw new EmulatorError(
      400,
      mode ? `Invalid mode: must be one of payment, setup, or subscription` : 'Missing required param: mode.',
      'invalid_request_error',
      'parameter_missing',
      'mode',
    );
  }
  const successUrl = str(b.success_url);
  if (!successUrl)
    throw new EmulatorError(
      400,
      'Missing required param: success_url.',
      'invalid_request_error',
      'parameter_missing',
      'success_url',
    );
  for (const [param, url] of [
    ['success_url', successUrl],
    ['cancel_url', str(b.cancel_url)],
  ] as const) {
    if (url && !/^https?:\/\//.test(url))
      throw new EmulatorError(400, `Not a valid URL`, 'invalid_request_error', 'url_invalid', param);
  }
  const items = b.line_items;
  if (!Array.isArray(items) || items.length === 0) {
    throw new EmulatorError(
      400,
      'Missing required param: line_items.',
      'invalid_request_error',
      'parameter_missing',
      'line_items',
    );
  }
  let total = 0;
  let currency: string | undefined;
  let productName = 'Donation';
  let interval: 'day' | 'week' | 'month' | 'year' | null = null;
  items.forEach((raw: unknown, i: number) => {
    const item = (raw ?? {}) as Params;
    const pd = item.price_data as Params | undefined;
    if (!pd)
      throw new EmulatorError(
        400,
        'The emulator supports line_items with price_data only.',
        'invalid_request_error',
        'parameter_missing',
        `line_items[${i}][price_data]`,
      );
    const cur = str(pd.currency);
    if (!cur || !/^[a-z]{3}$/.test(cur))
      throw new EmulatorError(
        400,
        'Invalid currency.',
        'invalid_request_error',
        'parameter_invalid',
        `line_items[${i}][price_data][currency]`,
      );
    if (currency && currency !== cur)
      throw new EmulatorError(
        400,
        'All line items must use the same currency.',
        'invalid_request_error',
        'parameter_invalid',
        `line_items[${i}][price_data][currency]`,
      );
    currency = cur;
    const unit = integerParam(pd.unit_amount, `line_items[${i}][price_data][unit_amount]`);
    if (unit < 0)
      throw new EmulatorError(
        400,
        'This value must be greater than or equal to 0.',
        'invalid_request_error',
        'parameter_invalid_integer',
        `line_items[${i}][price_data][unit_amount]`,
      );
    const qty = item.quantity === undefined ? 1 : integerParam(item.quantity, `line_items[${i}][quantity]`);
    if (qty < 1)
      throw new EmulatorError(
        400,
        'Quantity must be at least 1.',
        'invalid_request_error',
        'parameter_invalid_integer',
        `line_items[${i}][quantity]`,
      );
    const product = (pd.product_data ?? {}) as Params;
    if (!str(product.name))
      throw new EmulatorError(
        400,
        'Missing required param: line_items[0][price_data][product_data][name].',
        'invalid_request_error',
        'parameter_missing',
        `line_items[${i}][price_data][product_data][name]`,
      );
    productName = str(product.name)!;
    const recurring = pd.recurring as Params | undefined;
    if (recurring) {
      const iv = str(recurring.interval);
      if (iv !== 'day' && iv !== 'week' && iv !== 'month' && iv !== 'year')
        throw new EmulatorError(
          400,
          'Invalid recurring interval.',
          'invalid_request_error',
          'parameter_invalid',
          `line_items[${i}][price_data][recurring][interval]`,
        );
      interval = iv;
    }
    total += unit * qty;
  });
  if (mode === 'subscription' && !interval) {
    throw new EmulatorError(
      400,
      'You must provide at least one recurring price in `subscription` mode when using prices.',
      'invalid_request_error',
      'parameter_invalid',
      'line_items',
    );
  }
  if (mode === 'payment' && interval) {
    throw new EmulatorError(
      400,
      'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
      'invalid_request_error',
      'parameter_invalid',
      'line_items',
    );
  }
  const min = MINIMUM_CHARGE[currency!] ?? 50;
  if (total < min)
    throw new EmulatorError(
      400,
      `The Checkout Session's total amount due must add up to at least ${min} ${currency}.`,
      'invalid_request_error',
      'amount_too_small',
      'line_items',
    );
  if (total > 99_999_999)
    throw new EmulatorError(
      400,
      'Amount must be no more than 99999999.',
      'invalid_request_error',
      'amount_too_large',
      'line_items',
    );

  const submitType = str(b.submit_type);
  if (submitType && !['auto', 'book', 'donate', 'pay', 'subscribe'].includes(submitType)) {
    throw new EmulatorError(400, 'Invalid submit_type.', 'invalid_request_error', 'parameter_invalid', 'submit_type');
  }
  // Stripe accepts it in subscription mode too (since 2024-11-20): monthly donors see "Donate".
  if (submitType && mode !== 'payment' && mode !== 'subscription') {
    throw new EmulatorError(
      400,
      '`submit_type` can only be used in `payment` or `subscription` mode.',
      'invalid_request_error',
      'parameter_invalid',
      'submit_type',
    );
  }
  const piData = (b.payment_intent_data ?? {}) as Params;
  const subData = (b.subscription_data ?? {}) as Params;
  if (mode !== 'payment' && b.payment_intent_data !== undefined) {
    throw new EmulatorError(
      400,
      'You can only pass in `payment_intent_data` in `payment` mode.',
      'invalid_request_error',
      'parameter_invalid',
      'payment_intent_data',
    );
  }
  if (mode !== 'subscription' && b.subscription_data !== undefined) {
    throw new EmulatorError(
      400,
      'You can only pass in `subscription_data` in `subscription` mode.',
      'invalid_request_error',
      'parameter_invalid',
      'subscription_data',
    );
  }

  let expiresAt: number | undefined;
  if (b.expires_at !== undefined) {
    expiresAt = integerParam(b.expires_at, 'expires_at');
    const now = make.nowSeconds();
    if (expiresAt < now + 30 * 60 - 5 || expiresAt > now + 24 * 3600) {
      throw new EmulatorError(
        400,
        'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
        'invalid_request_error',
        'parameter_invalid',
        'expires_at',
      );
    }
  }
  const session = make.checkoutSession({
    ...(expiresAt ? { expires_at: expiresAt } : {}),
    mode,
    amount_subtotal: total,
    amount_total: total,
    currency: currency!,
    metadata: metadataOf(b.metadata, 'metadata'),
    success_url: successUrl,
    cancel_url: str(b.cancel_url) ?? null,
    submit_type: submitType ?? null,
    customer_email: str(b.customer_email) ?? null,
    client_reference_id: str(b.client_reference_id) ?? null,
    payment_method_types: mode === 'payment' ? ['card', 'us_bank_account'] : ['card'],
  });
  session.url = `${publicUrl}/c/pay/${session.id}`;
  state.sessions.set(session.id, session);
  state.extras.set(session.id, {
    productName,
    interval,
    paymentIntentMetadata: metadataOf(piData.metadata, 'payment_intent_data[metadata]'),
    subscriptionMetadata: metadataOf(subData.metadata, 'subscription_data[metadata]'),
  });
  return session;
}
