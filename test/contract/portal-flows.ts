// The flows of monthly donors managing their gift (issue #16), for the contract test: the
// catalog the portal offers (products, prices with lookup keys), Checkout with a price id and
// with price_data[product], portal configurations with a login page, and each action on the
// hosted portal pages, driven as a browser posts their forms.
import type Stripe from 'stripe';
import type { Flow } from './flows.ts';
import type { Harness } from './harness.ts';

/** A monthly product with a $10 and a $20 price (lookup keys contract_10, contract_20). */
async function catalog(h: Harness) {
  const product = await h.stripe.products.create({ name: 'Monthly donation (contract)', metadata: { c: '1' } });
  const price = (amount: number) =>
    h.stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: amount,
      recurring: { interval: 'month' },
      lookup_key: `contract_${amount / 100}`,
      transfer_lookup_key: true,
    });
  return { product, ten: await price(1000), twenty: await price(2000) };
}

async function configuration(h: Harness, product: string, prices: string[], mode: 'at_period_end' | 'immediately') {
  return h.stripe.billingPortal.configurations.create({
    business_profile: { headline: 'Manage your monthly gift' },
    default_return_url: `${h.receiverUrl}/back`,
    features: {
      customer_update: { enabled: true, allowed_updates: ['email'] },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
      subscription_cancel: { enabled: true, mode, cancellation_reason: { enabled: true, options: ['too_expensive'] } },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['price'],
        products: [{ product, prices }],
        proration_behavior: 'none',
      },
    },
    login_page: { enabled: true },
    metadata: { contract: mode },
  });
}

/** A monthly gift paid through Checkout with an existing price; its subscription. */
async function subscribed(h: Harness, price: Stripe.Price, email: string): Promise<Stripe.Subscription> {
  const session = await h.stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: `${h.receiverUrl}/ok`,
  });
  await post(h, `/c/pay/${session.id}`, { choice: 'card', email });
  const paid = await h.stripe.checkout.sessions.retrieve(session.id);
  return h.stripe.subscriptions.retrieve(String(paid.subscription));
}

/** A hosted page's form, posted as a browser posts it; the 303's Location. */
async function post(h: Harness, path: string, form: Record<string, string>): Promise<string> {
  const res = await fetch(new URL(path, h.emulatorUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  if (res.status !== 303) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  return res.headers.get('location') ?? '';
}

export const PORTAL_FLOWS: Flow[] = [
  {
    name: 'products and prices: made, looked up by lookup key, updated, a key transferred',
    run: async (h) => {
      const { product, ten } = await catalog(h);
      await h.stripe.products.update(product.id, { description: 'Every month', default_price: ten.id });
      await h.stripe.prices.update(ten.id, { nickname: '$10 a month', metadata: { tier: 'ten' } });
      await h.stripe.prices.list({ lookup_keys: ['contract_10', 'contract_20'], expand: ['data.product'] });
      const once = await h.stripe.prices.create({
        product_data: { name: 'One-off' },
        currency: 'usd',
        unit_amount: 500,
      });
      await h.stripe.prices.update(once.id, { active: false, lookup_key: 'contract_once' });
      await h.stripe.prices.create({
        ...{ product: product.id, currency: 'usd', unit_amount: 1000, recurring: { interval: 'month' } },
        ...{ lookup_key: 'contract_10', transfer_lookup_key: true },
      });
    },
  },
  {
    name: 'monthly gifts through Checkout with a price id and with price_data[product]',
    run: async (h) => {
      const { product, ten } = await catalog(h);
      await subscribed(h, ten, 'price-id@example.org');
      const session = await h.stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [
          {
            quantity: 1,
            price_data: { currency: 'usd', unit_amount: 1700, product: product.id, recurring: { interval: 'month' } },
          },
        ],
        success_url: `${h.receiverUrl}/ok`,
      });
      await post(h, `/c/pay/${session.id}`, { choice: 'card', email: 'price-data@example.org' });
    },
  },
  {
    name: 'the Customer Portal: end at the period end with a reason, resume, change the amount, new card pays a past-due renewal',
    run: async (h) => {
      const { product, ten, twenty } = await catalog(h);
      const config = await configuration(h, product.id, [ten.id, twenty.id], 'at_period_end');
      await h.stripe.billingPortal.configurations.update(config.id, {
        name: 'contract',
        login_page: { enabled: true },
      });
      await h.stripe.billingPortal.configurations.list({ active: true });
      const sub = await subscribed(h, ten, 'portal@example.org');
      const portal = await h.stripe.billingPortal.sessions.create({
        customer: String(sub.customer),
        configuration: config.id,
      });
      const base = new URL(portal.url).pathname;
      await post(h, `${base}/cancel`, { subscription: sub.id, reason: 'too_expensive', comment: 'contract' });
      await post(h, `${base}/resume`, { subscription: sub.id });
      await post(h, `${base}/update`, { subscription: sub.id, price: twenty.id });
      await h.control(`/_emulator/subscriptions/${sub.id}/fail-renewal`);
      await post(h, `${base}/card`, { card: 'mastercard' });
    },
  },
  {
    name: 'the Customer Portal: cancel at once, a flow, the login page, an expired session recovered',
    run: async (h) => {
      const { product, ten } = await catalog(h);
      const config = await configuration(h, product.id, [ten.id], 'immediately');
      const sub = await subscribed(h, ten, 'flows@example.org');
      const customer = String(sub.customer);
      const flow = await h.stripe.billingPortal.sessions.create({
        customer,
        configuration: config.id,
        return_url: `${h.receiverUrl}/flow-back`,
        flow_data: {
          type: 'subscription_cancel',
          subscription_cancel: { subscription: sub.id },
          after_completion: { type: 'redirect', redirect: { return_url: `${h.receiverUrl}/cancelled` } },
        },
      });
      await post(h, `${new URL(flow.url).pathname}/cancel`, { subscription: sub.id });
      await post(h, new URL(config.login_page.url!).pathname, { email: 'flows@example.org' });
      const recoverable = await h.stripe.billingPortal.sessions.create({
        customer,
        configuration: config.id,
        after_expiration: { type: 'customer_login' },
      });
      await h.control(`/_emulator/portal-sessions/${recoverable.id}/expire`);
      await post(h, `${new URL(recoverable.url).pathname}/recover`, { email: 'flows@example.org' });
    },
  },
];
