// An express-rate-limit store on the `rate_limits` table: every instance behind a load
// balancer shares the counters. Built in wiring; routes get it as a factory, never the database.
import { createHash } from 'node:crypto';
import type { Options, Store } from 'express-rate-limit';
import type { Db } from './db/database.ts';

/** An express-rate-limit store on the `rate_limits` table: one atomic upsert per hit. */
export class DatabaseStore implements Store {
  private windowMs = 60_000;
  constructor(
    private readonly db: Db,
    readonly prefix: string,
    private readonly clock: () => Date,
  ) {}

  /** Keys come from the request (an address, a typed e-mail): hashed, they are short and any bytes are safe. */
  private rowKey(key: string): string {
    return this.prefix + createHash('sha256').update(key).digest('base64url').slice(0, 32);
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string) {
    const now = this.clock();
    const nowIso = now.toISOString();
    const reset = new Date(now.getTime() + this.windowMs).toISOString();
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key: this.rowKey(key), hits: 1, reset_at: reset })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          hits: eb
            .case()
            .when('rate_limits.reset_at', '<=', nowIso)
            .then(1)
            .else(eb('rate_limits.hits', '+', 1))
            .end(),
          reset_at: eb
            .case()
            .when('rate_limits.reset_at', '<=', nowIso)
            .then(reset)
            .else(eb.ref('rate_limits.reset_at'))
            .end(),
        })),
      )
      .returning(['hits', 'reset_at'])
      .executeTakeFirstOrThrow();
    // Now and then, forget windows long gone so the table stays small.
    if (Math.random() < 0.01) await this.db.deleteFrom('rate_limits').where('reset_at', '<', nowIso).execute();
    return { totalHits: Number(row.hits), resetTime: new Date(row.reset_at) };
  }

  async decrement(key: string) {
    await this.db
      .updateTable('rate_limits')
      .set((eb) => ({ hits: eb('hits', '-', 1) }))
      .where('key', '=', this.rowKey(key))
      .where('hits', '>', 0)
      .execute();
  }

  async resetKey(key: string) {
    await this.db.deleteFrom('rate_limits').where('key', '=', this.rowKey(key)).execute();
  }
}
