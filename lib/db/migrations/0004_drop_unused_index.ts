// contributions_checkout_session was never used by a query (a one-off gift is found by its
// stripe_id, which is its session id and has its own unique index), yet every gift's insert
// kept it up to date: one B-tree of seven written per webhook for nothing.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('contributions_checkout_session').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('contributions_checkout_session')
    .on('contributions')
    .column('checkout_session_id')
    .execute();
}
