// The emulator's Customer Portal: configurations (with a login page), sessions, and the hosted
// pages a donor uses (cancel with a reason, resume, change the amount, update the card, flows,
// the login page, expiry), each with the events Stripe sends: driven through the official SDK
// on loopback and the pages through plain HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { renew } from '../../emulator/renewals.ts';
import { BillingPortal } from '../../emulator/portal.ts';
import {
  config,
  emulator,
  eventsOf,
  features,
  get,
  portalFor,
  post,
  product,
  rejects400,
  startFixture,
  stopFixture,
  stripe,
  subscribe,
  ten,
  twenty,
  url,
} from './portal-fixture.ts';

before(startFixture);
after(stopFixture);

describe('emulator: Billing Portal configurations and sessions', () => {
  it("when a configuration is made, then it has Stripe's defaults, is not the default, and its login page is on the emulator", async () => {
    assert.equal(config.object, 'billing_portal.configuration');
    assert.equal(config.is_default, false);
    assert.equal(config.features.customer_update.enabled, false, 'left out: off');
    assert.equal(config.features.subscription_pause.enabled, false);
    assert.match(config.login_page.url!, new RegExp(`^${url}/p/login/test_\\w+$`));
    const page = await get(new URL(config.login_page.url!).pathname);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /TEST MODE[\s\S]*type="email"/);
    const same = await stripe.billingPortal.configurations.update(config.id, { login_page: { enabled: true } });
    assert.equal(same.login_page.url, config.login_page.url, 'an enabled login page keeps its URL');
  });

  it('when the login page is turned off, then its URL stops working, and turning it on makes a new one', async () => {
    const c = await stripe.billingPortal.configurations.create({
      features: { invoice_history: { enabled: true } },
      login_page: { enabled: true },
    });
    const off = await stripe.billingPortal.configurations.update(c.id, { login_page: { enabled: false } });
    assert.equal(off.login_page.url, null);
    assert.equal((await get(new URL(c.login_page.url!).pathname)).status, 404);
    const on = await stripe.billingPortal.configurations.update(c.id, { login_page: { enabled: true } });
    assert.notEqual(on.login_page.url, c.login_page.url);
  });

  it('when a configuration offers a price of another product, then 400 names it', async () => {
    const other = await stripe.products.create({ name: 'Other' });
    const products = [{ product: other.id, prices: [ten.id] }];
    await rejects400(
      stripe.billingPortal.configurations.create({
        features: { subscription_update: { enabled: true, default_allowed_updates: ['price'], products } },
      }),
      'features[subscription_update][products][0][prices][0]',
    );
  });

  it('when a session is asked for an unknown customer, without a configuration, or for another customer’s subscription, then 400', async () => {
    await rejects400(
      stripe.billingPortal.sessions.create({ customer: 'cus_nope', configuration: config.id }),
      'customer',
      'resource_missing',
    );
    const sub = await subscribe(ten, 'someone@example.org');
    const mine = await subscribe(ten, 'else@example.org');
    await assert.rejects(
      stripe.billingPortal.sessions.create({ customer: String(sub.customer) }),
      /customer portal settings/,
    );
    await rejects400(
      stripe.billingPortal.sessions.create({
        customer: String(mine.customer),
        configuration: config.id,
        flow_data: { type: 'subscription_cancel', subscription_cancel: { subscription: sub.id } },
      }),
      'flow_data[subscription_cancel][subscription]',
    );
  });

  it("when a session is made, then its url is the emulator's portal and billing_portal.session.created is sent", async () => {
    const sub = await subscribe(ten);
    let made!: Stripe.BillingPortal.Session;
    const events = await eventsOf(async () => ({ session: made } = await portalFor(sub)));
    assert.equal(made.object, 'billing_portal.session');
    assert.equal(made.url, `${url}/p/session/${made.id}`);
    assert.equal(made.return_url, 'http://127.0.0.1:9/back', "the configuration's default_return_url");
    assert.deepEqual(
      events.map((e) => e.type),
      ['billing_portal.session.created'],
    );
  });
});

