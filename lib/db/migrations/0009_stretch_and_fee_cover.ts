// The message the appeal shows once the goal is reached (set by staff, per campaign), and the
// part of a gift the donor added to cover fees (already inside amount_minor, never added again:
// kept to show staff and to split the dashboard by the tile chosen).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('campaigns').addColumn('stretch_message', 'text').execute();
  await db.schema
    .alterTable('contributions')
    .addColumn('fee_cover_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('contributions').dropColumn('fee_cover_minor').execute();
  await db.schema.alterTable('campaigns').dropColumn('stretch_message').execute();
}
