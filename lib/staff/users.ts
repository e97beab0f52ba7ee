// Staff accounts. There are no default credentials: accounts are made with `npm run staff`.
import type { Db } from '../db/database.ts';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';

export type StaffRole = 'admin' | 'viewer';

export interface StaffUser {
  id: number;
  email: string;
  role: StaffRole;
}

/** An e-mail address as accounts are stored and looked up. */
export const normalEmail = (email: string) => email.trim().toLowerCase();
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function addStaff(
  db: Db,
  email: string,
  password: string,
  role: StaffRole,
  now: Date,
): Promise<StaffUser> {
  const e = normalEmail(email);
  if (!EMAIL.test(e)) throw new Error(`not an e-mail address: ${email}`);
  if (await db.selectFrom('staff_users').select('id').where('email', '=', e).executeTakeFirst())
    throw new Error(`${e} already has an account`);
  const row = await db
    .insertInto('staff_users')
    .values({
      email: e,
      password_hash: await hashPassword(password),
      role,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .returning(['id', 'email', 'role'])
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), email: row.email, role: row.role };
}

/** Removes the account and ends its sessions. */
export async function removeStaff(db: Db, email: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('staff_users')
      .select('id')
      .where('email', '=', normalEmail(email))
      .executeTakeFirst();
    if (!user) return false;
    await trx.deleteFrom('staff_sessions').where('staff_user_id', '=', user.id).execute();
    await trx.deleteFrom('staff_users').where('id', '=', user.id).execute();
    return true;
  });
}

/** Sets a new password and ends every session of the account. */
export async function resetStaffPassword(db: Db, email: string, password: string, now: Date): Promise<boolean> {
  const hash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('staff_users')
      .select('id')
      .where('email', '=', normalEmail(email))
      .executeTakeFirst();
    if (!user) return false;
    await trx
      .updateTable('staff_users')
      .set({ password_hash: hash, updated_at: now.toISOString() })
      .where('id', '=', user.id)
      .execute();
    await trx.deleteFrom('staff_sessions').where('staff_user_id', '=', user.id).execute();
    return true;
  });
}

export async function listStaff(db: Db): Promise<Array<StaffUser & { createdAt: string }>> {
  const rows = await db
    .selectFrom('staff_users')
    .select(['id', 'email', 'role', 'created_at'])
    .orderBy('email')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), email: r.email, role: r.role, createdAt: r.created_at }));
}

async function findStaff(db: Db, id: number): Promise<StaffUser | null> {
  const row = await db
    .selectFrom('staff_users')
    .select(['id', 'email', 'role'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? { id: Number(row.id), email: row.email, role: row.role } : null;
}

/** The account for these credentials, or null; the same work either way, so timing tells nothing. */
export async function authenticate(db: Db, email: string, password: string): Promise<StaffUser | null> {
  // No account has such an e-mail, and PostgreSQL text cannot even hold a NUL.
  if (email.includes('\u0000')) email = '';
  const row = await db
    .selectFrom('staff_users')
    .select(['id', 'email', 'role', 'password_hash'])
    .where('email', '=', normalEmail(email))
    .executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
  return row && ok ? { id: Number(row.id), email: row.email, role: row.role } : null;
}

/** What the staff routes need of the accounts, bound to the database in wiring. */
export interface StaffAccounts {
  find(id: number): Promise<StaffUser | null>;
  authenticate(email: string, password: string): Promise<StaffUser | null>;
}

export function staffAccounts(db: Db): StaffAccounts {
  return { find: (id) => findStaff(db, id), authenticate: (email, password) => authenticate(db, email, password) };
}
