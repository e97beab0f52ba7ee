// Numbered migrations are never edited once released: add a new file instead.
import { sql, type Kysely } from 'kysely';
import { withId } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('campaigns'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('goal_minor', 'bigint', (c) => c.notNull().check(sql`goal_minor > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('campaign_totals')
    .addColumn('campaign_id', 'bigint', (c) => c.primaryKey().references('campaigns.id').onDelete('cascade'))
    .addColumn('raised_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('donors', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('contributions'))
    .addColumn('stripe_id', 'text', (c) => c.notNull().unique())
    .addColumn('checkout_session_id', 'text')
    .addColumn('payment_intent_id', 'text', (c) => c.unique())
    .addColumn('customer_id', 'text')
    .addColumn('email', 'text')
    .addColumn('frequency', 'text', (c) => c.notNull().check(sql`frequency in ('once', 'monthly')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'paid', 'failed', 'expired')`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull().check(sql`amount_minor >= 0`))
    .addColumn('counted_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('counted_donor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('campaign_id', 'bigint', (c) => c.references('campaigns.id'))
    .addColumn('paid_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contributions_campaign_paid_at').on('contributions').columns(['campaign_id', 'paid_at']).execute();
  await db.schema.createIndex('contributions_checkout_session').on('contributions').column('checkout_session_id').execute();

  await db.schema
    .createTable('stripe_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['stripe_events', 'contributions', 'campaign_totals', 'campaigns']) {
    await db.schema.dropTable(t).execute();
  }
}
