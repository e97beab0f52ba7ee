// Staff passwords: scrypt's zero padding, which the login fuzz (test/fuzz/staff-login.test.ts)
// found (the right password with NUL characters appended used to log in), and the cap on
// checks running at once, which the abuse bench found (npm run bench:abuse).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../lib/staff/passwords.ts';

const PASSWORD = 'correct horse battery staple';

describe('staff passwords', () => {
  it('when a password is hashed, then only that password verifies against it', async () => {
    const stored = await hashPassword(PASSWORD);
    assert.equal(await verifyPassword(PASSWORD, stored), true);
    assert.equal(await verifyPassword(PASSWORD.toUpperCase(), stored), false);
  });

  it('when the right password comes with NUL characters appended, then it does not match', async () => {
    const stored = await hashPassword(PASSWORD);
    for (const guess of [`${PASSWORD}\u0000`, `${PASSWORD}\u0000\u0000\u0000`])
      assert.equal(await verifyPassword(guess, stored), false, JSON.stringify(guess));
  });

  it('when a new password holds a NUL character, then it is not set', async () => {
    await assert.rejects(hashPassword(`${PASSWORD}\u0000`), /NUL/);
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
