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

  // Running totals per campaign, changed in the same transaction as the rows they sum.
  await db.schema
    .createTable('campaign_totals')
    .addColumn('campaign_id', 'bigint', (c) => c.primaryKey().references('campaigns.id').onDelete('cascade'))
    .addColumn('raised_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('gross_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('refunded_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('disputed_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('dispute_lost_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('donors', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('contributions'))
    .addColumn('stripe_id', 'text', (c) => c.notNull().unique())
    .addColumn('checkout_session_id', 'text')
    .addColumn('subscription_id', 'text')
    .addColumn('donor_key', 'text', (c) => c.notNull())
    .addColumn('payment_intent_id', 'text', (c) => c.unique())
    .addColumn('customer_id', 'text')
    .addColumn('email', 'text')
    .addColumn('frequency', 'text', (c) => c.notNull().check(sql`frequency in ('once', 'monthly')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'paid', 'failed', 'expired')`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull().check(sql`amount_minor >= 0`))
    .addColumn('refunded_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('disputed_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('dispute_lost_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('counted_donor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('campaign_id', 'bigint', (c) => c.references('campaigns.id'))
    .addColumn('paid_at', 'text')
    .addColumn('paid_at_source', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('contributions_campaign_paid_at')
    .on('contributions')
    .columns(['campaign_id', 'paid_at'])
    .execute();
  await db.schema
    .createIndex('contributions_checkout_session')
    .on('contributions')
    .column('checkout_session_id')
    .execute();
  await db.schema
    .createIndex('contributions_donor')
    .on('contributions')
    .columns(['donor_key', 'campaign_id'])
    .execute();

  // Refund and dispute state per Stripe charge, kept even before the gift it belongs to is
  // known, so a refund that arrives before its payment is not lost.
  await db.schema
    .createTable('ledger_charges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_intent_id', 'text')
    .addColumn('invoice_id', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('amount_refunded_minor', 'bigint', (c) => c.notNull())
    .addColumn('observed_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ledger_charges_payment_intent')
    .on('ledger_charges')
    .column('payment_intent_id')
    .execute();
  await db.schema.createIndex('ledger_charges_invoice').on('ledger_charges').column('invoice_id').execute();

  await db.schema
    .createTable('ledger_disputes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('charge_id', 'text', (c) => c.notNull())
    .addColumn('payment_intent_id', 'text')
    .addColumn('invoice_id', 'text')
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('observed_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ledger_disputes_payment_intent')
    .on('ledger_disputes')
    .column('payment_intent_id')
    .execute();
  await db.schema.createIndex('ledger_disputes_invoice').on('ledger_disputes').column('invoice_id').execute();

  // A monthly pledge: the subscription a Checkout Session started. It carries no money itself;
  // each paid invoice is a contribution.
  await db.schema
    .createTable('pledges')
    .addColumn('subscription_id', 'text', (c) => c.primaryKey())
    .addColumn('checkout_session_id', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('email', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'ended')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('stripe_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();

  // One row: when a signed webhook last arrived (any type), for the staff view's warning.
  await db.schema
    .createTable('webhook_status')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('last_received_at', 'text', (c) => c.notNull())
    .addColumn('last_event_id', 'text', (c) => c.notNull())
    .addColumn('last_event_type', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'webhook_status',
    'stripe_events',
    'pledges',
    'ledger_disputes',
    'ledger_charges',
    'contributions',
    'campaign_totals',
    'campaigns',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