describe('emulator: the hosted Customer Portal', () => {
  it('when the portal is opened, then it is clearly a test and shows the gift, its next payment, the card, invoices and the way back, escaped', async () => {
    const sub = await subscribe(ten, 'shown@example.org');
    const { base } = await portalFor(sub);
    const html = await (await get(base)).text();
    assert.match(html, /TEST MODE/);
    assert.match(html, /Monthly &lt;b&gt;gift&lt;\/b&gt;/);
    assert.doesNotMatch(html, /<b>gift<\/b>/);
    assert.match(html, /\$10 per month/);
    assert.match(html, /Next payment on \w+ \d+, \d{4}/);
    assert.match(html, /Visa •••• 4242/);
    assert.match(html, /Invoice history[\s\S]*\$10[\s\S]*Paid/);
    assert.match(html, /href="http:\/\/127\.0\.0\.1:9\/back"/);
    assert.match(html, /value="too_expensive"/);
  });

  it('when the donor cancels with a reason, then the gift ends with the period, with cancellation_details and previous_attributes', async () => {
    const sub = await subscribe(ten);
    const { base } = await portalFor(sub);
    let res!: Response;
    const events = await eventsOf(async () => {
      res = await post(`${base}/cancel`, { subscription: sub.id, reason: 'too_expensive', comment: 'money is tight' });
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), `${base}?notice=ending`);
    assert.deepEqual(
      events.map((e) => e.type),
      ['customer.subscription.updated'],
    );
    const { object, previous_attributes } = events[0]!.data as {
      object: Stripe.Subscription;
      previous_attributes: Partial<Stripe.Subscription>;
    };
    assert.equal(object.cancel_at_period_end, true);
    assert.equal(object.cancel_at, sub.items.data[0]!.current_period_end);
    assert.deepEqual(
      { ...object.cancellation_details },
      { comment: 'money is tight', feedback: 'too_expensive', feedback_option: null, reason: 'cancellation_requested' },
    );
    assert.equal(previous_attributes.cancel_at_period_end, false);
    assert.match(await (await get(`${base}?notice=ending`)).text(), /Ends on[\s\S]*Don't cancel/);

    const resumed = await eventsOf(() => post(`${base}/resume`, { subscription: sub.id }));
    const back = resumed[0]!.data as { object: Stripe.Subscription; previous_attributes: Partial<Stripe.Subscription> };
    assert.equal(resumed[0]!.type, 'customer.subscription.updated');
    assert.equal(back.object.cancel_at_period_end, false);
    assert.equal(back.object.cancellation_details?.reason, null);
    assert.equal(back.previous_attributes.cancel_at_period_end, true);
  });

  it('when the configuration cancels immediately, then the gift ends now with customer.subscription.deleted', async () => {
    const now = await stripe.billingPortal.configurations.create({ features: features('immediately') });
    const sub = await subscribe(ten);
    const { base } = await portalFor(sub, { configuration: now.id });
    const events = await eventsOf(() => post(`${base}/cancel`, { subscription: sub.id, reason: 'unused' }));
    assert.deepEqual(
      events.map((e) => e.type),
      ['customer.subscription.deleted'],
    );
    const ended = events[0]!.data.object as Stripe.Subscription;
    assert.equal(ended.status, 'canceled');
    assert.equal(ended.cancellation_details?.feedback, 'unused');
  });

  it('when the donor changes the amount, then the item switches price without an invoice, and the next renewal charges it', async () => {
    const sub = await subscribe(ten);
    const { base } = await portalFor(sub);
    const recurring = { interval: 'month' as const };
    const stranger = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 9900, recurring });
    assert.equal((await post(`${base}/update`, { subscription: sub.id, price: stranger.id })).status, 400);
    const events = await eventsOf(() => post(`${base}/update`, { subscription: sub.id, price: twenty.id }));
    assert.deepEqual(
      events.map((e) => e.type),
      ['customer.subscription.updated'],
    );
    const data = events[0]!.data as { object: Stripe.Subscription; previous_attributes: Partial<Stripe.Subscription> };
    assert.equal(data.object.items.data[0]!.price.id, twenty.id);
    assert.equal(data.previous_attributes.items?.data[0]!.price.id, ten.id);
    assert.equal(renew(emulator.state, sub.id).amount_paid, 2000);
  });

  it('when the donor updates the card, then it is attached and made the default, and a past-due renewal is paid with it', async () => {
    const sub = await subscribe(ten, 'card@example.org');
    emulator.state.dunning = { retries: 3, then: 'cancel' };
    await fetch(`${url}/_emulator/subscriptions/${sub.id}/fail-renewal`, { method: 'POST' });
    assert.equal(sub.status, 'past_due');
    const { base } = await portalFor(sub);
    const events = await eventsOf(() => post(`${base}/card`, { card: 'mastercard' }));
    const types = events.map((e) => e.type);
    for (const t of ['payment_method.attached', 'customer.updated', 'invoice.paid'] as const)
      assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
    const pm = events[0]!.data.object as Stripe.PaymentMethod;
    assert.equal(pm.card?.last4, '4444');
    const customer = events.find((e) => e.type === 'customer.updated')!.data as {
      object: Stripe.Customer;
      previous_attributes: Partial<Stripe.Customer>;
    };
    assert.equal(customer.object.invoice_settings.default_payment_method, pm.id);
    assert.equal(customer.previous_attributes.invoice_settings?.default_payment_method, null);
    const updates = events.filter((e) => e.type === 'customer.subscription.updated');
    const card = updates.map((e) => e.data as { previous_attributes?: Partial<Stripe.Subscription> });
    assert.ok(card.some((d) => d.previous_attributes && 'default_payment_method' in d.previous_attributes));
    assert.ok(card.some((d) => d.previous_attributes?.status === 'past_due'));
    assert.equal(sub.status, 'active');
    assert.equal(sub.default_payment_method, pm.id);
  });

  it('when a flow is done, then the donor goes where after_completion says', async () => {
    const sub = await subscribe(ten);
    const redirect = { type: 'redirect' as const, redirect: { return_url: 'http://127.0.0.1:9/done' } };
    const { base } = await portalFor(sub, {
      flow_data: {
        type: 'subscription_update',
        subscription_update: { subscription: sub.id },
        after_completion: redirect,
      },
    });
    assert.match(await (await get(base)).text(), /Update your subscription/);
    const res = await post(`${base}/update`, { subscription: sub.id, price: twenty.id });
    assert.equal(res.headers.get('location'), 'http://127.0.0.1:9/done');
    const confirm = { type: 'hosted_confirmation' as const, hosted_confirmation: { custom_message: 'Thank <you>' } };
    const second = await portalFor(sub, { flow_data: { type: 'payment_method_update', after_completion: confirm } });
    const done = await post(`${second.base}/card`, { card: 'visa' });
    assert.equal(done.headers.get('location'), `${second.base}/done?notice=card`);
    assert.match(await (await get(done.headers.get('location')!)).text(), /Thank &lt;you&gt;/);
  });

  it('when an e-mail is entered on the login page, then the answer is the same neutral message, with a link only in test mode for a customer', async () => {
    await subscribe(ten, 'Known@Example.org');
    const login = new URL(config.login_page.url!).pathname;
    const ask = async (email: string) => {
      const res = await post(login, { email });
      assert.equal(res.status, 303);
      return (await get(res.headers.get('location')!)).text();
    };
    const sessions = emulator.portal.sessions.size;
    const unknown = await ask('nobody@example.org');
    assert.equal(emulator.portal.sessions.size, sessions, 'no session for an unknown e-mail');
    const known = await ask('known@example.org');
    const neutral = (html: string) =>
      /<p>If .* belongs to a customer, we sent a link to it\./.exec(html)?.[0].replace(/If \S+/, '');
    assert.equal(neutral(known), neutral(unknown));
    assert.doesNotMatch(unknown, /\/p\/session\//);
    const link = /href="([^"]*\/p\/session\/bps_test_\w+)"/.exec(known)?.[1];
    assert.ok(link, 'test mode shows the link the e-mail would hold');
    assert.equal((await get(new URL(link).pathname)).status, 200);
  });

  it('when a session expires, then its page says so and changes nothing; after_expiration lets the right e-mail get a new one', async () => {
    const sub = await subscribe(ten, 'late@example.org');
    const { session, base } = await portalFor(sub, { after_expiration: { type: 'customer_login' } });
    await fetch(`${url}/_emulator/portal-sessions/${session.id}/expire`, { method: 'POST' });
    const page = await get(base);
    assert.equal(page.status, 410);
    assert.match(await page.text(), /This session has expired/);
    assert.equal((await post(`${base}/cancel`, { subscription: sub.id })).status, 410);
    assert.equal(sub.cancel_at_period_end, false);
    const wrong = await post(`${base}/recover`, { email: 'other@example.org' });
    assert.doesNotMatch(await (await get(wrong.headers.get('location')!)).text(), /\/p\/session\/bps_/);
    const right = await post(`${base}/recover`, { email: 'late@example.org' });
    assert.match(await (await get(right.headers.get('location')!)).text(), /\/p\/session\/bps_test_/);
  });

  it('when a session is not visited for 5 minutes, or left idle for an hour after a visit, then it expires', () => {
    let now = 0;
    const portal = new BillingPortal(
      emulator.state,
      () => url,
      () => now,
    );
    const c = portal.createConfiguration({ features: {} });
    const customer = [...emulator.state.customers.keys()][0]!;
    const unvisited = portal.openSession(customer, c, { returnUrl: null });
    now = 5 * 60_000;
    assert.equal(portal.use(unvisited.id), 'expired');
    const visited = portal.openSession(customer, c, { returnUrl: null });
    now += 4 * 60_000;
    assert.notEqual(portal.use(visited.id), 'expired');
    now += 59 * 60_000;
    assert.notEqual(portal.use(visited.id), 'expired');
    now += 60 * 60_000;
    assert.equal(portal.use(visited.id), 'expired');
  });
});
