// Who changed what, and when: every staff change writes one row, in the same transaction.
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

export async function writeAudit(db: Db | Transaction<Database>, staffEmail: string, action: string, detail: string, at: string): Promise<void> {
  await db.insertInto('staff_audit').values({ at, staff_email: staffEmail, action, detail }).execute();
}

export async function recentAudit(db: Db, limit = 50) {
  return db.selectFrom('staff_audit').selectAll().orderBy('id', 'desc').limit(limit).execute();
}
