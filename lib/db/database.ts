// The Kysely instance for the configured database, migrations, health ping, and serialized
// transactions with retry. Everything dialect-specific lives in this folder; nothing here
// knows what the tables mean (that is the ledger's and the staff modules' business).
import { BoundedCache } from '../bounded-cache.ts';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type SqliteDatabase,
  type Migration,
  type MigrationProvider,
  type Transaction,
} from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from './schema.ts';
import { isPostgres } from './dialect.ts';
import { registerSqlite } from './statements.ts';
import * as m0001 from './migrations/0001_initial.ts';
import * as m0002 from './migrations/0002_rate_limits.ts';
import * as m0003 from './migrations/0003_staff.ts';
import * as m0004 from './migrations/0004_drop_unused_index.ts';
import * as m0005 from './migrations/0005_pledge_states.ts';
import * as m0006 from './migrations/0006_api_version_warning.ts';
import * as m0007 from './migrations/0007_write_probe.ts';
import * as m0008 from './migrations/0008_refused_events.ts';
import * as m0009 from './migrations/0009_stretch_and_fee_cover.ts';
import * as m0010 from './migrations/0010_settlement_and_language.ts';
import * as m0011 from './migrations/0011_staff_rollups.ts';
import * as m0012 from './migrations/0012_experiments.ts';

export type Db = Kysely<Database>;

// Listed here rather than read from the folder, so the set is explicit and bundles cleanly.
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_rate_limits': m0002,
  '0003_staff': m0003,
  '0004_drop_unused_index': m0004,
  '0005_pledge_states': m0005,
  '0006_api_version_warning': m0006,
  '0007_write_probe': m0007,
  '0008_refused_events': m0008,
  '0009_stretch_and_fee_cover': m0009,
  '0010_settlement_and_language': m0010,
  '0011_staff_rollups': m0011,
  '0012_experiments': m0012,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export interface DbOptions {
  /** PostgreSQL connections per instance. */
  poolSize?: number;
  /** PostgreSQL statement_timeout, so a stuck query fails (and Stripe retries) instead of hanging. */
  statementTimeoutMs?: number;
}

// bigint (int8) columns hold money in minor units; as JS numbers they are exact up to 2^53.
const INT8: number = pg.types.builtins.INT8;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text') =>
    oid === INT8
      ? (v: string) => Number(v)
      : (pg.types.getTypeParser(oid, format) as (v: string) => unknown)) as typeof pg.types.getTypeParser,
};

