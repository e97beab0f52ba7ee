// Moving an existing SQLite ledger to the suite's database (PostgreSQL in its run): every
// row comes along, totals match, and the new database keeps working.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../../lib/config.ts';
import { createDb, migrateToLatest, type Db } from '../../lib/db/database.ts';
import { COPIED_TABLES, UNCOPIED_TABLES } from '../../lib/db/copy.ts';
import { createLedger } from '../../lib/ledger/ledger.ts';
import type { GiftFacts } from '../../lib/ledger/types.ts';
import { checkTotals } from '../../lib/ledger/check-totals.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { addStaff, authenticate } from '../../lib/staff/users.ts';
import { experimentStore } from '../../lib/experiments/store.ts';
import { createLogger } from '../../lib/logger.ts';

let dir: string;
let sourceUrl: string;
let target: TestDatabase;
let experimentId: number;
const fundraiser = loadConfig({ FUNDRAISER_GOAL: '10000' }).fundraiser;

const gift = (i: number, extra: Partial<GiftFacts> = {}): GiftFacts => ({
  stripeId: `cs_test_copy_${i}`,
  checkoutSessionId: `cs_test_copy_${i}`,
  subscriptionId: null,
  donorKey: `cs_test_copy_${i}`,
  paymentIntentId: `pi_test_copy_${i}`,
  customerId: null,
  email: `donor${i}@example.org`,
  frequency: 'once',
  status: 'paid',
  currency: 'usd',
  amountMinor: 1000 + i,
  occurredAt: new Date(),
  timeSource: 'stripe',
  ...extra,
});

