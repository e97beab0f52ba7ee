// Property: for any history of gifts, bank debits, refunds (some failing later), disputes
// (some lost, appealed and decided again), renewals (some failing and retried, per any of
// Stripe's retry settings), cancellations, pledges set to end or paused, delivering its events
// shuffled, duplicated and several at once leaves the ledger exactly where the reference model (computed from
// Stripe's final state) says, and every pledge in its subscription's final state.
//
// Gifts come in usd (the campaign's and the emulated account's currency) and in eur, gbp and
// jpy, which count at what the emulator's balance transactions settled them at (its fixed test
// rates); some of those have their balance transaction set a step after the payment, as Stripe's
// asynchronous capture does (charge.updated), and their refunds and disputes come off in usd.
//
// Each step of a history happens two seconds after the one before (its events are stamped so),
// as real steps are apart by days: within one second, Stripe's timestamps cannot order them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type Stripe from 'stripe';
import { loadConfig } from '../../lib/config.ts';
import { createDb, migrateToLatest, type Db } from '../../lib/db/database.ts';
import { createLedger } from '../../lib/ledger/ledger.ts';
import { checkTotals } from '../../lib/ledger/check-totals.ts';
import { handleStripeEvent } from '../../lib/payments/events.ts';
import { expectedTotals, totalsOf } from '../helpers/model.ts';
import { seedSession, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { HistoryPlayer, pickCharge, refundPart, shuffle } from '../helpers/history.ts';
import { emptyLedger, freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cancel, updateSubscription } from '../../emulator/renewals.ts';
import { appealDispute, failRefund } from '../../emulator/after-payment.ts';

const RUNS = 300;

type Cmd =
  | {
      t: 'gift';
      amount: number;
      how: 'card' | 'delayed_success' | 'delayed_failure' | 'abandon' | 'expire';
      ours: boolean;
      currency: string;
      /** The balance transaction is set a step after the payment (charge.updated). */
      late: boolean;
    }
  | {
      t: 'monthly';
      amount: number;
      /** Each month paid (true) or its renewal failing (false); failures are retried per the dunning setting. */
      months: boolean[];
      then: 'keep' | 'cancel' | 'end_at_period_end' | 'pause';
      currency: string;
    }
  | { t: 'refund'; target: number; fraction: number; fails: boolean }
  | { t: 'dispute'; target: number; outcome: 'won' | 'lost' | 'open' | 'appeal_won' | 'appeal_lost' | 'appealing' };

const amount = fc.integer({ min: 2, max: 500 }).map((n) => n * 100);
// Half in the campaign's currency; the rest settled into it at the emulator's test rates.
const currency = fc.constantFrom('usd', 'usd', 'usd', 'eur', 'gbp', 'jpy');
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('gift' as const),
      amount,
      how: fc.constantFrom('card', 'card', 'delayed_success', 'delayed_failure', 'abandon', 'expire'),
      ours: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
      currency,
      late: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('monthly' as const),
      amount,
      months: fc.array(fc.boolean(), { maxLength: 4 }),
      then: fc.constantFrom('keep', 'cancel', 'end_at_period_end', 'pause'),
      currency,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('refund' as const),
      target: fc.nat(),
      fraction: fc.double({ min: 0.01, max: 1, noNaN: true }),
      fails: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('dispute' as const),
      target: fc.nat(),
      outcome: fc.constantFrom('won', 'lost', 'open', 'appeal_won', 'appeal_lost', 'appealing'),
    }),
  },
);
const history = fc.record({
  cmds: fc.array(cmd, { minLength: 1, maxLength: 12 }),
  seed: fc.integer(),
  duplicates: fc.array(fc.nat(), { maxLength: 15 }),
  dunning: fc.record({
    retries: fc.integer({ min: 0, max: 2 }),
    then: fc.constantFrom('cancel' as const, 'unpaid' as const, 'past_due' as const),
  }),
});

let s: LiveStack;
let database: TestDatabase;
let db: Db;
before(async () => {
  s = await startLiveStack();
  s.emulator.delivery.enabled = false;
  database = await freshDatabase();
  db = createDb(loadConfig({ DATABASE_URL: database.url }).database);
  await migrateToLatest(db);
});
after(async () => {
  await s.stop();
  await db.destroy();
  await database.drop();
});

