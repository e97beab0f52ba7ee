// Billing Portal configurations (/v1/billing_portal/configurations) as Stripe's reference
// describes them: the features a portal session offers (customer_update, invoice_history,
// payment_method_update, subscription_cancel, subscription_pause, subscription_update), the
// business profile, the default return URL and the login page. A create fills in Stripe's
// defaults for what it leaves out; an update changes only what it names, feature by feature.
import type Stripe from 'stripe';
import { nowSeconds, stripeId } from './objects.ts';
import * as p from './params.ts';
import { CANCELLATION_FEEDBACK } from './renewals.ts';
import type { EmulatorState } from './state.ts';

type Configuration = Stripe.BillingPortal.Configuration;
type Features = Stripe.BillingPortal.Configuration.Features;
type CancelFeature = Stripe.BillingPortal.Configuration.Features.SubscriptionCancel;
type UpdateFeature = Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate;
type UpdateProduct = Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.Product;
type BusinessProfile = Stripe.BillingPortal.Configuration.BusinessProfile;
type LoginPage = Stripe.BillingPortal.Configuration.LoginPage;

const CREATE = ['features', 'business_profile', 'default_return_url', 'login_page', 'metadata', 'name', 'expand'];
const UPDATE = [...CREATE, 'active'];
const FEATURES = [
  'customer_update',
  'invoice_history',
  'payment_method_update',
  'subscription_cancel',
  'subscription_pause',
  'subscription_update',
];
const ALLOWED_CUSTOMER_UPDATES = ['address', 'email', 'name', 'phone', 'shipping', 'tax_id'] as const;
/** The reasons a portal may offer: Stripe's cancellation feedback values. */
export const CANCELLATION_REASONS = CANCELLATION_FEEDBACK;

/** What Stripe gives a configuration for each feature left out of its create. */
export function defaultFeatures(): Features {
  return {
    customer_update: { allowed_updates: [], enabled: false },
    invoice_history: { enabled: false },
    payment_method_update: { enabled: false, payment_method_configuration: null },
    subscription_cancel: {
      cancellation_reason: { enabled: false, feedback_options: null, options: [] },
      enabled: false,
      mode: 'at_period_end',
      proration_behavior: 'none',
    },
    subscription_pause: {
      duration: { interval_options: [{ interval: 'month', interval_count: 1 }], type: 'interval_options' },
      enabled: false,
    },
    subscription_update: {
      billing_cycle_anchor: null,
      default_allowed_updates: [],
      enabled: false,
      products: [],
      proration_behavior: 'none',
      schedule_at_period_end: { conditions: [] },
      trial_update_behavior: 'end_trial',
    },
  };
}

const enabledOf = (b: p.Params, param: string, current: boolean) =>
  b.enabled === undefined ? current : p.booleanParam(b.enabled, `${param}[enabled]`);

/** Each feature named in `v`, applied over `current` (a create passes the defaults). */
function featuresParam(v: unknown, current: Features, state: EmulatorState): Features {
  const f = p.objectParam(v, 'features');
  p.onlyKnown(f, FEATURES, 'features');
  const next = structuredClone(current);
  const at = (feature: string) => `features[${feature}]`;
  if (f.customer_update !== undefined) {
    const b = p.objectParam(f.customer_update, at('customer_update'));
    next.customer_update.enabled = enabledOf(b, at('customer_update'), next.customer_update.enabled);
    if (b.allowed_updates !== undefined)
      next.customer_update.allowed_updates = p
        .arrayParam(b.allowed_updates, `${at('customer_update')}[allowed_updates]`)
        .map((u, i) => p.enumParam(u, `${at('customer_update')}[allowed_updates][${i}]`, ALLOWED_CUSTOMER_UPDATES));
  }
  if (f.invoice_history !== undefined) {
    const b = p.objectParam(f.invoice_history, at('invoice_history'));
    next.invoice_history.enabled = enabledOf(b, at('invoice_history'), next.invoice_history.enabled);
  }
  if (f.payment_method_update !== undefined) {
    const b = p.objectParam(f.payment_method_update, at('payment_method_update'));
    next.payment_method_update.enabled = enabledOf(b, at('payment_method_update'), next.payment_method_update.enabled);
  }
  if (f.subscription_cancel !== undefined) cancelParam(f.subscription_cancel, next.subscription_cancel);
  if (f.subscription_pause !== undefined) {
    const b = p.objectParam(f.subscription_pause, at('subscription_pause'));
    next.subscription_pause.enabled = enabledOf(b, at('subscription_pause'), next.subscription_pause.enabled);
  }
  if (f.subscription_update !== undefined) updateParam(f.subscription_update, next.subscription_update, state);
  return next;
}

