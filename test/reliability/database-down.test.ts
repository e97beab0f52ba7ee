// PostgreSQL stopped while webhooks are arriving: each event either was recorded and got a
// 2xx, or got a 5xx and left nothing behind; Stripe's redelivery after the restart lands
// every event exactly once. Runs in the SQLite pass only: it brings its own PostgreSQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { stripeEvent } from '../../emulator/objects.ts';
import { completedSession, deliver, makeTestApp, readTotals, type TestApp } from '../helpers/app.ts';
import { startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { TEST_PG } from '../helpers/database.ts';
import { checkTotals } from '../../lib/ledger/check-totals.ts';

const skip = TEST_PG ? 'the SQLite pass runs it (it starts its own PostgreSQL)' : false;

let pg: PostgresServer | null = null;
let t: TestApp;

describe('PostgreSQL stopped mid-delivery', { skip }, () => {
  before(async () => {
    // Durable commits, as in production: a crash must not take back an acknowledged commit.
    pg = await startPostgres({ durable: true });
    if (!pg) {
      if (process.env.REQUIRE_POSTGRES === '1') throw new Error('initdb/pg_ctl not found, and REQUIRE_POSTGRES=1');
      return;
    }
    // A short statement timeout so calls on a dead connection fail fast.
    t = await makeTestApp({ now: new Date(), env: { DATABASE_URL: pg.url, DATABASE_STATEMENT_TIMEOUT_MS: '2000' } });
  });
  after(async () => {
    await t?.close();
    pg?.stop();
  });

  it('when the database stops during 60 deliveries, then each answer is 2xx-and-recorded or 5xx-and-absent, and redelivery lands each once', async (ctx) => {
    if (!pg) return ctx.skip('no PostgreSQL binaries on this machine');
    const server = pg;
    const amounts = Array.from({ length: 60 }, (_, i) => 500 + i * 100);
    const events: Stripe.Event[] = amounts.map((amount, i) =>
      stripeEvent(
        'checkout.session.completed',
        completedSession(t.config, {
          id: `cs_test_down_${i}`,
          amount_total: amount,
          payment_intent: `pi_test_down_${i}`,
        }),
      ),
    );
    const before = await readTotals(t.app);

    // Ten land; then the server is halted while the next thirty are in flight; the last twenty
    // arrive once it is down.
    const statuses: number[] = [];
    const send = async (i: number) => void (statuses[i] = (await deliver(t.app, events[i]!)).status);
    await Promise.all(events.slice(0, 10).map((_, i) => send(i)));
    const halted = server.halt();
    await Promise.all(
      events.slice(10, 40).map(async (_, k) => {
        await new Promise((r) => setTimeout(r, k * 5));
        await send(10 + k);
      }),
    );
    await halted;
    await Promise.all(events.slice(40).map((_, k) => send(40 + k)));
    const ok = statuses.filter((s) => s === 200).length;
    const failed = statuses.filter((s) => s >= 500).length;
    assert.equal(ok + failed, events.length, `only 200 or 5xx answers: ${statuses.join(',')}`);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200), 'before the stop, all recorded');
    assert.ok(
      statuses.slice(40).every((s) => s >= 500),
      'with the database down, every delivery fails with a 5xx',
    );

    await server.restart();
    // What was acknowledged is there. A commit that reached the disk as the server died may have
    // lost only its reply (the sender saw a 5xx; Stripe sends it again, and it lands once): so an
    // unacknowledged gift may be there too, but only one sent while the server was going down.
    const { db } = t.deps;
    const rows = await db
      .selectFrom('contributions')
      .select('stripe_id')
      .where('stripe_id', 'like', 'cs_test_down_%')
      .execute();
    const idOf = (i: number) => (events[i]!.data.object as Stripe.Checkout.Session).id;
    const stored = new Set(rows.map((r) => r.stripe_id));
    const indices = events.map((_, i) => i);
    const acknowledged = indices.filter((i) => statuses[i] === 200);
    assert.deepEqual(
      acknowledged.filter((i) => !stored.has(idOf(i))),
      [],
      'every acknowledged gift is in the ledger',
    );
    const unacknowledged = indices.filter((i) => statuses[i] !== 200 && stored.has(idOf(i)));
    assert.ok(
      unacknowledged.every((i) => i >= 10 && i < 40),
      `an unacknowledged gift is there only if sent during the stop: ${unacknowledged.join(',')}`,
    );
    assert.deepEqual(await checkTotals(db), []);

    // Stripe retries everything it did not get a 2xx for (and, at least once, some it did).
    const redelivered = await Promise.all(events.map((e) => deliver(t.app, e)));
    assert.deepEqual(
      redelivered.map((r) => r.status),
      events.map(() => 200),
    );
    const after = await readTotals(t.app);
    assert.equal(
      after.api.raised - before.api.raised,
      amounts.reduce((a, b) => a + b, 0),
      'every gift counted once',
    );
    assert.equal(after.api.donors - before.api.donors, events.length);
    assert.deepEqual(await checkTotals(db), []);
    console.log(
      `database down: ${events.length} events, ${ok} recorded before the stop, ${failed} answered 5xx, all ${events.length} recorded once after redelivery`,
    );
  });
});
