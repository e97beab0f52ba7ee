// Property: for any history of gifts started from experiments' variants (one-off and monthly,
// some naming no variant, some an experiment that does not exist, some a malformed value, some
// not this fundraiser's), refunds (partial, full, failing) and disputes (won, lost, open),
// delivered through the webhook shuffled, duplicated and several at once, each experiment's
// results per variant equal a reference model computed from Stripe's final state: every gift
// attributed to its variant exactly once, donors and net money per variant exact, nothing
// attributed to an unknown experiment, and the ledger's totals still equal a recount.
//
// Money per variant is the bar's own rule (test/helpers/model.ts) applied to the variant's gifts
// alone; donors are the variant's donors with a paid gift, refunded or not (results.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import Stripe from 'stripe';
import { sql } from 'kysely';
import { createLedger } from '../../lib/ledger/ledger.ts';
import { checkTotals } from '../../lib/ledger/check-totals.ts';
import type { Experiment, Surface } from '../../lib/experiments/rules.ts';
import { WEBHOOK_PATH } from '../../routes/webhooks.ts';
import type { EmulatorState } from '../../emulator/state.ts';
import { cancel } from '../../emulator/renewals.ts';
import { failRefund } from '../../emulator/after-payment.ts';
import { expectedTotals, totalsOf } from '../helpers/model.ts';
import { seedSession, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { HistoryPlayer, pickCharge, refundPart, shuffle } from '../helpers/history.ts';
import { emptyLedger } from '../helpers/database.ts';
import { TEST_WEBHOOK_SECRET } from '../helpers/app.ts';

/** FUZZ_RUNS overrides the count, as for the fuzz files (test/fuzz/kit.ts); kept under a minute per database. */
const RUNS = ((raw) => {
  const n = raw ? Number(raw) : 50;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`FUZZ_RUNS must be a whole number above 0, not ${raw}`);
  return n;
})(process.env.FUZZ_RUNS);

const STAFF = 'staff@example.org';
const KEYS = ['a', 'b', 'c', 'd'] as const;

const key = fc.constantFrom(...KEYS);
/** What one of a session's two experiment keys holds. */
const ref = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('valid' as const), key }) },
  { weight: 2, arbitrary: fc.constant({ t: 'none' as const }) },
  {
    weight: 1,
    // Ids no experiment has (an experiment id is at least 1, and the runs make a few hundred).
    arbitrary: fc.record({ t: fc.constant('unknown' as const), id: fc.constantFrom(0, 123_456_789, 999_999_999), key }),
  },
  {
    weight: 1,
    // "{id}" is the real experiment's id: malformed around a real id must not count either.
    arbitrary: fc.record({
      t: fc.constant('malformed' as const),
      raw: fc.constantFrom('7.z', 'x', '', '.a', '{id}', '{id}.z', '{id}.A', '{id}.ab', ' {id}.a', '{id}.a.b'),
    }),
  },
);
const amount = fc.integer({ min: 2, max: 500 }).map((n) => n * 100);
// Mostly the campaign's currency; the rest count at what the emulator settled them at.
const currency = fc.constantFrom('usd', 'usd', 'usd', 'eur', 'gbp');
const cmd = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('gift' as const),
      amount,
      how: fc.constantFrom('card', 'card', 'card', 'delayed_success', 'delayed_failure', 'abandon', 'expire'),
      ours: fc.integer({ min: 0, max: 5 }).map((n) => n > 0),
      currency,
      late: fc.boolean(),
      appeal: ref,
      banner: ref,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('monthly' as const),
      amount,
      months: fc.array(fc.boolean(), { maxLength: 3 }),
      cancels: fc.boolean(),
      currency,
      appeal: ref,
      banner: ref,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('refund' as const),
      target: fc.nat(),
      // Half of them refund everything that is left.
      fraction: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 1, noNaN: true })),
      fails: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('dispute' as const),
      target: fc.nat(),
      outcome: fc.constantFrom('won' as const, 'lost' as const, 'open' as const),
    }),
  },
);
type Ref = typeof ref extends fc.Arbitrary<infer T> ? T : never;
type Cmd = typeof cmd extends fc.Arbitrary<infer T> ? T : never;
const history = fc.record({
  cmds: fc.array(cmd, { minLength: 1, maxLength: 10 }),
  appealVariants: fc.integer({ min: 2, max: 4 }),
  bannerVariants: fc.integer({ min: 2, max: 4 }),
  seed: fc.integer(),
  duplicates: fc.array(fc.nat(), { maxLength: 12 }),
});

