// A pledge's state follows its Stripe subscription beyond active/ended: a renewal that failed
// (past due, retrying), one that gave up (unpaid), paused, or cancelled for the end of the
// paid month. `status_at` is when Stripe's snapshot was taken, so an older event delivered late
// never overwrites a newer state. SQLite cannot change a CHECK constraint in place: the table
// is rebuilt there; PostgreSQL swaps the constraint.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';

const NEW_STATES = `('active', 'ending', 'past_due', 'unpaid', 'paused', 'ended')`;
const OLD_STATES = `('active', 'ended')`;
const NEW_COLUMNS = ['status_at', 'ends_at', 'failed_payments', 'next_retry_at'] as const;

async function createPledges(db: Kysely<any>, name: string, states: string, withNewColumns: boolean): Promise<void> {
  let table = db.schema
    .createTable(name)
    .addColumn('subscription_id', 'text', (c) => c.primaryKey())
    .addColumn('checkout_session_id', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('email', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql.raw(`status in ${states}`)))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull());
  if (withNewColumns) {
    table = table
      .addColumn('status_at', 'text')
      .addColumn('ends_at', 'text')
      .addColumn('failed_payments', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_retry_at', 'text');
  }
  await table.execute();
}

const OLD_COLUMNS =
  'subscription_id, checkout_session_id, customer_id, email, currency, amount_minor, status, created_at, updated_at';

const tableExists = async (db: Kysely<any>, name: string) =>
  (
    await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${name}`.execute(
      db,
    )
  ).rows[0]!.n > 0;

/**
 * Kysely runs SQLite migrations outside a transaction, so each step is safe to run again after
 * a crash: a half-built copy is dropped and built anew, and a copy whose original was already
 * dropped is only renamed.
 */
async function rebuildOnSqlite(
  db: Kysely<any>,
  states: string,
  withNewColumns: boolean,
  select: string,
): Promise<void> {
  if ((await tableExists(db, 'pledges_rebuilt')) && !(await tableExists(db, 'pledges'))) {
    await db.schema.alterTable('pledges_rebuilt').renameTo('pledges').execute();
    return;
  }
  await db.schema.dropTable('pledges_rebuilt').ifExists().execute();
  await createPledges(db, 'pledges_rebuilt', states, withNewColumns);
  await sql.raw(`insert into pledges_rebuilt (${OLD_COLUMNS}) select ${select} from pledges`).execute(db);
  await db.schema.dropTable('pledges').execute();
  await db.schema.alterTable('pledges_rebuilt').renameTo('pledges').execute();
}

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return rebuildOnSqlite(db, NEW_STATES, true, OLD_COLUMNS);
  await sql`alter table pledges drop constraint pledges_status_check`.execute(db);
  await sql.raw(`alter table pledges add constraint pledges_status_check check (status in ${NEW_STATES})`).execute(db);
  await db.schema
    .alterTable('pledges')
    .addColumn('status_at', 'text')
    .addColumn('ends_at', 'text')
    .addColumn('failed_payments', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_retry_at', 'text')
    .execute();
}

// Back to two states: a pledge that has not ended was still giving, as far as the old code knows.
const OLD_STATUS = `case when status = 'ended' then 'ended' else 'active' end`;

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) {
    return rebuildOnSqlite(db, OLD_STATES, false, OLD_COLUMNS.replace('status,', `${OLD_STATUS},`));
  }
  await sql.raw(`update pledges set status = ${OLD_STATUS}`).execute(db);
  await sql`alter table pledges drop constraint pledges_status_check`.execute(db);
  await sql.raw(`alter table pledges add constraint pledges_status_check check (status in ${OLD_STATES})`).execute(db);
  let alter = db.schema.alterTable('pledges').dropColumn(NEW_COLUMNS[0]);
  for (const c of NEW_COLUMNS.slice(1)) alter = alter.dropColumn(c);
  await alter.execute();
}