function cancelParam(v: unknown, cancel: CancelFeature): void {
  const param = 'features[subscription_cancel]';
  const b = p.objectParam(v, param);
  cancel.enabled = enabledOf(b, param, cancel.enabled);
  if (b.mode !== undefined) cancel.mode = p.enumParam(b.mode, `${param}[mode]`, ['at_period_end', 'immediately']);
  if (b.proration_behavior !== undefined) {
    const at = `${param}[proration_behavior]`;
    if (b.proration_behavior === 'always_invoice')
      throw p.invalid('always_invoice is not a valid proration_behavior for cancellations.', at);
    cancel.proration_behavior = p.enumParam(b.proration_behavior, at, ['none', 'create_prorations']);
  }
  if (cancel.mode !== 'immediately' && cancel.proration_behavior === 'create_prorations')
    throw p.invalid('create_prorations is only compatible with mode=immediately.', `${param}[proration_behavior]`);
  if (b.cancellation_reason !== undefined) {
    const r = p.objectParam(b.cancellation_reason, `${param}[cancellation_reason]`);
    const reason = cancel.cancellation_reason;
    reason.enabled = enabledOf(r, `${param}[cancellation_reason]`, reason.enabled);
    if (r.options !== undefined)
      reason.options = p
        .arrayParam(r.options, `${param}[cancellation_reason][options]`)
        .map((o, i) => p.enumParam(o, `${param}[cancellation_reason][options][${i}]`, CANCELLATION_REASONS));
    if (reason.enabled && reason.options.length === 0) throw p.missingParam(`${param}[cancellation_reason][options]`);
  }
}

function updateParam(v: unknown, update: UpdateFeature, state: EmulatorState): void {
  const param = 'features[subscription_update]';
  const b = p.objectParam(v, param);
  update.enabled = enabledOf(b, param, update.enabled);
  if (b.default_allowed_updates !== undefined)
    update.default_allowed_updates = p
      .arrayParam(b.default_allowed_updates, `${param}[default_allowed_updates]`)
      .map((u, i) =>
        p.enumParam(u, `${param}[default_allowed_updates][${i}]`, ['price', 'quantity', 'promotion_code']),
      );
  if (b.proration_behavior !== undefined)
    update.proration_behavior = p.enumParam(b.proration_behavior, `${param}[proration_behavior]`, [
      'none',
      'create_prorations',
      'always_invoice',
    ]);
  if (b.billing_cycle_anchor !== undefined)
    update.billing_cycle_anchor = p.enumParam(b.billing_cycle_anchor, `${param}[billing_cycle_anchor]`, [
      'now',
      'unchanged',
    ]);
  if (b.products !== undefined) {
    const products = p.arrayParam(b.products, `${param}[products]`);
    if (products.length > 10) throw p.invalid('You can specify up to 10 products.', `${param}[products]`);
    update.products = products.map((raw, i) => productParam(raw, `${param}[products][${i}]`, state));
  }
}

