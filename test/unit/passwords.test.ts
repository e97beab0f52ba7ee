// Staff passwords and scrypt's zero padding, which the login fuzz (test/fuzz/staff-login.test.ts)
// found: the right password with NUL characters appended used to log in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from '../../lib/staff/passwords.ts';

const PASSWORD = 'correct horse battery staple';

describe('staff passwords', () => {
  it('when the right password comes with NUL characters appended, then it does not match', async () => {
    const stored = await hashPassword(PASSWORD);
    assert.equal(await verifyPassword(PASSWORD, stored), true);
    for (const guess of [`${PASSWORD}\u0000`, `${PASSWORD}\u0000\u0000\u0000`])
      assert.equal(await verifyPassword(guess, stored), false, JSON.stringify(guess));
  });

  it('when a new password holds a NUL character, then it is not set', async () => {
    await assert.rejects(hashPassword(`${PASSWORD}\u0000`), /NUL/);
  });
});
