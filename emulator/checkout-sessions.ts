// POST /v1/checkout/sessions: the parameters the site sends, checked as Stripe checks them
// (Stripe-shaped errors naming the parameter), and the session they make.
import type Stripe from 'stripe';
import * as catalog from './catalog-objects.ts';
import * as make from './objects.ts';
import { invalid, missingParam, noSuch } from './params.ts';
import { canSettle } from './balance.ts';
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

/** A line item's price: an existing one (`price`), or one made inline (`price_data`) with its product if new. */
interface LinePrice {
  price: Stripe.Price;
  productName: string;
  /** A product made by price_data[product_data]. */
  product?: Stripe.Product;
}

function linePrice(state: EmulatorState, item: Params, i: number): LinePrice {
  const at = (p: string) => `line_items[${i}]${p}`;
  const priceId = str(item.price);
  const pd = item.price_data as Params | undefined;
  if (priceId && pd) throw invalid(`You may only specify one of these parameters: price, price_data.`, at(''));
  if (priceId) {
    const price = state.prices.get(priceId);
    if (!price || state.inlinePrices.has(priceId)) throw noSuch('price', priceId, at('[price]'));
    if (!price.active)
      throw invalid('The price specified is inactive. This field only accepts active prices.', at('[price]'));
    if (price.unit_amount === null)
      throw invalid('The emulator supports prices with a unit_amount only.', at('[price]'));
    const product = state.products.get(String(price.product));
    return { price, productName: product?.name ?? 'Donation' };
  }
  if (!pd) throw missingParam(at('[price_data]'));
  const cur = str(pd.currency);
  if (!cur || !/^[a-z]{3}$/.test(cur)) throw invalid('Invalid currency.', at('[price_data][currency]'));
  const unit = integerParam(pd.unit_amount, at('[price_data][unit_amount]'));
  if (unit < 0)
    throw invalid(
      'This value must be greater than or equal to 0.',
      at('[price_data][unit_amount]'),
      'parameter_invalid_integer',
    );
  const recurring = pd.recurring as Params | undefined;
  let iv: Stripe.Price.Recurring.Interval | undefined;
  if (recurring) {
    iv = str(recurring.interval);
    if (iv !== 'day' && iv !== 'week' && iv !== 'month' && iv !== 'year')
      throw invalid('Invalid recurring interval.', at('[price_data][recurring][interval]'));
  }
  const fields = {
    currency: cur,
    unit_amount: unit,
    active: false,
    ...(iv ? { recurring: catalog.recurring(iv) } : {}),
  };
  const productId = str(pd.product);
  if (productId) {
    if (pd.product_data !== undefined)
      throw invalid('You may only specify one of these parameters: product, product_data.', at('[price_data]'));
    const product = state.products.get(productId);
    if (!product) throw noSuch('product', productId, at('[price_data][product]'));
    if (!product.active) throw invalid(`The product ${productId} is not active.`, at('[price_data][product]'));
    return { price: catalog.price({ ...fields, product: productId }), productName: product.name };
  }
  const name = str(((pd.product_data ?? {}) as Params).name);
  if (!name) throw missingParam(at('[price_data][product_data][name]'));
  const product = catalog.product({ name });
  return { price: catalog.price({ ...fields, product: product.id }), productName: name, product };
}

// The languages Stripe's hosted Checkout is offered in (its API reference's enum for `locale`).
const CHECKOUT_LOCALES = new Set(
  (
    'auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hi-IN hr hu id it ja ko lt lv ms mt nb nl pl pt ' +
    'pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW'
  ).split(' '),
);

/** `locale`: one of Stripe's, echoed on the session (null when not given, as Stripe answers). */
function localeParam(v: unknown): Stripe.Checkout.Session.Locale | null {
  if (v === undefined || v === '') return null;
  if (typeof v !== 'string' || !CHECKOUT_LOCALES.has(v))
    throw invalid(`Invalid locale: must be one of ${[...CHECKOUT_LOCALES].join(', ')}`, 'locale');
  return v;
}

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
  /** The line a subscription charges (its recurring one; the emulator makes one subscription item). */
  let line: LinePrice | undefined;
  let interval: 'day' | 'week' | 'month' | 'year' | null = null;
  items.forEach((raw: unknown, i: number) => {
    const item = (raw ?? {}) as Params;
    const current = linePrice(state, item, i);
    const { price } = current;
    if (!line || price.recurring) line = current;
    if (currency && currency !== price.currency)
      throw new EmulatorError(
        400,
        'All line items must use the same currency.',
        'invalid_request_error',
        'parameter_invalid',
        `line_items[${i}]`,
      );
    currency = price.currency;
    const qty = item.quantity === undefined ? 1 : integerParam(item.quantity, `line_items[${i}][quantity]`);
    if (qty < 1)
      throw new EmulatorError(
        400,
        'Quantity must be at least 1.',
        'invalid_request_error',
        'parameter_invalid_integer',
        `line_items[${i}][quantity]`,
      );
    if (price.recurring) interval = price.recurring.interval as NonNullable<typeof interval>;
    total += (price.unit_amount ?? 0) * qty;
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
  // Stripe settles any currency it presents; the emulator only those of its test rates (balance.ts).
  if (!canSettle(currency!, state.accountCurrency))
    throw new EmulatorError(
      400,
      `The emulator has no test exchange rate from ${currency} to the account's ${state.accountCurrency}.`,
      'invalid_request_error',
      'currency_not_supported',
      'line_items',
    );
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
  const locale = localeParam(b.locale);
  const session = make.checkoutSession({
    ...(expiresAt ? { expires_at: expiresAt } : {}),
    locale,
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
  // Made only now that every parameter is known good: a refused request leaves nothing behind.
  const { price, product } = line!;
  if (product) state.products.set(product.id, product);
  if (!state.prices.has(price.id)) {
    state.prices.set(price.id, price);
    state.inlinePrices.add(price.id);
  }
  state.extras.set(session.id, {
    productName: line!.productName,
    priceId: price.id,
    interval,
    paymentIntentMetadata: metadataOf(piData.metadata, 'payment_intent_data[metadata]'),
    subscriptionMetadata: metadataOf(subData.metadata, 'subscription_data[metadata]'),
  });
  return session;
}
