import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../lib/staff/passwords.ts';

describe('password checks', () => {
  it('when a password is hashed, then only that password verifies against it', async () => {
    const stored = await hashPassword('a long test passphrase');
    assert.equal(await verifyPassword('a long test passphrase', stored), true);
    assert.equal(await verifyPassword('a long test passphrasE', stored), false);
  });

  // Checks run on libuv's thread pool, which also reads files (static files, log lines) and
  // looks up host names: a brute force's checks must not take all of it.
  it('when eight password checks run at once, then a file read does not wait for them', async () => {
    const order: string[] = [];
    const checks = Array.from({ length: 8 }, () =>
      verifyPassword('a wrong guess', DUMMY_HASH).then(() => order.push('check')),
    );
    await fs.readFile(fileURLToPath(import.meta.url));
    order.push('read');
    await Promise.all(checks);
    assert.equal(order[0], 'read');
    assert.equal(order.length, 9);
  });
});
