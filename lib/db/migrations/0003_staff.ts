// The staff area: accounts, server-side sessions, the audit trail of every change, and
// what staff may add to the ledger (offline gifts with a reason; a goal of their own).
import { sql, type Kysely } from 'kysely';
import { withId } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('staff_users'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'viewer')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('staff_sessions')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('staff_user_id', 'bigint')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('staff_sessions_expires').on('staff_sessions').column('expires_at').execute();
  await db.schema.createIndex('staff_sessions_user').on('staff_sessions').column('staff_user_id').execute();

  await withId(db, db.schema.createTable('staff_audit'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('staff_email', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .alterTable('contributions')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('stripe'))
    .execute();
  await db.schema.alterTable('contributions').addColumn('donor_name', 'text').execute();
  await db.schema.alterTable('contributions').addColumn('note', 'text').execute();
  await db.schema.alterTable('campaigns').addColumn('goal_set_by', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('campaigns').dropColumn('goal_set_by').execute();
  for (const c of ['note', 'donor_name', 'source']) await db.schema.alterTable('contributions').dropColumn(c).execute();
  for (const t of ['staff_audit', 'staff_sessions', 'staff_users']) await db.schema.dropTable(t).execute();
}