let s: LiveStack;
before(async () => {
  s = await startLiveStack({
    env: { FUNDRAISER_CAMPAIGN_START: '2000-01-01', FUNDRAISER_CAMPAIGN_END: '2100-01-01', FUNDRAISER_GOAL: '1000' },
  });
  // Events are collected and delivered by the test, in its own order.
  s.emulator.delivery.enabled = false;
});
after(() => s.stop());

interface Running {
  appeal: Experiment;
  banner: Experiment;
}

/** A variant the model expects a gift attributed to. */
interface Attr {
  experimentId: number;
  key: string;
}

/** Stops whatever runs, then makes and starts one appeal and one banner experiment with these many variants. */
async function freshExperiments(appealVariants: number, bannerVariants: number): Promise<Running> {
  const store = s.deps.experiments.store;
  for (const e of await store.list()) if (e.status === 'running') await store.stop(e.id, STAFF);
  const make = async (surface: Surface, n: number) => {
    const share = Math.floor(100 / n);
    const variants = KEYS.slice(0, n).map((k, i) => ({
      key: k,
      name: k.toUpperCase(),
      share: i === 0 ? 100 - share * (n - 1) : share,
      // Variant a is the surface as it is; each other one changes its own text.
      overrides:
        i === 0 ? {} : surface === 'appeal' ? { headline: { en: `Headline ${k}` } } : { banner: { en: `Banner ${k}` } },
    }));
    const made = await store.create({ name: `${surface} test`, surface, variants }, STAFF);
    await store.start(made.id, STAFF);
    return made;
  };
  return { appeal: await make('appeal', appealVariants), banner: await make('banner', bannerVariants) };
}

/** The metadata value a ref puts on a session. */
function refValue(r: Ref, experimentId: number): string | undefined {
  if (r.t === 'none') return undefined;
  if (r.t === 'valid') return `${experimentId}.${r.key}`;
  if (r.t === 'unknown') return `${r.id}.${r.key}`;
  return r.raw.replace('{id}', String(experimentId));
}

/**
 * Plays the commands on the emulator as readers, Stripe and staff would, leaving its events;
 * returns the variants each of our gifts (session, or subscription for its months) names.
 */
