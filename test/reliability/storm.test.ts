// A duplicate storm: thousands of signed events, each delivered three times, concurrently
// and shuffled, leave the ledger exact.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { charge, stripeEvent } from '../../emulator/objects.ts';
import { completedSession, deliver, makeTestApp, ourMetadata, type TestApp } from '../helpers/app.ts';
import { checkTotals } from '../../lib/ledger/check-totals.ts';

let t: TestApp;
before(async () => {
  t = await makeTestApp({ now: new Date() });
});
after(async () => {
  await t.close();
});

describe('duplicate storm', () => {
  it('when 1,400 events arrive three times each, 24 at a time, in random order, then the totals are exact', async () => {
    const metadata = ourMetadata(t.config);
    const events: Stripe.Event[] = [];
    let expected = 0;
    for (let i = 0; i < 1000; i++) {
      const amount = 500 + (i % 50) * 100;
      const pi = `pi_test_storm_${i}`;
      events.push(
        stripeEvent(
          'checkout.session.completed',
          completedSession(t.config, { amount_total: amount, payment_intent: pi }),
        ),
      );
      let refunded = 0;
      if (i % 5 === 0) {
        refunded = 100 * (1 + (i % 3));
        // Two refund snapshots of one charge; the larger, later one must win.
        events.push(
          stripeEvent(
            'charge.refunded',
            charge({
              amount,
              currency: 'usd',
              payment_intent: pi,
              metadata,
              amount_refunded: 100,
              id: `ch_storm_${i}`,
            }),
          ),
        );
        events.push(
          stripeEvent(
            'charge.refunded',
            charge({
              amount,
              currency: 'usd',
              payment_intent: pi,
              metadata,
              amount_refunded: refunded,
              id: `ch_storm_${i}`,
            }),
            { created: Math.floor(Date.now() / 1000) + 5 },
          ),
        );
      }
      expected += amount - refunded;
    }
    const deliveries = events.flatMap((e) => [e, e, e]);
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    const statuses = new Map<number, number>();
    const queue = [...deliveries];
    await Promise.all(
      Array.from({ length: 24 }, async () => {
        for (let e = queue.shift(); e; e = queue.shift()) {
          const res = await deliver(t.app, e);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    assert.deepEqual([...statuses.keys()], [200], `statuses ${JSON.stringify([...statuses])}`);
    const p = await t.deps.ledger.progress();
    assert.equal(p.raised, expected);
    assert.equal(p.donors, 1000);
    assert.deepEqual(await checkTotals(t.deps.db), []);
    console.log(
      `storm: ${events.length} events, ${deliveries.length} deliveries, ${deliveries.length - events.length} duplicates; raised ${p.raised} = expected`,
    );
  });
});