function cli(...args: string[]) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/copy-database.ts', ...args],
      { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, FUNDRAISER_GOAL: '10000' }, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fundraiser-copy-'));
  sourceUrl = `sqlite:${path.join(dir, 'old.sqlite')}`;
  target = await freshDatabase();
  const db = createDb(loadConfig({ DATABASE_URL: sourceUrl }).database);
  await migrateToLatest(db);
  const ledger = createLedger({ db, fundraiser, clock: () => new Date() });
  await ledger.syncCampaign();
  // An experiment with counts, gifts attributed to it and a winner made the default.
  const experiments = await experimentStore({
    db,
    clock: () => new Date(),
    logger: createLogger('silent'),
    maxAgeMs: 0,
  });
  const variants = [
    { key: 'a' as const, name: 'A', share: 50, overrides: {} },
    { key: 'b' as const, name: 'B', share: 50, overrides: { headline: { en: 'Moved' } } },
  ];
  experimentId = (await experiments.create({ name: 'Moved', surface: 'appeal', variants }, 'boss@example.org')).id;
  await experiments.start(experimentId, 'boss@example.org');
  for (let i = 0; i < 250; i++) {
    const attributed = i % 3 === 0 ? { variants: [{ experimentId, variant: i % 2 ? 'b' : 'a' }] } : {};
    await ledger.recordGift(gift(i, attributed), { id: `evt_copy_${i}`, type: 'checkout.session.completed' });
  }
  await db
    .insertInto('experiment_counts')
    .values([
      { experiment_id: experimentId, variant: 'a', kind: 'impression', count: 2000 },
      { experiment_id: experimentId, variant: 'b', kind: 'impression', count: 1990 },
    ])
    .execute();
  await experiments.makeDefault(experimentId, 'b', 'boss@example.org');
  await ledger.recordGift(gift(900, { status: 'pending' }));
  await ledger.recordGift(
    gift(901, {
      stripeId: 'in_test_copy',
      donorKey: 'sub_test_copy',
      subscriptionId: 'sub_test_copy',
      frequency: 'monthly',
      paymentIntentId: null,
    }),
  );
  await ledger.recordPledge({
    subscriptionId: 'sub_test_copy',
    checkoutSessionId: 'cs_test_m',
    customerId: null,
    email: 'm@example.org',
    currency: 'usd',
    amountMinor: 1901,
  });
  await ledger.recordCharge({
    chargeId: 'ch_copy_1',
    paymentIntentId: 'pi_test_copy_1',
    invoiceId: null,
    currency: 'usd',
    amountMinor: 1001,
    amountRefundedMinor: 500,
    observedAt: new Date(),
  });
  await ledger.recordDispute({
    disputeId: 'dp_copy_2',
    chargeId: 'ch_copy_2',
    paymentIntentId: 'pi_test_copy_2',
    invoiceId: null,
    amountMinor: 1002,
    status: 'lost',
    observedAt: new Date(),
  });
  await ledger.noteWebhook({ id: 'evt_last', type: 'invoice.paid' }, new Date());
  await addStaff(db, 'boss@example.org', 'a long staff password', 'admin', new Date());
  await addStaff(db, 'reader@example.org', 'another staff password', 'viewer', new Date());
  await ledger.recordManualGift({
    amountMinor: 9900,
    receivedAt: new Date(),
    reason: 'cheque 42',
    donorName: null,
    staffEmail: 'boss@example.org',
  });
  await db.destroy();
});
after(async () => {
  await target.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function snapshot(url: string) {
  const db: Db = createDb(loadConfig({ DATABASE_URL: url }).database);
  try {
    const ledger = createLedger({ db, fundraiser, clock: () => new Date() });
    const p = await ledger.progress();
    const counts: Record<string, number> = {};
    for (const t of COPIED_TABLES)
      counts[t] = Number(
        (
          await db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      progress: {
        raised: p.raised,
        gross: p.gross,
        refunded: p.refunded,
        disputeLost: p.disputeLost,
        donors: p.donors,
        goal: p.goal,
      },
      counts,
      audit: await checkTotals(db),
    };
  } finally {
    await db.destroy();
  }
}

describe('npm run db:copy', () => {
  it('when a SQLite ledger with gifts, refunds, disputes and pledges is moved, then every row and total comes along', async () => {
    const res = await cli('--from', sourceUrl, '--to', target.url);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /contributions: 253 rows/);
    assert.match(res.stdout, /staff_users: 2 rows/);
    assert.match(res.stdout, /every campaign total matches its gifts/);
    const before = await snapshot(sourceUrl);
    const after = await snapshot(target.url);
    assert.deepEqual(after, before);
    assert.deepEqual(after.audit, []);
    assert.equal(after.progress.refunded, 500);
    assert.equal(after.progress.disputeLost, 1002);
    assert.equal(after.counts.experiment_gifts, 84);
    assert.equal(after.counts.appeal_defaults, 1);
  });

  it('when the new database takes new gifts, then their ids follow the copied ones', async () => {
    const db = createDb(loadConfig({ DATABASE_URL: target.url }).database);
    try {
      const ledger = createLedger({ db, fundraiser, clock: () => new Date() });
      const out = await ledger.recordGift(gift(5000), { id: 'evt_after_move', type: 'checkout.session.completed' });
      assert.equal(out.result, 'recorded');
      assert.ok(out.result === 'recorded' && out.contribution && out.contribution.id > 253);
      assert.equal(
        (await authenticate(db, 'boss@example.org', 'a long staff password'))?.role,
        'admin',
        'staff can still log in',
      );
      await addStaff(db, 'new@example.org', 'a third staff password', 'viewer', new Date());
      const experiments = await experimentStore({
        db,
        clock: () => new Date(),
        logger: createLogger('silent'),
        maxAgeMs: 0,
      });
      const next = await experiments.create(
        { name: 'After the move', surface: 'banner', variants: [{ key: 'a', name: 'A', share: 100, overrides: {} }] },
        'boss@example.org',
      );
      assert.ok(next.id > experimentId, 'a new experiment gets an id after the copied ones');
      assert.equal(
        (await ledger.recordGift(gift(1), { id: 'evt_copy_1', type: 'checkout.session.completed' })).result,
        'duplicate-event',
        'copied event ids still dedupe',
      );
    } finally {
      await db.destroy();
    }
  });

  it('when the target already holds a ledger, then the copy refuses and changes nothing', async () => {
    const before = await snapshot(target.url);
    const res = await cli('--from', sourceUrl, '--to', target.url);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /already holds/);
    assert.deepEqual(await snapshot(target.url), before);
  });

  it('when the schema has a table, then the copy knows it', async () => {
    const db = createDb(loadConfig({ DATABASE_URL: target.url }).database);
    try {
      const tables = (await db.introspection.getTables())
        .map((t) => t.name)
        .filter((n) => !n.startsWith('kysely_') && !UNCOPIED_TABLES.includes(n));
      assert.deepEqual([...tables].sort(), [...COPIED_TABLES].sort());
    } finally {
      await db.destroy();
    }
  });
});
