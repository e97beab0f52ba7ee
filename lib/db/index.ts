// The Kysely instance for the configured database, and the migrations. Everything
// dialect-specific lives in this folder.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from './schema.ts';
import * as m0001 from './migrations/0001_initial.ts';

export type Db = Kysely<Database>;

// Listed here rather than read from the folder, so the set is explicit and bundles cleanly.
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export function createDb(database: Config['database']): Db {
  if (database.dialect !== 'sqlite') {
    throw new Error('PostgreSQL support is not built yet: use DATABASE_URL=sqlite:<path>');
  }
  if (database.path !== ':memory:') fs.mkdirSync(path.dirname(database.path), { recursive: true });
  const conn = new SQLite(database.path);
  // WAL lets readers run during a write; FULL makes every acknowledged webhook durable
  // across power loss; busy_timeout waits for another process's write instead of failing.
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = FULL');
  conn.pragma('busy_timeout = 5000');
  conn.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: conn }) });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when the database answers a trivial query. */
export async function ping(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
