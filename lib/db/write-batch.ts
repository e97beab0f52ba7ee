// Group commit for serialized writes (the ledger's). A write that arrives while another batch is committing
// waits, and all such writes then go in one transaction, each inside its own savepoint: one
// commit (one fsync with SQLite's synchronous=FULL, one WAL flush on PostgreSQL) covers a
// burst of webhooks instead of one each. Nothing is weakened: each write still happens whole
// or not at all (a write that throws is rolled back to its savepoint and only its caller hears
// the error), writes run one after another and see each other, and a caller hears back only
// after the commit, so a webhook is acknowledged only once its gift is durable. Additions to
// running sums (additions.ts) that succeeding writes made are written once, before the commit.
import type { Transaction } from 'kysely';
import { Additions } from './additions.ts';
import type { Database } from './schema.ts';
import { isRetryable, serializedTransaction, type Db } from './database.ts';
import { statementsFor } from './statements.ts';
import { isPostgres } from './dialect.ts';

const RELEASE = 'release savepoint batched_write';

type Write = (trx: Transaction<Database>, additions: Additions) => Promise<unknown>;
interface Job {
  fn: Write;
  keys: readonly string[] | undefined;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface WriteOptions {
  /**
   * Every identity the write reads or changes rows of (a gift's session, payment, donor), when
   * they are all known before it runs. On PostgreSQL writes with keys take only those keys and
   * run at the same time as writes with none in common; a write without keys holds the whole
   * ledger, as SQLite's one writer does for every write.
   */
  keys?: readonly string[];
}

export type BatchedWriter = <T>(
  fn: (trx: Transaction<Database>, additions: Additions) => Promise<T>,
  opts?: WriteOptions,
) => Promise<T>;

export function batchedWrites(db: Db, maxBatch = 64): BatchedWriter {
  const queue: Job[] = [];
  const statements = statementsFor(db);
  // PostgreSQL takes two statements without parameters in one round trip (its simple query
  // protocol), so a savepoint's release and the next go together; SQLite prepares one
  // statement at a time, but its statements cost no round trip.
  const postgres = isPostgres(db);
  // One batch in flight per instance: measured on PostgreSQL, four in flight wrote 15% fewer
  // gifts a second than one (smaller batches, so more of each gift's time went to BEGIN, locks
  // and COMMIT). Keys let batches of other instances run beside this one.
  let running = false;

  async function commit(jobs: Job[]): Promise<void> {
    let outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
    // A batch is all keyed writes (it holds their keys) or all writes without (it holds the ledger).
    const keys = jobs[0]!.keys ? jobs.flatMap((j) => j.keys!) : undefined;
    try {
      outcomes = await serializedTransaction(
        db,
        async (trx) => {
          const done: typeof outcomes = [];
          const sums = new Additions();
          for (const [i, job] of jobs.entries()) {
            // Opened by the statement that closed the one before, where the driver can send both at once.
            if (i === 0 || !postgres) await statements.run(trx, 'savepoint batched_write');
            try {
              const own = new Additions();
              done.push({ ok: true, value: await job.fn(trx, own) });
              // A write that failed is rolled back to its savepoint: its additions go with it.
              own.mergeInto(sums);
            } catch (error) {
              // A conflict another instance caused: the whole batch runs again (serializedTransaction retries).
              if (isRetryable(error)) throw error;
              await statements.run(trx, 'rollback to savepoint batched_write');
              done.push({ ok: false, error });
            }
            const last = i === jobs.length - 1;
            await statements.run(trx, last || !postgres ? RELEASE : `${RELEASE}; savepoint batched_write`);
          }
          await sums.flush();
          return done;
        },
        8,
        { keys },
      );
    } catch (err) {
      // The commit itself failed: nothing of the batch was written.
      for (const job of jobs) job.reject(err);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? jobs[i]!.resolve(o.value) : jobs[i]!.reject(o.error)));
  }

  // A batch starts one turn of the event loop after its first write is queued, not at once:
  // with a synchronous driver (better-sqlite3) a batch blocks the loop while it runs, so
  // without the wait every batch would hold just the one write that started it, and each
  // write would pay its own commit. The wait lets every request already read this turn join.
  let scheduled = false;
  function pump(): void {
    if (running || scheduled || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      running = true;
      // The writes at the head of the queue of one kind (keyed or not), in the order they came.
      const keyed = queue[0]!.keys !== undefined;
      let n = 1;
      while (n < Math.min(maxBatch, queue.length) && (queue[n]!.keys !== undefined) === keyed) n++;
      void commit(queue.splice(0, n)).finally(() => {
        running = false;
        pump();
      });
    });
  }

  return <T>(fn: (trx: Transaction<Database>, additions: Additions) => Promise<T>, opts: WriteOptions = {}) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, keys: postgres ? opts.keys : undefined, resolve: resolve as (v: unknown) => void, reject });
      pump();
    });
}
