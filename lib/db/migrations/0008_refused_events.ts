// Signed events whose facts the ledger refuses (an impossible amount, a charge Stripe does
// not know). They are acknowledged, so Stripe stops retrying and never disables the endpoint
// for them, and kept here instead, for the staff dashboard and /readyz to warn about.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('refused_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('first_at', 'text', (c) => c.notNull())
    .addColumn('last_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('refused_events_last_at').on('refused_events').column('last_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('refused_events').execute();
}
