import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { createLedger } from '../../lib/ledger/ledger.ts';
import { reconcile } from '../../lib/payments/reconcile.ts';
import { TEST_WEBHOOK_SECRET } from '../helpers/app.ts';
import { expectedTotals, totalsOf } from '../helpers/model.ts';
import { checkoutThroughForm, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { cancel, failRenewal, renew } from '../../emulator/renewals.ts';
import { failRefund } from '../../emulator/after-payment.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack();
});
after(async () => {
  await s.stop();
});

const st = () => s.emulator.state;
const since = () => new Date(Date.now() - 3600_000);

const give = (amount: string, frequency: 'once' | 'monthly' = 'once') => checkoutThroughForm(s.app, amount, frequency);

const chargeOf = (sessionId: string) =>
  st().paymentIntents.get(st().sessions.get(sessionId)!.payment_intent as string)!.latest_charge as string;

const totals = async () => totalsOf(await s.deps.ledger.progress());

const run = (dryRun = false) =>
  reconcile(
    {
      ledger: dryRun
        ? createLedger({ db: s.deps.db, fundraiser: s.config.fundraiser, clock: () => new Date(), dryRun: true })
        : s.deps.ledger,
      stripe: s.deps.stripe,
      fundraiser: s.config.fundraiser,
      clock: () => new Date(),
    },
    { since: since() },
  );