function play(cmds: Cmd[], running: Running, fundraiserId: string): Map<string, Attr[]> {
  const st = s.emulator.state;
  const attrs = new Map<string, Attr[]>();
  const h = new HistoryPlayer(st);
  const nextStep = () => h.nextStep();
  for (const c of cmds) {
    if (c.t === 'gift' || c.t === 'monthly') {
      const ours = c.t === 'monthly' || c.ours;
      const appeal = refValue(c.appeal, running.appeal.id);
      const banner = refValue(c.banner, running.banner.id);
      const metadata: Stripe.Metadata = {
        ...(ours ? { fundraiser: fundraiserId, campaign: '2026', lang: 'en' } : { shop: 'x' }),
        frequency: c.t === 'gift' ? 'once' : 'monthly',
        ...(appeal === undefined ? {} : { exp_appeal: appeal }),
        ...(banner === undefined ? {} : { exp_banner: banner }),
      };
      const mode = c.t === 'gift' ? 'payment' : 'subscription';
      const session = st.sessions.get(seedSession(st, { amount: c.amount, mode, metadata, currency: c.currency }))!;
      const named: Attr[] = [];
      // A well-formed key the experiment does not have (c on a two-variant one) is no variant.
      for (const [r, e] of [
        [c.appeal, running.appeal],
        [c.banner, running.banner],
      ] as const)
        if (ours && r.t === 'valid' && e.variants.some((v) => v.key === r.key))
          named.push({ experimentId: e.id, key: r.key });
      if (c.t === 'gift') {
        attrs.set(session.id, named);
        if (!h.oneOff(session, c.how, c.late && c.currency !== 'usd')) continue;
      } else {
        const sub = h.payMonths(session, c.months);
        attrs.set(sub, named);
        const status = () => st.subscriptions.get(sub)!.status;
        if (c.cancels && status() !== 'canceled') cancel(st, sub);
      }
    } else {
      const ch = pickCharge(h, c.target);
      if (ch && c.t === 'refund') refundPart(h, ch, c, (id) => failRefund(st, id));
      else if (ch && c.t === 'dispute' && !ch.disputed && ch.amount_refunded < ch.amount) {
        const dp = st.dispute(ch.id);
        nextStep();
        if (c.outcome !== 'open') st.closeDispute(dp.id, c.outcome);
      }
    }
    nextStep();
  }
  return attrs;
}

