// A database the site cannot write at start (a read-only volume, a read-only PostgreSQL)
// stops start-up with a message naming DATABASE_URL, not a bare driver error.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { freshDatabase, TEST_PG } from '../helpers/database.ts';

function start(databaseUrl: string, uid?: number) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, PORT: '0', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 30_000,
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
}

it('when the database is read-only at start, then start-up stops with a clear message naming DATABASE_URL', async () => {
  let r: ReturnType<typeof start>;
  if (TEST_PG) {
    const database = await freshDatabase();
    const client = new pg.Client({ connectionString: TEST_PG });
    await client.connect();
    try {
      await client.query(
        `ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" SET default_transaction_read_only = on`,
      );
    } finally {
      await client.end();
    }
    r = start(database.url);
    await database.drop();
  } else {
    // Root writes through file modes, so the server runs as nobody on a file it may only read.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fr-readonly-'));
    const file = path.join(dir, 'ro.sqlite');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o444);
    fs.chmodSync(dir, 0o555);
    const asNobody = process.getuid?.() === 0 ? 65534 : undefined;
    r = start(`sqlite:${file}`, asNobody);
    fs.chmodSync(dir, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.notEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /DATABASE_URL=/, r.stderr);
  assert.match(r.stderr, /read-only or not writable/, r.stderr);
  assert.doesNotMatch(r.stderr, /password|:[^@/]*@/, 'no password in the message');
});
