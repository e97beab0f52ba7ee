// Group commit for ledger writes. A write that arrives while another batch is committing
// waits, and all such writes then go in one transaction, each inside its own savepoint: one
// commit (one fsync with SQLite's synchronous=FULL, one WAL flush on PostgreSQL) covers a
// burst of webhooks instead of one each. Nothing is weakened: each write still happens whole
// or not at all (a write that throws is rolled back to its savepoint and only its caller hears
// the error), writes run one after another and see each other, and a caller hears back only
// after the commit, so a webhook is acknowledged only once its gift is durable.
import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.ts';
import { isRetryable, ledgerTransaction, type Db } from './index.ts';

type Write = (trx: Transaction<Database>) => Promise<unknown>;
interface Job {
  fn: Write;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export type BatchedWriter = <T>(fn: (trx: Transaction<Database>) => Promise<T>) => Promise<T>;

export function batchedWrites(db: Db, maxBatch = 64): BatchedWriter {
  const queue: Job[] = [];
  let running = false;

  async function commit(jobs: Job[]): Promise<void> {
    let outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
    try {
      outcomes = await ledgerTransaction(db, async (trx) => {
        const done: typeof outcomes = [];
        for (const job of jobs) {
          await sql`savepoint ledger_write`.execute(trx);
          try {
            done.push({ ok: true, value: await job.fn(trx) });
          } catch (error) {
            // A conflict another instance caused: the whole batch runs again (ledgerTransaction retries).
            if (isRetryable(error)) throw error;
            await sql`rollback to savepoint ledger_write`.execute(trx);
            done.push({ ok: false, error });
          }
          await sql`release savepoint ledger_write`.execute(trx);
        }
        return done;
      });
    } catch (err) {
      // The commit itself failed: nothing of the batch was written.
      for (const job of jobs) job.reject(err);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? jobs[i]!.resolve(o.value) : jobs[i]!.reject(o.error)));
  }

  function pump(): void {
    if (running || queue.length === 0) return;
    running = true;
    void commit(queue.splice(0, maxBatch)).finally(() => {
      running = false;
      pump();
    });
  }

  return <T>(fn: (trx: Transaction<Database>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      pump();
    });
}