/** Plays the commands on the emulator as a reader, Stripe and staff would; returns nothing, leaves events. */
function play(cmds: Cmd[], fundraiserId: string): void {
  const st = s.emulator.state;
  const h = new HistoryPlayer(st);
  const nextStep = () => h.nextStep();
  for (const c of cmds) {
    if (c.t === 'gift' || c.t === 'monthly') {
      const mode = c.t === 'gift' ? 'payment' : 'subscription';
      const metadata: Stripe.Metadata = c.t === 'gift' && !c.ours ? { shop: 'x' } : { fundraiser: fundraiserId };
      const session = st.sessions.get(seedSession(st, { amount: c.amount, mode, metadata, currency: c.currency }))!;
      if (c.t === 'gift') {
        if (!h.oneOff(session, c.how, c.late && c.currency !== 'usd')) continue;
      } else {
        const sub = h.payMonths(session, c.months);
        const status = () => st.subscriptions.get(sub)!.status;
        if (status() !== 'canceled') {
          if (c.then === 'cancel') cancel(st, sub);
          if (c.then === 'end_at_period_end') updateSubscription(st, sub, { cancel_at_period_end: 'true' });
          if (c.then === 'pause') updateSubscription(st, sub, { pause_collection: { behavior: 'void' } });
        }
      }
    } else {
      const ch = pickCharge(h, c.target);
      if (ch && c.t === 'refund') refundPart(h, ch, c, (id) => failRefund(st, id));
      else if (ch && c.t === 'dispute' && !ch.disputed && ch.amount_refunded < ch.amount) {
        const dp = st.dispute(ch.id);
        nextStep();
        if (c.outcome === 'won' || c.outcome === 'lost') st.closeDispute(dp.id, c.outcome);
        if (c.outcome.startsWith('appeal')) {
          st.closeDispute(dp.id, 'lost');
          nextStep();
          appealDispute(st, dp.id);
          nextStep();
          if (c.outcome !== 'appealing') st.closeDispute(dp.id, c.outcome === 'appeal_won' ? 'won' : 'lost');
        }
      }
    }
    nextStep();
  }
}

async function pledgeStates(): Promise<Record<string, string>> {
  const rows = await db.selectFrom('pledges').select(['subscription_id', 'status']).execute();
  return Object.fromEntries(rows.map((r) => [r.subscription_id, r.status]));
}

/** Every pledge of ours in the state its subscription ended up in (the README's table, written out apart from the code). */
function expectedPledgeStates(fundraiserId: string): Record<string, string> {
  const stateOf = (x: Stripe.Subscription) => {
    if (x.status === 'canceled') return 'ended';
    if (x.status === 'past_due' || x.status === 'unpaid') return x.status;
    if (x.pause_collection) return 'paused';
    return x.cancel_at_period_end ? 'ending' : 'active';
  };
  const subs = [...s.emulator.state.subscriptions.values()].filter((x) => x.metadata.fundraiser === fundraiserId);
  return Object.fromEntries(subs.map((x) => [x.id, stateOf(x)]));
}

describe('ledger against the reference model', () => {
  it(`when ${RUNS} random histories are delivered shuffled and duplicated, then the totals equal the model and, with the rollups, a recount`, async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      FUNDRAISER_CAMPAIGN_START: '2000-01-01',
      FUNDRAISER_CAMPAIGN_END: '2100-01-01',
      FUNDRAISER_GOAL: '1000',
    });
    await fc.assert(
      fc.asyncProperty(history, async ({ cmds, seed, duplicates, dunning }) => {
        s.emulator.state.reset();
        s.emulator.state.dunning = dunning;
        play(cmds, config.fundraiser.id);
        const events = [...s.emulator.state.events.values()];
        const deliveries: Stripe.Event[] = shuffle(
          [...events, ...duplicates.filter(() => events.length > 0).map((i) => events[i % events.length]!)],
          seed,
        );

        await emptyLedger(db);
        {
          const ledger = createLedger({ db, fundraiser: config.fundraiser, clock: () => new Date() });
          const deps = { ledger, fundraiser: config.fundraiser, stripe: s.deps.stripe };
          // Up to six at once, as Stripe delivers: writes that arrive together share one
          // transaction (write-batch.ts), and their additions to the totals and rollups are merged.
          const width = 1 + Math.abs(seed % 6);
          for (let i = 0; i < deliveries.length; i += width)
            await Promise.all(deliveries.slice(i, i + width).map((e) => handleStripeEvent(deps, e)));
          const expected = expectedTotals(s.emulator.state, config.fundraiser.id);
          assert.deepEqual(totalsOf(await ledger.progress()), expected);
          assert.deepEqual(await pledgeStates(), expectedPledgeStates(config.fundraiser.id));
          // The totals' and the staff rollups' own check: both equal a recount of the rows.
          assert.deepEqual(await checkTotals(db), []);
          // And every event once more changes nothing.
          for (const e of events) await handleStripeEvent(deps, e);
          assert.deepEqual((await ledger.progress()).raised, expected.raised);
          assert.deepEqual(await pledgeStates(), expectedPledgeStates(config.fundraiser.id));
          assert.deepEqual(await checkTotals(db), []);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
