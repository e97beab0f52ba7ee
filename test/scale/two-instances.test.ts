// Several stateless instances on one database: signed webhooks spread across two server
// processes at random, concurrently, with duplicates; both end on the exact total.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { checkoutSession, stripeEvent, charge as makeCharge } from '../../emulator/objects.ts';
import { TEST_WEBHOOK_SECRET } from '../helpers/app.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

let database: TestDatabase;
let a: ServerProcess;
let b: ServerProcess;

const env = {
  STRIPE_SECRET_KEY: 'sk_test_two_instances',
  STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  STRIPE_API_URL: 'http://127.0.0.1:9',
  APP_SECRET: 'same-secret-on-every-instance-0123456789',
  FUNDRAISER_GOAL: '100000',
  DATABASE_POOL_SIZE: '8',
};

before(async () => {
  database = await freshDatabase();
  a = await startServerProcess(env, database.url);
  b = await startServerProcess(env, database.url);
});
after(async () => {
  await a?.stop();
  await b?.stop();
  await database?.drop();
});

const metadata = { fundraiser: 'fundraiser', campaign: 'any' };

/** A history of gifts as Stripe would report it, and the total it must come to. */
function history(n: number) {
  const events: Stripe.Event[] = [];
  let expected = 0;
  let donors = 0;
  for (let i = 0; i < n; i++) {
    const amount = (1 + (i % 7)) * 500;
    const pi = `pi_test_multi_${i}`;
    const session = checkoutSession({
      amount_total: amount,
      metadata,
      payment_intent: pi,
      status: 'complete',
      payment_status: 'paid',
    });
    const kind = i % 5;
    if (kind === 3) {
      // A bank debit: completes unpaid, then clears.
      events.push(stripeEvent('checkout.session.completed', { ...session, payment_status: 'unpaid' }));
      events.push(stripeEvent('checkout.session.async_payment_succeeded', session));
    } else if (kind === 4) {
      // A bank debit that bounces.
      events.push(stripeEvent('checkout.session.completed', { ...session, payment_status: 'unpaid' }));
      events.push(stripeEvent('checkout.session.async_payment_failed', { ...session, payment_status: 'unpaid' }));
      continue;
    } else {
      events.push(stripeEvent('checkout.session.completed', session));
    }
    let refunded = 0;
    if (kind === 1) {
      refunded = 200;
      events.push(
        stripeEvent(
          'charge.refunded',
          makeCharge({ amount, currency: 'usd', payment_intent: pi, metadata, amount_refunded: 200 }),
        ),
      );
    }
    expected += amount - refunded;
    donors += 1;
  }
  return { events, expected, donors };
}

async function post(server: ServerProcess, event: Stripe.Event): Promise<number> {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET });
  const res = await fetch(`${server.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
    body: payload,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Delivers like Stripe: to either instance, retrying until a 2xx. */
async function deliverUntilAccepted(event: Stripe.Event, random: () => number): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const status = await post(random() < 0.5 ? a : b, event);
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 20 * attempt));
  }
  throw new Error(`event ${event.id} never accepted`);
}

async function progress(server: ServerProcess) {
  return (await (await fetch(`${server.url}/api/progress`)).json()) as { raised: number; donors: number };
}

describe('two instances on one database', () => {
  it('when webhooks are spread across both at random, concurrently and duplicated, then both pages end on the exact total', async () => {
    const { events, expected, donors } = history(120);
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const deliveries = events.flatMap((e) => Array.from({ length: 1 + Math.floor(random() * 3) }, () => e));
    deliveries.sort(() => random() - 0.5);

    const queue = [...deliveries];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let e = queue.shift(); e; e = queue.shift()) await deliverUntilAccepted(e, random);
      }),
    );

    for (const server of [a, b]) {
      const p = await progress(server);
      assert.equal(p.raised, expected, `raised on ${server.url}`);
      assert.equal(p.donors, donors, `donors on ${server.url}`);
      const page = await (await fetch(server.url)).text();
      assert.match(page, new RegExp(`data-raised>\\$${(expected / 100).toLocaleString('en-US')}<`));
    }
  });

  it('when a gift is recorded through one instance, then the other shows it within a second', async () => {
    const before = (await progress(b)).raised;
    const session = checkoutSession({
      amount_total: 4200,
      metadata,
      payment_intent: 'pi_test_fresh',
      status: 'complete',
      payment_status: 'paid',
    });
    assert.equal(await post(a, stripeEvent('checkout.session.completed', session)), 200);
    const started = Date.now();
    let seen = (await progress(b)).raised;
    while (seen !== before + 4200 && Date.now() - started < 1000) seen = (await progress(b)).raised;
    assert.equal(seen, before + 4200);
    console.log(`freshness: instance B showed instance A's gift ${Date.now() - started} ms after A answered`);
  });
});
