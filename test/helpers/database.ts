// A fresh, empty database for one test: a temp SQLite file, or, when the suite runs against
// PostgreSQL (TEST_DATABASE_URL, set by test/run.ts), a new database on that server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import pg from 'pg';
import { sql } from 'kysely';
import { isPostgres } from '../../lib/db/dialect.ts';
import { createDb, migrateToLatest, type Db } from '../../lib/db/database.ts';
import { loadConfigWith } from '../../lib/config.ts';

export const TEST_PG = process.env.TEST_DATABASE_URL;

export interface TestDatabase {
  url: string;
  dialect: 'sqlite' | 'postgres';
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  if (!TEST_PG) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fundraiser-db-'));
    return {
      url: `sqlite:${path.join(dir, 'test.sqlite')}`,
      dialect: 'sqlite',
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(TEST_PG);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dialect: 'postgres',
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}

interface MigratedDatabase {
  db: Db;
  url: string;
  close(): Promise<void>;
}

/** A fresh database (as freshDatabase) with every migration applied, and a Kysely instance on it. */
async function migratedDatabase(): Promise<MigratedDatabase> {
  const database = await freshDatabase();
  const db = createDb(loadConfigWith({ DATABASE_URL: database.url }).database);
  await migrateToLatest(db);
  return {
    db,
    url: database.url,
    close: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}

/** For a test file: a migrated database opened before its tests and dropped after them; `db` once opened. */
export function migratedDatabaseForFile(): { readonly db: Db; readonly url: string } {
  let opened: MigratedDatabase | undefined;
  before(async () => {
    opened = await migratedDatabase();
  });
  after(() => opened?.close());
  return {
    get db() {
      if (!opened) throw new Error('the database opens in the before() hook; use it inside tests');
      return opened.db;
    },
    get url() {
      if (!opened) throw new Error('the database opens in the before() hook; use it inside tests');
      return opened.url;
    },
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Makes every insert into `table` fail (a fault to test), until the returned function is called. */
export async function breakInserts(db: Db, table: string): Promise<() => Promise<void>> {
  if (isPostgres(db)) {
    await sql`create or replace function fail_insert() returns trigger language plpgsql as $$ begin raise exception 'disk on fire'; end $$`.execute(
      db,
    );
    await sql
      .raw(`create trigger fail_insert before insert on ${table} for each row execute function fail_insert()`)
      .execute(db);
    return async () => void (await sql.raw(`drop trigger fail_insert on ${table}`).execute(db));
  }
  await sql
    .raw(`create trigger fail_insert before insert on ${table} begin select raise(abort, 'disk on fire'); end`)
    .execute(db);
  return async () => void (await sql`drop trigger fail_insert`.execute(db));
}

/** Deletes every gift, charge, dispute, pledge and event, and zeroes the totals. */
export async function emptyLedger(db: Db): Promise<void> {
  for (const t of [
    'daily_figures',
    'gift_figures',
    'contributions',
    'ledger_charges',
    'ledger_disputes',
    'pledges',
    'stripe_events',
  ] as const)
    await db.deleteFrom(t).execute();
  await db
    .updateTable('campaign_totals')
    .set({ raised_minor: 0, gross_minor: 0, refunded_minor: 0, disputed_minor: 0, dispute_lost_minor: 0, donors: 0 })
    .execute();
}