describe('reconciliation', () => {
  it('when webhooks were off for part of the history, then reconcile heals the ledger, and a second run is a no-op', async () => {
    const first = await give('20');
    st().pay(first, 'card', 'a@example.org');
    const disputed = await give('30');
    st().pay(disputed, 'card', 'b@example.org');
    await s.emulator.whenIdle();

    s.emulator.delivery.enabled = false; // the outage
    const missed = await give('45');
    st().pay(missed, 'card', 'c@example.org');
    const debit = await give('15');
    st().pay(debit, 'delayed_success', 'd@example.org');
    st().settle(debit, 'succeeded');
    const bounced = await give('16');
    st().pay(bounced, 'delayed_failure', 'e@example.org');
    st().settle(bounced, 'failed');
    const monthly = await give('10', 'monthly');
    st().pay(monthly, 'card', 'f@example.org');
    const sub = st().sessions.get(monthly)!.subscription as string;
    renew(st(), sub);
    cancel(st(), sub);
    st().refund({ charge: chargeOf(first) }, 700); // a refund made in Stripe's dashboard
    st().closeDispute(st().dispute(chargeOf(disputed)).id, 'lost');
    await s.deps.stripe.checkout.sessions.expire(await give('99'));
    s.emulator.delivery.enabled = true;

    const expected = expectedTotals(st(), s.config.fundraiser.id);
    assert.notDeepEqual(await totals(), expected, 'the ledger missed events');

    // Older than Stripe keeps events: only the objects themselves are left to read.
    const events = new Map(st().events);
    st().events.clear();
    const report = await run();
    st().events.clear();
    for (const [k, v] of events) st().events.set(k, v);
    assert.deepEqual(await totals(), expected);
    const fixed = report.fixed.map((f) => `${f.kind}:${f.id}`);
    for (const id of [missed, debit, bounced, monthly]) assert.ok(fixed.includes(`session:${id}`), `fixed ${id}`);
    assert.ok(report.fixed.some((f) => f.kind === 'invoice'));
    assert.ok(report.fixed.some((f) => f.kind === 'refund'));
    assert.ok(report.fixed.some((f) => f.kind === 'dispute'));
    assert.ok(report.fixed.some((f) => f.kind === 'pledge'));
    assert.equal((await s.deps.ledger.findGift(bounced))?.status, 'failed');

    const again = await run();
    assert.deepEqual(again.fixed, []);
    assert.ok(again.checked.session >= 6);
    assert.deepEqual(await totals(), expected);

    // Late webhooks for what reconcile already recorded change nothing.
    for (const e of st().events.values()) st().replay(e.id);
    await s.emulator.whenIdle();
    assert.deepEqual(await totals(), expected);
  });

  it("when a dispute opened before the window is lost inside it, then Stripe's events heal what the object lists cannot see", async () => {
    const id = await give('33');
    st().pay(id, 'card', 'z@example.org');
    const dp = st().dispute(chargeOf(id));
    await s.emulator.whenIdle();
    dp.created -= 7200; // opened two hours ago, before the window reconciled below
    s.emulator.delivery.enabled = false;
    st().closeDispute(dp.id, 'lost');
    s.emulator.delivery.enabled = true;
    const before = (await totals()).raised;

    const report = await run();
    assert.ok(report.fixed.some((f) => f.kind === 'event' && f.what === 'charge.dispute.closed'));
    assert.equal((await totals()).raised, before - 3300);
    assert.deepEqual((await run()).fixed, []);
  });

  it('when objects made before the window changed inside it and their events are gone, then reconcile still finds them', async () => {
    const earlier = Math.floor(Date.now() / 1000) - 7200; // two hours ago, before the window
    const monthly = await give('10', 'monthly');
    st().pay(monthly, 'card', 'p@example.org');
    const ended = st().sessions.get(monthly)!.subscription as string;
    const retried = await give('11', 'monthly');
    st().pay(retried, 'card', 'q@example.org');
    const recovering = st().sessions.get(retried)!.subscription as string;
    const once = await give('40');
    st().pay(once, 'card', 'r@example.org');
    const refund = st().refund({ charge: chargeOf(once) }, 1000);
    failRenewal(st(), recovering);
    await s.emulator.whenIdle();
    for (const o of [st().subscriptions.get(ended)!, st().subscriptions.get(recovering)!, refund]) o.created = earlier;
    const openInvoice = st().invoices.get(String(st().subscriptions.get(recovering)!.latest_invoice))!;
    openInvoice.created = earlier;

    // Inside the window, while webhooks are lost: a pledge ends, a retry pays, a refund fails.
    s.emulator.delivery.enabled = false;
    cancel(st(), ended);
    renew(st(), recovering);
    failRefund(st(), refund.id);
    s.emulator.delivery.enabled = true;
    st().events.clear(); // older than Stripe keeps them: only the objects are left

    const report = await run();
    const fixed = report.fixed.map((f) => `${f.kind}:${f.id}`);
    assert.ok(fixed.includes(`pledge:${ended}`), 'the ended pledge');
    assert.ok(fixed.includes(`invoice:${openInvoice.id}`), 'the retried invoice');
    assert.ok(fixed.includes(`pledge:${recovering}`), 'the recovered pledge');
    assert.ok(fixed.includes(`refund:${chargeOf(once)}`), 'the failed refund');
    const pledge = (sub: string) =>
      s.deps.db.selectFrom('pledges').select('status').where('subscription_id', '=', sub).executeTakeFirstOrThrow();
    assert.equal((await pledge(ended)).status, 'ended');
    assert.equal((await pledge(recovering)).status, 'active');
    assert.deepEqual(await totals(), expectedTotals(st(), s.config.fundraiser.id));
    assert.deepEqual((await run()).fixed, []);
  });

  it('when run as a dry run, then it reports what it would fix and writes nothing', async () => {
    s.emulator.delivery.enabled = false;
    const id = await give('12');
    st().pay(id, 'card', 'g@example.org');
    s.emulator.delivery.enabled = true;
    const before = await totals();
    const report = await run(true);
    assert.ok(report.fixed.some((f) => f.kind === 'event' && f.what === 'checkout.session.completed'));
    assert.ok(report.fixed.some((f) => f.kind === 'session' && f.id === id));
    assert.deepEqual(await totals(), before);
    assert.equal(await s.deps.ledger.findGift(id), undefined);
  });

  it('when run from the command line, then it prints what it fixed, and --dry-run writes nothing', async () => {
    s.emulator.delivery.enabled = false;
    const id = await give('13');
    st().pay(id, 'card', 'h@example.org');
    s.emulator.delivery.enabled = true;
    const env = {
      PATH: process.env.PATH,
      DATABASE_URL: s.databaseUrl,
      STRIPE_SECRET_KEY: 'sk_test_suite',
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_URL: s.emulatorUrl,
      FUNDRAISER_GOAL: '50000',
    };
    // Asynchronous: the emulator the command talks to lives in this very process.
    const cli = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'bin/reconcile.ts', ...args],
          { cwd: PROJECT_ROOT, env, timeout: 60_000 },
          (err, stdout, stderr) =>
            resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const day = since().toISOString();

    const dry = await cli('--since', day, '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`would fix: session ${id}`));
    assert.match(dry.stdout, /would fix: event evt_\w+: checkout.session.completed/);
    assert.match(dry.stdout, /\d+ would be fixed \(nothing written\)/);
    assert.equal(await s.deps.ledger.findGift(id), undefined);

    const real = await cli('--since', day);
    assert.equal(real.status, 0, real.stderr);
    assert.match(real.stdout, /fixed: event evt_\w+: checkout.session.completed/);
    assert.equal((await s.deps.ledger.findGift(id))?.status, 'paid');

    const bad = await cli('--since', 'last tuesday');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--since is not a date/);
    assert.match((await cli()).stderr, /--since is required/);
  });
});
