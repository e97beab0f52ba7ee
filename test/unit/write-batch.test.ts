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
});
