// Group commit: writes that arrive together share one transaction, but each still happens
// whole or not at all, and each caller hears its own outcome after the commit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { batchedWrites } from '../../lib/db/write-batch.ts';
import { migratedDatabaseForFile, TEST_PG } from '../helpers/database.ts';

const file = migratedDatabaseForFile();

const note = (id: string) => ({
  id,
  type: 'test.event',
  object_id: null,
  outcome: 'recorded',
  received_at: new Date().toISOString(),
});
const ids = async () =>
  (
    await file.db.selectFrom('stripe_events').select('id').where('id', 'like', 'evt_batch_%').orderBy('id').execute()
  ).map((r) => r.id);

describe('batched ledger writes', () => {
  it('when one write of a burst fails, then only it is rolled back and only its caller hears the error', async () => {
    const write = batchedWrites(file.db);
    const results = await Promise.allSettled([
      write(async (trx) => void (await trx.insertInto('stripe_events').values(note('evt_batch_a')).execute())),
      write(async (trx) => {
        await trx.insertInto('stripe_events').values(note('evt_batch_b')).execute();
        throw new Error('this write fails after its insert');
      }),
      write(async (trx) => {
        // Sees the first write of its batch: writes run one after another.
        const first = await trx
          .selectFrom('stripe_events')
          .select('id')
          .where('id', '=', 'evt_batch_a')
          .executeTakeFirst();
        await trx
          .insertInto('stripe_events')
          .values(note(first ? 'evt_batch_c' : 'evt_batch_c_blind'))
          .execute();
        return 'c';
      }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((results[2] as PromiseFulfilledResult<string>).value, 'c');
    assert.match(String((results[1] as PromiseRejectedResult).reason), /fails after its insert/);
    assert.deepEqual(await ids(), ['evt_batch_a', 'evt_batch_c']);
  });

  it('when the database refuses the statement itself, then that write fails and the others of its batch still land', async () => {
    const write = batchedWrites(file.db);
    const results = await Promise.allSettled([
      write(async (trx) => void (await trx.insertInto('stripe_events').values(note('evt_batch_d')).execute())),
      write(async (trx) => void (await sql`insert into no_such_table values (1)`.execute(trx))),
      write(async (trx) => void (await trx.insertInto('stripe_events').values(note('evt_batch_e')).execute())),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(await ids(), ['evt_batch_a', 'evt_batch_c', 'evt_batch_d', 'evt_batch_e']);
  });

  it('when several writes of a batch add to one sum, then it is written once with their total, and a failed write adds nothing', async () => {
    const write = batchedWrites(file.db);
    const stored: number[][] = [];
    // Each write adds to the same sum; the write stores what it is given (into a table, so the
    // sum is written inside the batch's transaction, and into `stored` to count the writes).
    const adding = (amount: number, fail = false) =>
      write(async (trx, sums) => {
        sums.add('the sum', [amount, 1], async (values) => {
          stored.push(values);
          await trx
            .insertInto('stripe_events')
            .values(note(`evt_batch_sum_${values.join('_')}`))
            .execute();
        });
        if (fail) throw new Error('this write fails after adding');
      });
    const results = await Promise.allSettled([adding(500), adding(2500, true), adding(700)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(stored, [[1200, 2]]);
    assert.ok((await ids()).includes('evt_batch_sum_1200_2'));
  });

  it('when the additions of a batch cancel out, then nothing is written for them', async () => {
    const write = batchedWrites(file.db);
    const stored: number[][] = [];
    const adding = (amount: number) =>
      write(async (_trx, sums) => sums.add('a sum that nets to zero', [amount], async (v) => void stored.push(v)));
    await Promise.all([adding(300), adding(-300)]);
    assert.deepEqual(stored, []);
  });
});

// PostgreSQL only: SQLite has one writer, and every batch there holds the whole ledger. Two
// writers stand for two instances (each has one batch in flight at a time).
describe('keyed ledger writes on PostgreSQL', { skip: !TEST_PG && 'PostgreSQL only' }, () => {
  it('when two instances write gifts with no key in common, then the second runs while the first is still open', async () => {
    const write = batchedWrites(file.db);
    const other = batchedWrites(file.db);
    let secondStarted!: () => void;
    const started = new Promise<void>((r) => (secondStarted = r));
    let second: Promise<unknown> | undefined;
    await write(
      async (trx) => {
        await trx.insertInto('stripe_events').values(note('evt_batch_keyed_first')).execute();
        second = other(
          async (t) => {
            secondStarted();
            await t.insertInto('stripe_events').values(note('evt_batch_keyed_second')).execute();
          },
          { keys: ['cs_other'] },
        );
        // Would wait for ever if the second write waited for this one (the test would time out).
        await started;
      },
      { keys: ['cs_first'] },
    );
    await second;
    assert.ok((await ids()).includes('evt_batch_keyed_second'));
  });

  it('when two instances write gifts that share a key, then the second starts only after the first has committed', async () => {
    const write = batchedWrites(file.db);
    const other = batchedWrites(file.db);
    const order: string[] = [];
    let second: Promise<unknown> | undefined;
    await write(
      async (trx) => {
        second = other(
          async (t) => {
            order.push('second starts');
            // The first write's row is committed and visible here.
            const seen = await t
              .selectFrom('stripe_events')
              .select('id')
              .where('id', '=', 'evt_batch_shared_first')
              .executeTakeFirst();
            order.push(seen ? 'sees the first' : 'does not see the first');
          },
          { keys: ['pi_shared', 'cs_second'] },
        );
        // Give the second batch every chance to start (it is in flight, waiting for the key).
        await new Promise((r) => setTimeout(r, 100));
        await trx.insertInto('stripe_events').values(note('evt_batch_shared_first')).execute();
        order.push('first ends');
      },
      { keys: ['cs_first_shared', 'pi_shared'] },
    );
    await second;
    assert.deepEqual(order, ['first ends', 'second starts', 'sees the first']);
  });

  it('when a write without keys runs, then it holds the whole ledger: keyed writes of another instance wait for it', async () => {
    const write = batchedWrites(file.db);
    const other = batchedWrites(file.db);
    const order: string[] = [];
    let keyed: Promise<unknown> | undefined;
    await write(async () => {
      keyed = other(async () => void order.push('keyed runs'), { keys: ['cs_any'] });
      await new Promise((r) => setTimeout(r, 100));
      order.push('unkeyed ends');
    });
    await keyed;
    assert.deepEqual(order, ['unkeyed ends', 'keyed runs']);
  });
});
