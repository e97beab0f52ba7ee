// Who changed what, and when: every staff change (the goal, an offline gift) writes one row,
// in the same transaction as the change itself.
import type { Selectable, Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database, StaffAuditTable } from '../db/schema.ts';

export type ChangeLogEntry = Selectable<StaffAuditTable>;

export async function writeChange(
  db: Db | Transaction<Database>,
  staffEmail: string,
  action: string,
  detail: string,
  at: string,
): Promise<void> {
  await db.insertInto('staff_audit').values({ at, staff_email: staffEmail, action, detail }).execute();
}

/** A staff action made elsewhere (at Stripe: a pledge cancelled), written down on its own. */
export function changeLogWrites(db: Db, clock: () => Date, dryRun: boolean) {
  return {
    async logStaffAction(staffEmail: string, action: string, detail: string): Promise<void> {
      if (dryRun) return;
      await writeChange(db, staffEmail, action, detail, clock().toISOString());
    },
  };
}

export async function recentChanges(db: Db, limit = 50): Promise<ChangeLogEntry[]> {
  return db.selectFrom('staff_audit').selectAll().orderBy('id', 'desc').limit(limit).execute();
}
