// Plain SQL for hot write paths, inside a serialized transaction (the ledger's: a webhook's gift is about
// ten short statements); built with Kysely's query builder and run through its executor each
// cost two to four times the statement itself (bench/, `npm run bench`), and that was most of
// the cost of recording a gift. Here a statement's text is written once and prepared once:
// on SQLite it runs on the transaction's own connection, synchronously; on PostgreSQL it
// goes through the transaction as a compiled query. Reads, reports and migrations keep Kysely.
//
// The SQL is written once for both databases: `?` placeholders (turned into $1, $2... for
// PostgreSQL), so the texts may hold no `?` of their own.
import type SQLite from 'better-sqlite3';
import { CompiledQuery, type Kysely, type Selectable, type Transaction, type Updateable } from 'kysely';
import type { Database } from './schema.ts';
import type { Additions } from './additions.ts';
import { isPostgres } from './dialect.ts';

type Param = string | number | null;

export interface Statements {
  /** Every row the query returns. */
  all<T>(trx: Transaction<Database>, text: string, params?: readonly Param[]): Promise<T[]>;
  /** The first row, or undefined. */
  first<T>(trx: Transaction<Database>, text: string, params?: readonly Param[]): Promise<T | undefined>;
  /** How many rows the statement changed. */
  run(trx: Transaction<Database>, text: string, params?: readonly Param[]): Promise<number>;
}

export interface SqliteHandle {
  conn: SQLite.Database;
  prepare: (text: string) => SQLite.Statement;
}

// Registered by createDb for each SQLite database it opens.
const sqliteHandles = new WeakMap<Kysely<Database>, SqliteHandle>();

export function registerSqlite(db: Kysely<Database>, handle: SqliteHandle): void {
  sqliteHandles.set(db, handle);
}

export function statementsFor(db: Kysely<Database>): Statements {
  const sqlite = sqliteHandles.get(db);
  if (sqlite) return sqliteStatements(sqlite);
  if (isPostgres(db)) return postgresStatements();
  throw new Error('statementsFor: a database createDb did not open');
}

function sqliteStatements({ conn, prepare }: SqliteHandle): Statements {
  // Kysely's SQLite dialect has one connection, held by the transaction the caller is in, so
  // these statements are part of it. The guard catches a call made with no transaction open;
  // it cannot tell whose transaction is open, so only batched writes (write-batch.ts) call these.
  const prepared = (text: string) => {
    if (!conn.inTransaction) throw new Error('these statements run only inside a serialized write transaction');
    return prepare(text);
  };
  return {
    all: async <T>(_trx: unknown, text: string, params: readonly Param[] = []) => prepared(text).all(...params) as T[],
    first: async <T>(_trx: unknown, text: string, params: readonly Param[] = []) =>
      prepared(text).get(...params) as T | undefined,
    run: async (_trx: unknown, text: string, params: readonly Param[] = []) => {
      const stmt = prepared(text);
      // A statement with RETURNING reads rows; run() refuses those.
      return stmt.reader ? stmt.all(...params).length : stmt.run(...params).changes;
    },
  };
}

function postgresStatements(): Statements {
  const texts = new Map<string, string>();
  const numbered = (text: string) => {
    let out = texts.get(text);
    if (out === undefined) {
      let n = 0;
      out = text.replace(/\?/g, () => `$${++n}`);
      texts.set(text, out);
    }
    return out;
  };
  const exec = <T>(trx: Transaction<Database>, text: string, params: readonly Param[]) =>
    trx.executeQuery<T>(CompiledQuery.raw(numbered(text), [...params]));
  return {
    all: async <T>(trx: Transaction<Database>, text: string, params: readonly Param[] = []) => [
      ...(await exec<T>(trx, text, params)).rows,
    ],
    first: async <T>(trx: Transaction<Database>, text: string, params: readonly Param[] = []) =>
      (await exec<T>(trx, text, params)).rows[0],
    run: async (trx: Transaction<Database>, text: string, params: readonly Param[] = []) => {
      const result = await exec(trx, text, params);
      return Number(result.numAffectedRows ?? result.rows.length);
    },
  };
}

