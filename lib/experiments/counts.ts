// Impressions, clicks and checkouts started per variant, counted in memory on the hot path (a
// Map increment) and added to the database in one statement per variant and kind every
// `flushMs`, and once more at shutdown. Additions, not values: any number of instances may
// flush the same row. A failed flush keeps its counts for the next one.
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';

export type CountKind = 'impression' | 'click' | 'checkout';

/** The key a count is kept under; made once per variant and kind by the hot path's callers. */
export const countKeyOf = (experimentId: number, variant: string, kind: CountKind) =>
  `${experimentId}|${variant}|${kind}`;

export interface Counter {
  /** One more under a key from countKeyOf. */
  add(key: string): void;
  /** Adds what was counted so far to the database (staff results call it first). */
  flush(): Promise<void>;
  /** Stops the timer after a last flush. */
  close(): Promise<void>;
}

export function experimentCounter(db: Db, opts: { flushMs: number; logger: Logger }): Counter {
  let pending = new Map<string, number>();
  let flushing: Promise<void> = Promise.resolve();

  async function write(batch: Map<string, number>): Promise<void> {
    for (const [key, n] of batch) {
      const [id, variant, kind] = key.split('|') as [string, string, CountKind];
      await sql`insert into experiment_counts (experiment_id, variant, kind, count)
        values (${Number(id)}, ${variant}, ${kind}, ${n})
        on conflict (experiment_id, variant, kind) do update set count = experiment_counts.count + excluded.count`.execute(
        db,
      );
      batch.delete(key);
    }
  }

  function flush(): Promise<void> {
    flushing = flushing.then(async () => {
      if (!pending.size) return;
      const batch = pending;
      pending = new Map();
      try {
        await write(batch);
      } catch (err) {
        // What was not written is counted again with the next flush: nothing is lost or doubled.
        for (const [key, n] of batch) pending.set(key, (pending.get(key) ?? 0) + n);
        opts.logger.warn({ err }, 'experiment counts not written yet; kept for the next flush');
      }
    });
    return flushing;
  }

  const timer = setInterval(() => void flush(), opts.flushMs);
  timer.unref();
  return {
    add(key) {
      pending.set(key, (pending.get(key) ?? 0) + 1);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
