// What the emulator's catalog and Customer Portal tests share: an emulator on a loopback port,
// the site's own Stripe client pointed at it, a monthly product with $10 and $20 prices (lookup
// keys portal_10, portal_20), a portal configuration offering both, and helpers to subscribe, to
// post the hosted pages' forms as a browser does, and to see the events an action sent.
// Exported bindings are live: they hold their values once startFixture() has run.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type Stripe from 'stripe';
import { loadConfig } from '../../lib/config.ts';
import { createStripeClient, STRIPE_API_VERSION } from '../../lib/payments/stripe.ts';
import { createEmulator, listenEmulator, type Emulator } from '../../emulator/emulator.ts';

let server: Server;
export let emulator: Emulator;
export let url: string;
export let stripe: Stripe;
/** The monthly product, its $10 and $20 prices, and a configuration offering both. */
export let product: Stripe.Product;
export let ten: Stripe.Price;
export let twenty: Stripe.Price;
export let config: Stripe.BillingPortal.Configuration;

export const features = (
  mode: 'at_period_end' | 'immediately',
): Stripe.BillingPortal.ConfigurationCreateParams.Features => ({
  invoice_history: { enabled: true },
  payment_method_update: { enabled: true },
  subscription_cancel: {
    enabled: true,
    mode,
    cancellation_reason: { enabled: true, options: ['too_expensive', 'unused', 'other'] },
  },
  subscription_update: {
    enabled: true,
    default_allowed_updates: ['price'],
    products: [{ product: product.id, prices: [ten.id, twenty.id] }],
    proration_behavior: 'none',
  },
});

/** Starts the emulator and makes the catalog and configuration above (a test file's before()). */
export async function startFixture(): Promise<void> {
  emulator = createEmulator({ webhookUrl: null, webhookSecret: 'whsec_portal', apiVersion: STRIPE_API_VERSION });
  ({ server, url } = await listenEmulator(emulator, 0));
  const env = { NODE_ENV: 'test', STRIPE_SECRET_KEY: 'sk_test_portal', STRIPE_WEBHOOK_SECRET: 'whsec_x' };
  stripe = createStripeClient(loadConfig({ ...env, STRIPE_API_URL: url }).stripe);
  product = await stripe.products.create({ name: 'Monthly <b>gift</b>' });
  const monthly = (amount: number, key: string) =>
    stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: amount,
      recurring: { interval: 'month' },
      lookup_key: key,
    });
  ten = await monthly(1000, 'portal_10');
  twenty = await monthly(2000, 'portal_20');
  config = await stripe.billingPortal.configurations.create({
    features: features('at_period_end'),
    default_return_url: 'http://127.0.0.1:9/back',
    login_page: { enabled: true },
  });
}

export async function stopFixture(): Promise<void> {
  emulator.stop();
  await new Promise((r) => server.close(r));
}

export const rejects400 = (p: Promise<unknown>, param: string, code?: string) =>
  assert.rejects(p, (err: Stripe.errors.StripeError) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.param, param);
    if (code) assert.equal(err.code, code);
    return true;
  });

/** A monthly gift paid through Checkout with `line_items[0][price]`; its subscription. */
export async function subscribe(price: Stripe.Price, email = 'donor@example.org') {
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: 'http://127.0.0.1:9/ok',
  });
  emulator.state.pay(session.id, 'card', email);
  return emulator.state.subscriptions.get(String(emulator.state.sessions.get(session.id)!.subscription))!;
}

/** The events sent while `fn` ran. */
export async function eventsOf(fn: () => Promise<unknown>): Promise<Stripe.Event[]> {
  const seen = new Set(emulator.state.events.keys());
  await fn();
  return [...emulator.state.events.values()].filter((e) => !seen.has(e.id));
}

export const get = (path: string) => fetch(new URL(path, url), { redirect: 'manual' });
/** A page's form, as a browser posts it. */
export const post = (path: string, form: Record<string, string>) =>
  fetch(new URL(path, url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });

export async function portalFor(
  sub: Stripe.Subscription,
  extra: Partial<Stripe.BillingPortal.SessionCreateParams> = {},
) {
  const session = await stripe.billingPortal.sessions.create({
    customer: String(sub.customer),
    configuration: config.id,
    ...extra,
  });
  return { session, base: new URL(session.url).pathname };
}
