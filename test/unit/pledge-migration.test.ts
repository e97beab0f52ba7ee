// Migration 0005 rebuilds the pledges table on SQLite (a CHECK constraint cannot change in
// place), outside a transaction as Kysely runs SQLite migrations: run again after a crash at
// any step, it ends with every pledge kept. On PostgreSQL it swaps the constraint in one
// transaction, and down() returns to the two old states.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { loadConfig } from '../../lib/config.ts';
import { createDb, type Db } from '../../lib/db/database.ts';
import { isPostgres } from '../../lib/db/dialect.ts';
import * as m0001 from '../../lib/db/migrations/0001_initial.ts';
import * as m0005 from '../../lib/db/migrations/0005_pledge_states.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';

let database: TestDatabase;
let db: Db;
before(async () => {
  database = await freshDatabase();
  db = createDb(loadConfig({ DATABASE_URL: database.url }).database);
});
after(async () => {
  await db.destroy();
  await database.drop();
});

const at = '2026-01-01T00:00:00.000Z';
const pledge = (id: string, status: 'active' | 'ended') =>
  sql`insert into pledges (subscription_id, currency, amount_minor, status, created_at, updated_at)
      values (${id}, 'usd', 1000, ${status}, ${at}, ${at})`.execute(db);
const rows = async () =>
  (
    await sql<{
      subscription_id: string;
      status: string;
    }>`select subscription_id, status from pledges order by 1`.execute(db)
  ).rows;

describe('migration 0005 (pledge states)', () => {
  it('when it runs, is undone and runs again, then every pledge is kept and the new states are allowed', async () => {
    await m0001.up(db);
    await pledge('sub_a', 'active');
    await pledge('sub_b', 'ended');
    await m0005.up(db);
    await sql`update pledges set status = 'unpaid' where subscription_id = 'sub_a'`.execute(db);
    await assert.rejects(sql`update pledges set status = 'lost' where subscription_id = 'sub_a'`.execute(db));
    await m0005.down(db);
    assert.deepEqual(await rows(), [
      { subscription_id: 'sub_a', status: 'active' },
      { subscription_id: 'sub_b', status: 'ended' },
    ]);
    await m0005.up(db);
    assert.equal((await rows()).length, 2);
  });

  it('when SQLite stopped between its steps, then running it again finishes the rebuild', async (t) => {
    if (isPostgres(db)) return t.skip('PostgreSQL changes the constraint in place, in one transaction');
    // Stopped after the old table was dropped, before the copy was renamed.
    await sql`alter table pledges rename to pledges_rebuilt`.execute(db);
    await m0005.up(db);
    assert.equal((await rows()).length, 2);
    // Stopped with a copy half built beside the old table.
    await sql`create table pledges_rebuilt (junk text)`.execute(db);
    await m0005.up(db);
    assert.equal((await rows()).length, 2);
    await sql`update pledges set status = 'paused' where subscription_id = 'sub_a'`.execute(db);
  });
});
