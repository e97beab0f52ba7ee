// Group commit: writes that arrive together share one transaction, but each still happens
// whole or not at all, and each caller hears its own outcome after the commit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { batchedWrites } from '../../lib/db/write-batch.ts';
import { migratedDatabaseForFile } from '../helpers/database.ts';

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
