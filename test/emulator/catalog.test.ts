// The emulator's Products and Prices APIs, and Checkout with a catalog price (`price`) or an
// inline price of a catalog product (`price_data[product]`), as Stripe's reference describes
// them, driven through the official SDK on loopback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import {
  emulator,
  eventsOf,
  product,
  rejects400,
  startFixture,
  stopFixture,
  stripe,
  subscribe,
  ten,
  twenty,
} from './portal-fixture.ts';

before(startFixture);
after(stopFixture);

describe('emulator: Products and Prices', () => {
  it('when prices have lookup keys, then prices.list finds them by lookup_keys, product, type and currency', async () => {
    const found = await stripe.prices.list({ lookup_keys: ['portal_10', 'portal_20', 'nope'] });
    assert.deepEqual(found.data.map((p) => p.id).sort(), [ten.id, twenty.id].sort());
    assert.equal(ten.object, 'price');
    assert.equal(ten.type, 'recurring');
    assert.equal(ten.recurring?.interval, 'month');
    assert.equal((await stripe.prices.list({ product: product.id, type: 'one_time' })).data.length, 0);
    assert.equal((await stripe.prices.list({ product: product.id, currency: 'eur' })).data.length, 0);
    const got = await stripe.prices.retrieve(ten.id, { expand: ['product'] });
    assert.equal((got.product as Stripe.Product).name, 'Monthly <b>gift</b>');
    await rejects400(stripe.prices.list({ lookup_keys: Array.from({ length: 11 }, (_, i) => `k${i}`) }), 'lookup_keys');
  });

  it('when a lookup key is taken, then another price is refused it, unless transfer_lookup_key moves it', async () => {
    const params = { product: product.id, currency: 'usd', unit_amount: 500, lookup_key: 'taken' };
    const first = await stripe.prices.create(params);
    await rejects400(stripe.prices.create(params), 'lookup_key');
    const events = await eventsOf(() => stripe.prices.create({ ...params, transfer_lookup_key: true }));
    assert.deepEqual(
      events.map((e) => e.type),
      ['price.updated', 'price.created'],
    );
    const moved = events[0]!.data as { object: Stripe.Price; previous_attributes?: Partial<Stripe.Price> };
    assert.equal(moved.object.id, first.id);
    assert.equal(moved.object.lookup_key, null);
    assert.equal(moved.previous_attributes?.lookup_key, 'taken');
  });

  it('when a price names no product, or an unknown one, then 400 names the parameter; product_data makes one', async () => {
    await rejects400(stripe.prices.create({ currency: 'usd', unit_amount: 100 }), 'product');
    await rejects400(
      stripe.prices.create({ product: 'prod_nope', currency: 'usd', unit_amount: 100 }),
      'product',
      'resource_missing',
    );
    const made = await stripe.prices.create({ product_data: { name: 'Sticker' }, currency: 'usd', unit_amount: 300 });
    assert.equal((await stripe.products.retrieve(String(made.product))).name, 'Sticker');
  });

  it('when a product or price is updated, then its *.updated event carries the values before; inactive prices leave the default list', async () => {
    const p = await stripe.products.create({ name: 'Old name', metadata: { a: '1' } });
    const updated = await eventsOf(() => stripe.products.update(p.id, { name: 'New name', active: false }));
    const data = updated[0]!.data as { previous_attributes?: Partial<Stripe.Product> };
    assert.equal(updated[0]!.type, 'product.updated');
    assert.deepEqual(
      { name: data.previous_attributes?.name, active: data.previous_attributes?.active },
      { name: 'Old name', active: true },
    );
    const price = await stripe.prices.create({ product: p.id, currency: 'usd', unit_amount: 700 });
    await stripe.prices.update(price.id, { active: false });
    assert.ok(!(await stripe.prices.list({ product: p.id })).data.length);
    assert.deepEqual(
      (await stripe.prices.list({ product: p.id, active: false })).data.map((x) => x.id),
      [price.id],
    );
  });
});

describe('emulator: Checkout with catalog prices', () => {
  it('when Checkout is given a price id, then the subscription item is that price of that product', async () => {
    const sub = await subscribe(twenty);
    const item = sub.items.data[0]!;
    assert.equal(item.price.id, twenty.id);
    assert.equal(item.price.product, product.id);
    assert.equal(item.plan.id, twenty.id);
    assert.equal(emulator.state.invoices.get(String(sub.latest_invoice))!.amount_paid, 2000);
    assert.match(String(sub.default_payment_method), /^pm_test_/, 'Checkout saves the card on the subscription');
  });

  it('when Checkout is given price_data[product], then the item is an inline price of that product, never listed', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [
        {
          quantity: 1,
          price_data: { currency: 'usd', unit_amount: 1234, product: product.id, recurring: { interval: 'month' } },
        },
      ],
      success_url: 'http://127.0.0.1:9/ok',
    });
    emulator.state.pay(session.id, 'card', 'custom@example.org');
    const sub = emulator.state.subscriptions.get(String(emulator.state.sessions.get(session.id)!.subscription))!;
    const price = sub.items.data[0]!.price;
    assert.deepEqual([price.product, price.unit_amount, price.active], [product.id, 1234, false]);
    assert.equal((await stripe.prices.retrieve(price.id)).id, price.id);
    assert.ok(!(await stripe.prices.list({ product: product.id, limit: 100 })).data.some((p) => p.id === price.id));
  });

  it('when a line item names an unknown product or price, or an inactive price, then 400 names the parameter', async () => {
    const base = { mode: 'subscription' as const, success_url: 'http://127.0.0.1:9/ok' };
    const recurring = { interval: 'month' as const };
    const data = { currency: 'usd', unit_amount: 1000, recurring, product: 'prod_nope' };
    await rejects400(
      stripe.checkout.sessions.create({ ...base, line_items: [{ price_data: data, quantity: 1 }] }),
      'line_items[0][price_data][product]',
      'resource_missing',
    );
    await rejects400(
      stripe.checkout.sessions.create({ ...base, line_items: [{ price: 'price_nope', quantity: 1 }] }),
      'line_items[0][price]',
      'resource_missing',
    );
    const old = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 900, recurring });
    await stripe.prices.update(old.id, { active: false });
    await rejects400(
      stripe.checkout.sessions.create({ ...base, line_items: [{ price: old.id, quantity: 1 }] }),
      'line_items[0][price]',
    );
  });
});
