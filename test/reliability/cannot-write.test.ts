// A database that answers reads but cannot write (issue #17, finding 4: a full disk, a
// read-only file, a PostgreSQL refusing writes): /readyz says so (503 with the reason) while
// /healthz, the liveness check, stays 200; the log has the real error, not the rollback's.
// SQLite is made read-only for real (query_only); PostgreSQL gets a disk-full error injected
// into the probe's row (a trigger raising SQLSTATE 53100).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import request from 'supertest';
import { sql } from 'kysely';
import { createLogger } from '../../lib/logger.ts';
import { isPostgres } from '../../lib/db/dialect.ts';
import { serializedTransaction } from '../../lib/db/database.ts';
import { writeCheck } from '../../lib/db/write-check.ts';
import { completedSession, deliver, makeTestApp, sessionEvent, type TestApp } from '../helpers/app.ts';

const lines: string[] = [];
let t: TestApp;

before(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  t = await makeTestApp({ now: new Date(), logger: createLogger('info', sink) });
  // No caching between the probes of this test (5 s in service).
  t.deps.databaseWrites = writeCheck(t.deps.db, { clock: t.deps.clock, logger: t.deps.logger, everyMs: 0 });
});
after(async () => {
  await t.close();
});

/** Writes fail from now until the returned function is called. */
async function stopWrites(): Promise<{ code: string; restore: () => Promise<void> }> {
  const db = t.deps.db;
  if (isPostgres(db)) {
    await sql`create or replace function refuse_write() returns trigger language plpgsql as $$
      begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$`.execute(
      db,
    );
    await sql`create trigger refuse_write before update on write_probe for each row execute function refuse_write()`.execute(
      db,
    );
    return {
      code: '53100',
      restore: async () => void (await sql`drop trigger refuse_write on write_probe`.execute(db)),
    };
  }
  await sql`pragma query_only = on`.execute(db);
  return { code: 'SQLITE_READONLY', restore: async () => void (await sql`pragma query_only = off`.execute(db)) };
}

describe('a database that reads but cannot write', () => {
  it('when writes fail, then /readyz answers 503 with the reason and /healthz stays 200, and both recover after', async () => {
    assert.equal((await request(t.app).get('/readyz')).status, 200);
    const from = lines.length;
    const { code, restore } = await stopWrites();
    try {
      const ready = await request(t.app).get('/readyz');
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body, { status: 'database cannot write', reason: `database cannot write (${code})` });
      assert.equal(ready.headers['cache-control'], 'no-store');
      const live = await request(t.app).get('/healthz');
      assert.equal(live.status, 200, 'liveness: the process and its database connection are up');
      const logged = lines.slice(from).map((l) => JSON.parse(l) as { msg: string; err?: { code?: string } });
      const line = logged.find((l) => l.msg === 'the database cannot write');
      assert.ok(line, 'the probe failure is logged');
      assert.equal(String(line.err?.code), code);
    } finally {
      await restore();
    }
    assert.equal((await request(t.app).get('/readyz')).status, 200);
  });

  it('when a webhook cannot be written, then it answers 500 and the log has the real error', async (ctx) => {
    if (isPostgres(t.deps.db)) return ctx.skip('the injected fault is on the probe row only');
    const from = lines.length;
    const { code, restore } = await stopWrites();
    try {
      const event = sessionEvent('checkout.session.completed', completedSession(t.config, { id: 'cs_test_ro_1' }));
      assert.equal((await deliver(t.app, event)).status, 500);
    } finally {
      await restore();
    }
    const failed = lines
      .slice(from)
      .map((l) => JSON.parse(l) as { msg: string; err?: { code?: string; message?: string } })
      .find((l) => l.msg === 'webhook could not be recorded');
    assert.equal(failed?.err?.code, code);
    assert.doesNotMatch(failed?.err?.message ?? '', /rollback/);
  });

  it('when the database ends a failing transaction itself, then the error thrown is the real one, not the rollback', async () => {
    // SQLite rolls back by itself on a full disk or an I/O error; the ROLLBACK that follows then fails.
    const real = new Error('database or disk is full (simulated)');
    await assert.rejects(
      serializedTransaction(t.deps.db, async (trx) => {
        await sql`rollback`.execute(trx);
        throw real;
      }),
      (err) => err === real,
    );
    // The connection is still usable afterwards.
    assert.equal((await request(t.app).get('/readyz')).status, 200);
  });

  it('when COMMIT fails after the database ended the transaction, then the COMMIT error is thrown, not the rollback', async (ctx) => {
    // PostgreSQL answers COMMIT and ROLLBACK outside a transaction with a warning, not an error.
    if (isPostgres(t.deps.db)) return ctx.skip('SQLite only: PostgreSQL does not fail either statement here');
    // As SQLite does on a disk error during the transaction's last write: the transaction has
    // ended, so COMMIT fails, and so would the ROLLBACK after it.
    await assert.rejects(
      serializedTransaction(t.deps.db, async (trx) => {
        await sql`rollback`.execute(trx);
      }),
      (err: Error) => /cannot commit/.test(err.message) && !/rollback/.test(err.message),
    );
    assert.equal((await request(t.app).get('/readyz')).status, 200);
  });
});