/** One product the portal may switch subscriptions to, with the prices it offers (recurring, of that product). */
function productParam(raw: unknown, param: string, state: EmulatorState): UpdateProduct {
  const b = p.objectParam(raw, param);
  const productId = p.stringParam(b.product, `${param}[product]`);
  if (!productId) throw p.missingParam(`${param}[product]`);
  if (!state.products.has(productId)) throw p.noSuch('product', productId, `${param}[product]`);
  const prices = p.arrayParam(b.prices, `${param}[prices]`).map((id, j) => {
    const at = `${param}[prices][${j}]`;
    const price = state.prices.get(String(id));
    if (!price || state.inlinePrices.has(price.id)) throw p.noSuch('price', String(id), at);
    if (price.product !== productId)
      throw p.invalid(`The price ${price.id} does not belong to the product ${productId}.`, at);
    if (!price.recurring) throw p.invalid(`The price ${price.id} is not a recurring price.`, at);
    return price.id;
  });
  if (prices.length === 0) throw p.missingParam(`${param}[prices]`);
  return { adjustable_quantity: { enabled: false, maximum: null, minimum: 1 }, prices, product: productId };
}

function businessProfileParam(v: unknown, current: BusinessProfile): BusinessProfile {
  const b = p.objectParam(v, 'business_profile');
  p.onlyKnown(b, ['headline', 'privacy_policy_url', 'terms_of_service_url'], 'business_profile');
  const next = { ...current };
  if (b.headline !== undefined)
    next.headline = b.headline === '' ? null : (p.stringParam(b.headline, 'business_profile[headline]', 60) ?? null);
  for (const key of ['privacy_policy_url', 'terms_of_service_url'] as const) {
    if (b[key] !== undefined) next[key] = b[key] === '' ? null : p.urlParam(b[key], `business_profile[${key}]`);
  }
  return next;
}

/** A login page URL on the emulator's pages (portal-pages.ts), one token per configuration. */
export type LoginUrl = (configurationId: string) => string;

function loginPageParam(v: unknown, current: LoginPage, id: string, url: LoginUrl) {
  const b = p.objectParam(v, 'login_page');
  p.onlyKnown(b, ['enabled'], 'login_page');
  if (b.enabled === undefined) throw p.missingParam('login_page[enabled]');
  const enabled = p.booleanParam(b.enabled, 'login_page[enabled]');
  // Turning it off deactivates the URL; turning it on again makes a new one (an enabled page keeps its URL).
  if (enabled === current.enabled) return current;
  return { enabled, url: enabled ? url(id) : null };
}

export function newConfiguration(b: p.Params, state: EmulatorState, loginUrl: LoginUrl): Configuration {
  p.onlyKnown(b, CREATE);
  if (b.features === undefined) throw p.missingParam('features');
  const created = nowSeconds();
  const id = stripeId('bpc');
  const blank: Configuration = {
    id,
    object: 'billing_portal.configuration',
    active: true,
    application: null,
    business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
    created,
    default_return_url: null,
    features: defaultFeatures(),
    // A configuration made through the API is never the default: that one is the Dashboard's.
    is_default: false,
    livemode: false,
    login_page: { enabled: false, url: null },
    metadata: {},
    name: null,
    updated: created,
  };
  return { ...blank, ...changes(blank, b, state, loginUrl) };
}

/** The fields `b` sets, checked in full against `current` (nothing is applied here). */
export function changes(
  current: Configuration,
  b: p.Params,
  state: EmulatorState,
  loginUrl: LoginUrl,
): Partial<Configuration> {
  p.onlyKnown(b, UPDATE);
  const out: Partial<Configuration> = {};
  if (b.active !== undefined) out.active = p.booleanParam(b.active, 'active');
  if (b.features !== undefined) out.features = featuresParam(b.features, current.features, state);
  if (b.business_profile !== undefined)
    out.business_profile = businessProfileParam(b.business_profile, current.business_profile);
  if (b.default_return_url !== undefined)
    out.default_return_url =
      b.default_return_url === '' ? null : p.urlParam(b.default_return_url, 'default_return_url');
  if (b.login_page !== undefined)
    out.login_page = loginPageParam(b.login_page, current.login_page, current.id, loginUrl);
  if (b.metadata !== undefined) out.metadata = p.metadataParam(b.metadata, current.metadata ?? {});
  if (b.name !== undefined) out.name = b.name === '' ? null : (p.stringParam(b.name, 'name', 256) ?? null);
  return out;
}