/** Posts one event to the site's webhook, signed as Stripe signs; it must be recorded, not refused. */
async function post(event: Stripe.Event): Promise<void> {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET });
  const res = await fetch(`${s.siteUrl}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
  const body = (await res.json()) as { result?: string };
  assert.equal(res.status, 200, `${event.type} ${event.id}: ${JSON.stringify(body)}`);
  assert.notEqual(body.result, 'refused', `${event.type} ${event.id} was refused`);
}

/** Up to `width` at once, as Stripe delivers: concurrent writes share one transaction (write-batch.ts). */
async function deliver(events: Stripe.Event[], width: number): Promise<void> {
  for (let i = 0; i < events.length; i += width) await Promise.all(events.slice(i, i + width).map(post));
}

const subOf = (inv: Stripe.Invoice) => String(inv.parent?.subscription_details?.subscription);

/** Each variant's donors and net money, from Stripe's final state: the bar's rule on its gifts alone. */
function expectedResults(e: Experiment, attrs: Map<string, Attr[]>, fundraiserId: string) {
  const st = s.emulator.state;
  return e.variants.map((v) => {
    const mine = (id: string) => !!attrs.get(id)?.some((a) => a.experimentId === e.id && a.key === v.key);
    const sessions = new Map([...st.sessions].filter(([id]) => mine(id)));
    const invoices = new Map([...st.invoices].filter(([, inv]) => mine(subOf(inv))));
    // The emulator's state with only this variant's gifts in it (the rest read through the prototype).
    const view = Object.create(st, { sessions: { value: sessions }, invoices: { value: invoices } }) as EmulatorState;
    const donors = new Set<string>();
    for (const x of sessions.values()) if (x.mode === 'payment' && x.payment_status === 'paid') donors.add(x.id);
    for (const inv of invoices.values()) if (inv.status === 'paid') donors.add(subOf(inv));
    return { key: v.key, donors: donors.size, raisedMinor: expectedTotals(view, fundraiserId).raised };
  });
}

async function actualResults(e: Experiment) {
  const r = await s.deps.experiments.results(e.id);
  assert.ok(r, `experiment ${e.id} has results`);
  return r.variants.map((v) => ({ key: v.key, donors: v.donors, raisedMinor: v.raisedMinor }));
}

/** Every attribution row as "<gift's Stripe id> <experiment>.<variant>", against the gifts the ledger holds. */
async function attributions(attrs: Map<string, Attr[]>) {
  const db = s.deps.db;
  const rows = await sql<{ stripe_id: string; experiment_id: number | string; variant: string }>`
    select c.stripe_id, g.experiment_id, g.variant
    from experiment_gifts g join contributions c on c.id = g.contribution_id`.execute(db);
  const gifts = await db.selectFrom('contributions').select('stripe_id').execute();
  const st = s.emulator.state;
  // A month of a pledge is its invoice; it carries its subscription's variants.
  const named = (id: string) => {
    const invoice = st.invoices.get(id);
    return attrs.get(id) ?? (invoice && attrs.get(subOf(invoice))) ?? [];
  };
  return {
    actual: rows.rows.map((r) => `${r.stripe_id} ${Number(r.experiment_id)}.${r.variant}`).sort(),
    expected: gifts.flatMap((g) => named(g.stripe_id).map((a) => `${g.stripe_id} ${a.experimentId}.${a.key}`)).sort(),
  };
}

async function emptyAll(): Promise<void> {
  s.emulator.state.reset();
  // Before the gifts they name (the foreign key would cascade, but say so).
  await s.deps.db.deleteFrom('experiment_gifts').execute();
  await emptyLedger(s.deps.db);
}

describe('experiment results against the reference model', () => {
  it("when the same paid session's events arrive five times, then its variant has one donor and its money once", async () => {
    await emptyAll();
    const running = await freshExperiments(2, 3);
    const st = s.emulator.state;
    const metadata = { fundraiser: s.config.fundraiser.id, exp_appeal: `${running.appeal.id}.b` };
    const id = seedSession(st, { amount: 2500, metadata });
    st.pay(id, 'card', 'p@example.org');
    const events = [...st.events.values()];
    // Five deliveries of each, all at once.
    await Promise.all([1, 2, 3, 4, 5].map(() => deliver(events, events.length)));

    assert.deepEqual(await actualResults(running.appeal), [
      { key: 'a', donors: 0, raisedMinor: 0 },
      { key: 'b', donors: 1, raisedMinor: 2500 },
    ]);
    const none = ['a', 'b', 'c'].map((key) => ({ key, donors: 0, raisedMinor: 0 }));
    assert.deepEqual(await actualResults(running.banner), none);
    const { actual } = await attributions(new Map());
    assert.deepEqual(actual, [`${id} ${running.appeal.id}.b`]);
    assert.deepEqual(await checkTotals(s.deps.db), []);
  });

  it(`when ${RUNS} random histories are delivered shuffled and duplicated, then each variant's donors and money equal the model`, async () => {
    const fundraiser = s.config.fundraiser;
    // A ledger of its own only to read the bar's figures fresh (the app's may answer from memory).
    const reader = createLedger({ db: s.deps.db, fundraiser, clock: () => new Date() });
    await fc.assert(
      fc.asyncProperty(history, async ({ cmds, appealVariants, bannerVariants, seed, duplicates }) => {
        await emptyAll();
        const running = await freshExperiments(appealVariants, bannerVariants);
        const attrs = play(cmds, running, fundraiser.id);
        const events = [...s.emulator.state.events.values()];
        const extra = events.length ? duplicates.map((i) => events[i % events.length]!) : [];
        await deliver(shuffle([...events, ...extra], seed), 1 + Math.abs(seed % 6));

        const check = async () => {
          const table = await attributions(attrs);
          assert.deepEqual(table.actual, table.expected);
          for (const e of [running.appeal, running.banner])
            assert.deepEqual(await actualResults(e), expectedResults(e, attrs, fundraiser.id), e.surface);
          assert.deepEqual(totalsOf(await reader.progress()), expectedTotals(s.emulator.state, fundraiser.id));
          assert.deepEqual(await checkTotals(s.deps.db), []);
        };
        await check();
        // And every event once more changes nothing.
        await deliver(events, 1 + Math.abs(seed % 3));
        await check();
      }),
      { numRuns: RUNS },
    );
  });
});
