// The last time a signed event came in another API version than the pinned one, and which:
// the staff dashboard and /readyz warn about it until the webhook endpoint is fixed.
import type { Kysely } from 'kysely';

const COLUMNS = ['other_api_version', 'other_api_version_at'];

// One column a statement: SQLite's ALTER TABLE takes one at a time.
export async function up(db: Kysely<any>): Promise<void> {
  for (const c of COLUMNS) await db.schema.alterTable('webhook_status').addColumn(c, 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of COLUMNS) await db.schema.alterTable('webhook_status').dropColumn(c).execute();
}