// Statement texts built from a row's columns, kept per table and column list.
const builtTexts = new Map<string, string>();
function built(key: string, make: () => string): string {
  let text = builtTexts.get(key);
  if (text === undefined) builtTexts.set(key, (text = make()));
  return text;
}

// Tables whose rows have an auto-assigned integer id.
type WithId = { [TB in keyof Database]: Database[TB] extends { id: unknown } ? TB : never }[keyof Database];
type Row<TB extends keyof Database> = Selectable<Database[TB]>;

/**
 * INSERT of one complete row (every column but the id, so the row is known without reading it
 * back: RETURNING * costs a quarter of the insert on SQLite); returns it with its new id.
 * Column names and types are checked against the schema by the type of `row`.
 */
export async function insertRow<TB extends WithId>(
  q: Statements,
  trx: Transaction<Database>,
  table: TB,
  row: Omit<Row<TB>, 'id'>,
): Promise<Row<TB>> {
  const columns = Object.keys(row);
  const text = built(
    `insert ${table} ${columns.join(',')}`,
    () => `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) returning id`,
  );
  // A column left undefined at run time is stored as NULL, and returned as null to match.
  const values = columns.map((c) => (row as Record<string, Param | undefined>)[c] ?? null);
  const inserted = await q.first<{ id: number }>(trx, text, values);
  if (!inserted) throw new Error(`insert into ${table} returned no row`);
  return {
    ...Object.fromEntries(columns.map((c, i) => [c, values[i]])),
    id: Number(inserted.id),
  } as unknown as Row<TB>;
}

/** UPDATE of the row with this id, returning it as it now stands. */
export async function updateRow<TB extends 'contributions'>(
  q: Statements,
  trx: Transaction<Database>,
  table: TB,
  id: number,
  set: Updateable<Database[TB]>,
): Promise<Selectable<Database[TB]>> {
  const columns = Object.keys(set).filter((c) => (set as Record<string, unknown>)[c] !== undefined);
  const text = built(
    `update ${table} ${columns.join(',')}`,
    () => `update ${table} set ${columns.map((c) => `${c} = ?`).join(', ')} where id = ? returning *`,
  );
  const updated = await q.first<Selectable<Database[TB]>>(trx, text, [
    ...columns.map((c) => (set as Record<string, Param>)[c]!),
    id,
  ]);
  if (!updated) throw new Error(`${table} row ${id} was not found to update`);
  return updated;
}

/** The statements of one write transaction, bound to it; `kysely` for what stays with the builder. */
export interface SqlTx {
  readonly kysely: Transaction<Database>;
  /** Additions to running sums, written once before the transaction commits. */
  readonly sums: Additions;
  all<T>(text: string, params?: readonly Param[]): Promise<T[]>;
  first<T>(text: string, params?: readonly Param[]): Promise<T | undefined>;
  run(text: string, params?: readonly Param[]): Promise<number>;
  insert<TB extends WithId>(table: TB, row: Omit<Row<TB>, 'id'>): Promise<Row<TB>>;
  update<TB extends 'contributions'>(
    table: TB,
    id: number,
    set: Updateable<Database[TB]>,
  ): Promise<Selectable<Database[TB]>>;
}

export function sqlTx(q: Statements, trx: Transaction<Database>, sums: Additions): SqlTx {
  return {
    kysely: trx,
    sums,
    all: (text, params) => q.all(trx, text, params),
    first: (text, params) => q.first(trx, text, params),
    run: (text, params) => q.run(trx, text, params),
    insert: (table, row) => insertRow(q, trx, table, row),
    update: (table, id, set) => updateRow(q, trx, table, id, set),
  };
}