export function createDb(database: Config['database'], opts: DbOptions = {}): Db {
  if (database.dialect === 'postgres') {
    const pool = new pg.Pool({
      connectionString: database.url,
      max: opts.poolSize ?? 10,
      statement_timeout: opts.statementTimeoutMs ?? 10_000,
      connectionTimeoutMillis: 10_000,
      types: pgTypes,
    });
    // A client losing its connection (the database restarting or crashing), idle or in use,
    // must not crash the process: the query in flight fails (a webhook answers 5xx and Stripe
    // retries) and the pool replaces the client.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  if (database.path !== ':memory:') fs.mkdirSync(path.dirname(database.path), { recursive: true });
  const conn = new SQLite(database.path);
  // WAL lets readers run during a write; FULL makes every acknowledged webhook durable
  // across power loss; busy_timeout waits for another process's write instead of failing.
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = FULL');
  conn.pragma('busy_timeout = 5000');
  conn.pragma('foreign_keys = ON');
  const cached = withStatementCache(conn);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
  registerSqlite(db, { conn, prepare: cached.prepare });
  return db;
}

/**
 * Kysely prepares every query anew; preparing costs more than running a short statement,
 * so each SQL text's statement is kept (the app issues a few dozen distinct texts; the
 * bound keeps an unusual caller from growing it without end).
 */
function withStatementCache(
  conn: SQLite.Database,
  max = 500,
): SqliteDatabase & { prepare: (source: string) => SQLite.Statement } {
  const cache = new BoundedCache<string, SQLite.Statement>(max);
  const prepare = (source: string) => cache.get(source, () => conn.prepare(source));
  return { prepare, close: () => conn.close() };
}

/** The database the configuration names, with its pool settings. */
export function openDatabase(config: Pick<Config, 'database' | 'databasePool'>): Db {
  return createDb(config.database, {
    poolSize: config.databasePool.size,
    statementTimeoutMs: config.databasePool.statementTimeoutMs,
  });
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

// Errors after which the same transaction, run again from the start, can succeed:
// PostgreSQL's serialization failure and deadlock, a unique key another transaction took
// first (the re-run reads its row), and SQLite's "database is busy".
const RETRYABLE = new Set(['40001', '40P01', '23505', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT']);

export function isRetryable(err: unknown): boolean {
  return RETRYABLE.has(String((err as { code?: unknown })?.code));
}

// Any fixed number: the key of the advisory lock every serialized write holds on PostgreSQL
// (exclusively; shared by writes that name their keys, which then hold those keys).
const WRITER_LOCK = 724_311;
// The class of the keys' own locks (PostgreSQL's two-integer lock space, apart from the one above).
const KEY_LOCKS = 7_243;

/** A key's lock number: 32 bits of its SHA-1 (two keys that share one only wait for each other). */
function lockNumber(key: string): number {
  return createHash('sha1').update(key).digest().readInt32BE(0);
}

/**
 * Takes the locks of `keys` in this transaction, in ascending order (so two transactions
 * taking keys never wait for each other in a circle), in one round trip; the subquery's order
 * is the order the locks are taken in.
 */
export async function lockKeys(trx: Transaction<Database>, keys: readonly string[]): Promise<void> {
  if (!isPostgres(trx) || keys.length === 0) return;
  const numbers = [...new Set(keys.map(lockNumber))].sort((a, b) => a - b);
  await sql`select count(pg_advisory_xact_lock(${KEY_LOCKS}, k)) from (select k from unnest(${numbers}::int[]) as k order by k) as sorted`.execute(
    trx,
  );
}

export interface WriterLock {
  /**
   * The rows the transaction touches, by the identities they belong to, when all are known at
   * its start: on PostgreSQL it then holds only those (and the ledger's lock shared), and runs
   * beside transactions with no key in common. Without: it holds the ledger alone.
   */
  keys?: readonly string[];
}

/**
 * Runs `fn` as one serialized write: one transaction, and one writer at a time across every
 * instance (SQLite has one writer anyway; on PostgreSQL a transaction-scoped advisory lock
 * does it, taken first so each later statement sees every write committed before), or, with
 * `lock.keys` on PostgreSQL, one writer at a time per key. A hot totals row under SERIALIZABLE
 * would instead fail most concurrent writers. Retried a few times on the errors listed above;
 * `fn` must do nothing but database work.
 */
export async function serializedTransaction<T>(
  db: Db,
  fn: (trx: Transaction<Database>) => Promise<T>,
  attempts = 8,
  lock: WriterLock = {},
): Promise<T> {
  const postgres = isPostgres(db);
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(db, async (trx) => {
        if (postgres && lock.keys) {
          await sql`select pg_advisory_xact_lock_shared(${WRITER_LOCK})`.execute(trx);
          await lockKeys(trx, lock.keys);
        } else if (postgres) await sql`select pg_advisory_xact_lock(${WRITER_LOCK})`.execute(trx);
        return fn(trx);
      });
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      // Back off a little, with jitter, so colliding transactions do not collide again.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

/**
 * One transaction that throws what failed in it or at COMMIT, never the ROLLBACK's error:
 * SQLite ends a transaction by itself on some errors (disk full, I/O), and the ROLLBACK that
 * follows fails with "cannot rollback - no transaction is active", which would hide the cause.
 */
async function inTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const trx = await db.startTransaction().execute();
  try {
    const result = await fn(trx);
    await trx.commit().execute();
    return result;
  } catch (err) {
    // The connection is released whether or not the rollback works.
    await trx
      .rollback()
      .execute()
      .catch(() => undefined);
    throw err;
  }
}

/** One small write in a serialized transaction (the write_probe row): throws what the database says. */
export async function writeProbe(db: Db, at: Date): Promise<void> {
  await serializedTransaction(
    db,
    (trx) => sql`update write_probe set written_at = ${at.toISOString()} where id = 1`.execute(trx),
    1,
  );
}
