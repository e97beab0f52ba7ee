// Stripe, played by a test: histories of gifts as Stripe would report them, signed posts of
// their events to a site, and delivery retried until a 2xx as Stripe retries. Shared by the
// tests that run several instances (test/scale/) and by npm run storm.
import Stripe from 'stripe';
import { checkoutSession, stripeEvent, charge as makeCharge } from '../../emulator/objects.ts';
import { TEST_WEBHOOK_SECRET } from './app.ts';

export const GIFT_METADATA = { fundraiser: 'fundraiser', campaign: 'any' };

export interface GiftHistory {
  events: Stripe.Event[];
  /** What the bar must show once every event is in, in minor units. */
  expected: number;
  donors: number;
  /** Every gift's payment intent, counted or not (a bounced bank debit is not). */
  paymentIntents: string[];
}

/** One paid one-off gift's completed Checkout Session event. */
export function paidGift(amount: number, paymentIntent: string): Stripe.Event {
  const session = checkoutSession({
    amount_total: amount,
    metadata: GIFT_METADATA,
    payment_intent: paymentIntent,
    status: 'complete',
    payment_status: 'paid',
  });
  return stripeEvent('checkout.session.completed', session);
}

/**
 * `n` gifts: most paid by card, some part-refunded, some bank debits that clear and some that
 * bounce. `tag` keeps payment intents of separate histories on one database apart.
 */
export function giftHistory(n: number, tag = 'multi'): GiftHistory {
  const events: Stripe.Event[] = [];
  const paymentIntents: string[] = [];
  let expected = 0;
  let donors = 0;
  for (let i = 0; i < n; i++) {
    const amount = (1 + (i % 7)) * 500;
    const pi = `pi_test_${tag}_${i}`;
    paymentIntents.push(pi);
    const session = checkoutSession({
      amount_total: amount,
      metadata: GIFT_METADATA,
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
          makeCharge({ amount, currency: 'usd', payment_intent: pi, metadata: GIFT_METADATA, amount_refunded: 200 }),
        ),
      );
    }
    expected += amount - refunded;
    donors += 1;
  }
  return { events, expected, donors, paymentIntents };
}

/** Posts `event` signed as Stripe signs it to `baseUrl`/webhooks/stripe; its status, or 0 when the connection failed. */
export async function postWebhook(baseUrl: string, event: Stripe.Event): Promise<number> {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET });
  try {
    const res = await fetch(`${baseUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
      body: payload,
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0; // refused or cut: Stripe counts that as a failure and retries
  }
}

/**
 * Delivers like Stripe: to the address `pick` names (one instance, or the balancer), again
 * after a short growing pause until a 2xx. Resolves with the failed attempts before it.
 */
export async function deliverUntilAccepted(event: Stripe.Event, pick: () => string, maxAttempts = 20): Promise<number> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const status = await postWebhook(pick(), event);
    if (status >= 200 && status < 300) return attempt;
    await new Promise((r) => setTimeout(r, 20 * attempt));
  }
  throw new Error(`event ${event.id} never accepted in ${maxAttempts} attempts`);
}

/** Runs `work` on every item with at most `concurrency` at once. */
export async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** A seeded generator in [0, 1), so a shuffled order can be replayed. */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}
