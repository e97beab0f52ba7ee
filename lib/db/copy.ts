// Moves a whole ledger from one database to another (SQLite to PostgreSQL when a site
// outgrows one machine): same migrations on both sides, rows copied in key order in one
// transaction, identity sequences moved past the copied ids.
import { sql } from 'kysely';
import type { Database } from './schema.ts';
import { isPostgres } from './dialect.ts';
import type { Db } from './database.ts';
import { backfillSql, ROLLUPS } from '../ledger/rollups.ts';

/** Every table, parents before children. A test checks no table of the schema is missing. */
export const COPIED_TABLES: Array<keyof Database> = [
  'campaigns',
  'campaign_totals',
  'contributions',
  'ledger_charges',
  'ledger_disputes',
  'pledges',
  'stripe_events',
  'webhook_status',
  'refused_events',
  'rate_limits',
  'staff_users',
  'staff_sessions',
  'staff_audit',
  'experiments',
  'experiment_counts',
  'experiment_gifts',
  'appeal_defaults',
];

/**
 * Not copied: the /readyz write check's one row, which the target's own migration made, and the
 * staff dashboard's rollups, recounted from the copied gifts instead (derived, so never moved stale).
 */
export const UNCOPIED_TABLES = ['write_probe', 'daily_figures', 'gift_figures'];

// A key per table (pages are read by offset, so the order must be total).
const ORDER_BY: Partial<Record<keyof Database, string[]>> = {
  campaign_totals: ['campaign_id'],
  pledges: ['subscription_id'],
  rate_limits: ['key'],
  refused_events: ['event_id'],
  staff_sessions: ['sid'],
  experiment_counts: ['experiment_id', 'variant', 'kind'],
  experiment_gifts: ['experiment_id', 'contribution_id'],
  appeal_defaults: ['surface'],
};

export interface CopyReport {
  rows: Record<string, number>;
}

export async function copyDatabase(
  from: Db,
  to: Db,
  opts: { batch?: number; onProgress?: (line: string) => void } = {},
): Promise<CopyReport> {
  const batch = opts.batch ?? 1000;
  for (const table of ['campaigns', 'contributions', 'stripe_events'] as const) {
    const row = await to
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(row.n) > 0)
      throw new Error(`the target database already holds ${table}; copy only into an empty, freshly migrated database`);
  }
  const report: CopyReport = { rows: {} };
  // One read transaction on the source (a snapshot in SQLite's WAL mode and PostgreSQL), so
  // rows written meanwhile cannot make the copied totals disagree with the copied gifts.
  await from.transaction().execute(async (src) =>
    to.transaction().execute(async (trx) => {
      for (const table of COPIED_TABLES) {
        const order = ORDER_BY[table] ?? ['id'];
        let copied = 0;
        for (let offset = 0; ; offset += batch) {
          let page = src.selectFrom(table).selectAll();
          for (const column of order) page = page.orderBy(sql.ref(column));
          const rows = await page.limit(batch).offset(offset).execute();
          if (rows.length === 0) break;
          await trx.insertInto(table).values(rows).execute();
          copied += rows.length;
          if (copied % (batch * 10) === 0) opts.onProgress?.(`${table}: ${copied} rows`);
        }
        report.rows[table] = copied;
      }
      for (const rollup of ROLLUPS) {
        await trx.deleteFrom(rollup.table).execute();
        await sql.raw(backfillSql(rollup)).execute(trx);
      }
      if (isPostgres(to)) {
        // Rows came with their ids; new rows must get ids after them.
        for (const table of ['campaigns', 'contributions', 'staff_users', 'staff_audit', 'experiments']) {
          await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(
            trx,
          );
        }
      }
    }),
  );
  return report;
}
