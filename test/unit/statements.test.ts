// The plain-SQL statements of the write path: one text for both databases, run inside a
// transaction, and refused on SQLite when no transaction is open.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serializedTransaction } from '../../lib/db/database.ts';
import { insertRow, sqlTx, statementsFor, updateRow } from '../../lib/db/statements.ts';
import { Additions } from '../../lib/db/additions.ts';
import type { Contribution } from '../../lib/db/schema.ts';
import { migratedDatabaseForFile, TEST_PG } from '../helpers/database.ts';

const file = migratedDatabaseForFile();

const at = '2026-06-01T00:00:00.000Z';
const gift = (stripeId: string) => ({
  stripe_id: stripeId,
  checkout_session_id: stripeId,
  subscription_id: null,
  donor_key: stripeId,
  payment_intent_id: null,
  customer_id: null,
  email: null,
  donor_name: null,
  source: 'stripe' as const,
  note: null,
  frequency: 'once' as const,
  status: 'pending' as const,
  currency: 'usd',
  amount_minor: 2500,
  fee_cover_minor: 0,
  refunded_minor: 0,
  disputed_minor: 0,
  dispute_lost_minor: 0,
  counted_donor: 0,
  settled_minor: 2500,
  settled_currency: 'usd',
  language: null,
  campaign_id: null,
  paid_at: null,
  paid_at_source: null,
  created_at: at,
  updated_at: at,
});

describe('ledger statements', () => {
  it('when a statement has several placeholders, then each value lands in its own column on either database', async () => {
    const q = statementsFor(file.db);
    const row = await serializedTransaction(file.db, async (trx) => {
      const inserted = await q.run(
        trx,
        'insert into stripe_events (id, type, object_id, outcome, received_at) values (?, ?, ?, ?, ?) on conflict (id) do nothing',
        ['evt_stmt_1', 'test.event', 'obj_1', 'recorded', at],
      );
      assert.equal(inserted, 1);
      const again = await q.run(
        trx,
        'insert into stripe_events (id, type, object_id, outcome, received_at) values (?, ?, ?, ?, ?) on conflict (id) do nothing',
        ['evt_stmt_1', 'other', null, 'again', at],
      );
      assert.equal(again, 0, 'a conflicting insert changes nothing');
      return q.first<{ id: string; type: string; object_id: string | null; outcome: string }>(
        trx,
        'select id, type, object_id, outcome from stripe_events where id = ? and type = ?',
        ['evt_stmt_1', 'test.event'],
      );
    });
    assert.deepEqual(row, { id: 'evt_stmt_1', type: 'test.event', object_id: 'obj_1', outcome: 'recorded' });
  });

  it('when a row is inserted and updated, then each returns the row exactly as stored, and an undefined column in an update is not written', async () => {
    const q = statementsFor(file.db);
    const { inserted, updated, storedAfterInsert } = await serializedTransaction(file.db, async (trx) => {
      const inserted = await insertRow(q, trx, 'contributions', { ...gift('cs_stmt_1'), email: 'donor@example.org' });
      // The insert does not read the row back: what it returns must be what a read finds.
      const storedAfterInsert = await trx
        .selectFrom('contributions')
        .selectAll()
        .where('id', '=', inserted.id)
        .executeTakeFirstOrThrow();
      const updated = await updateRow(q, trx, 'contributions', inserted.id, {
        status: 'paid',
        paid_at: at,
        email: undefined,
      });
      return { inserted, updated, storedAfterInsert };
    });
    assert.deepEqual(inserted, storedAfterInsert);
    assert.equal(typeof inserted.id, 'number');
    assert.equal(updated.id, inserted.id);
    assert.equal(updated.status, 'paid');
    assert.equal(updated.paid_at, at);
    assert.equal(updated.email, 'donor@example.org', 'an undefined column is not written');
  });

  it('when a statement throws inside the transaction, then the transaction rolls back with it', async () => {
    const q = statementsFor(file.db);
    await assert.rejects(
      serializedTransaction(file.db, async (trx) => {
        const w = sqlTx(q, trx, new Additions());
        await w.insert('contributions', gift('cs_stmt_rolled_back'));
        await w.run('insert into no_such_table (id) values (?)', [1]);
      }),
    );
    const found = await file.db
      .selectFrom('contributions')
      .select('id')
      .where('stripe_id', '=', 'cs_stmt_rolled_back')
      .executeTakeFirst();
    assert.equal(found, undefined);
  });

  it('when an update names a row that is not there, then it throws instead of pretending', async () => {
    const q = statementsFor(file.db);
    await assert.rejects(
      serializedTransaction(file.db, (trx) => updateRow(q, trx, 'contributions', 987_654_321, { status: 'paid' })),
      /was not found/,
    );
  });

  // PostgreSQL's statements go through the transaction object itself, so only SQLite needs the guard.
  it(
    'when a statement is run outside a write transaction on SQLite, then it is refused',
    { skip: TEST_PG ? 'SQLite only' : false },
    async () => {
      const q = statementsFor(file.db);
      await assert.rejects(
        q.first<Contribution>(undefined as never, 'select * from contributions where stripe_id = ?', ['cs_stmt_1']),
        /only inside a serialized write transaction/,
      );
    },
  );
});
