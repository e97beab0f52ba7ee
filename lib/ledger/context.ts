// What every part of the ledger shares: the database, the campaign settings, the clock, and
// the one way to write (group commit, dry run, and a count of writes for the totals cache).
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { batchedWrites, type WriteOptions } from '../db/write-batch.ts';
import { sqlTx, statementsFor, type SqlTx } from '../db/statements.ts';

export interface LedgerDeps {
  db: Db;
  fundraiser: Config['fundraiser'];
  clock: () => Date;
  /** Every write is rolled back and only its answer kept (npm run reconcile -- --dry-run). */
  dryRun?: boolean;
  /**
   * How long progress() may answer from memory. Writes through this ledger drop the copy at
   * once; writes by other instances show within this time. 0 reads the database every time.
   */
  progressMaxAgeMs?: number;
  /** The staff dashboard warns when no webhook arrived for this long during a running campaign. */
  webhookWarningHours?: number;
}

export interface LedgerContext {
  readonly db: Db;
  readonly fundraiser: Config['fundraiser'];
  readonly clock: () => Date;
  readonly dryRun: boolean;
  /** One write, committed with whatever others arrive meanwhile; in a dry run it is rolled back and only the answer kept. */
  tx<T>(fn: (trx: SqlTx) => Promise<T>, opts?: WriteOptions): Promise<T>;
  /** Writes started through this ledger so far: a totals copy read before a write is never served after it. */
  writes(): number;
  /** Counts a write made outside tx() (the campaign sync). */
  noteWrite(): void;
}

class DryRunRollback extends Error {
  constructor(readonly value: unknown) {
    super('dry run');
  }
}

export function ledgerContext(deps: LedgerDeps): LedgerContext {
  const write = batchedWrites(deps.db);
  const statements = statementsFor(deps.db);
  const dryRun = deps.dryRun ?? false;
  let writes = 0;
  return {
    db: deps.db,
    fundraiser: deps.fundraiser,
    clock: deps.clock,
    dryRun,
    async tx<T>(fn: (trx: SqlTx) => Promise<T>, opts?: WriteOptions): Promise<T> {
      try {
        return await write(async (trx, sums) => {
          const value = await fn(sqlTx(statements, trx, sums));
          if (dryRun) throw new DryRunRollback(value);
          return value;
        }, opts);
      } catch (err) {
        if (err instanceof DryRunRollback) return err.value as T;
        throw err;
      } finally {
        writes++;
      }
    },
    writes: () => writes,
    noteWrite: () => void writes++,
  };
}
