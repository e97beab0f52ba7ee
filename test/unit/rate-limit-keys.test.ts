import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accountOf, addressKey, loginDelayMs, networkKey } from '../../routes/middleware/rate-limits.ts';

describe('rate-limit keys', () => {
  it('when addresses share an IPv4 /24, then they share a network key, and not beyond it', () => {
    assert.equal(networkKey('192.0.2.1'), '192.0.2.0/24');
    assert.equal(networkKey('192.0.2.254'), '192.0.2.0/24');
    assert.notEqual(networkKey('192.0.3.1'), networkKey('192.0.2.1'));
  });

  it('when an IPv4 address arrives IPv4-mapped, then it counts as that IPv4 address and /24', () => {
    assert.equal(addressKey('::ffff:192.0.2.9'), '192.0.2.9');
    assert.equal(networkKey('::ffff:192.0.2.9'), '192.0.2.0/24');
  });

  it('when IPv6 addresses share a /64, then they are one address; a /48, one network', () => {
    assert.equal(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:2:ffff::9'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
    assert.equal(networkKey('2001:db8:1:2::1'), networkKey('2001:db8:1:ffff::1'));
    assert.notEqual(networkKey('2001:db8:1::1'), networkKey('2001:db8:2::1'));
  });
});

describe('staff login brake', () => {
  const brake = { after: 20, maxSeconds: 10 };

  it('when an account has had fewer failures than the threshold, then there is no wait', () => {
    for (const n of [0, 1, 19]) assert.equal(loginDelayMs(n, brake), 0);
  });

  it('when failures pass the threshold, then the wait grows a second each, up to the cap', () => {
    assert.deepEqual(
      [20, 21, 25, 29, 30, 1000].map((n) => loginDelayMs(n, brake)),
      [1000, 2000, 6000, 10_000, 10_000, 10_000],
    );
  });
});

describe('the account a login names', () => {
  it('when the e-mail is spelled in other letter cases or with spaces, then it is the account as stored', () => {
    assert.equal(accountOf({ body: { email: '  Admin@Example.ORG\t' } }), 'admin@example.org');
  });

  it('when a JSON login sends an e-mail that is not text, then it names no account instead of throwing', () => {
    // Found by test/fuzz/staff-login.test.ts: String() of { toString: 'x' } throws, and the login answered 500.
    for (const email of [{ toString: 'x' }, { valueOf: 1, toString: null }, ['a@example.org'], 42, null])
      assert.equal(accountOf({ body: { email } }), '', JSON.stringify(email));
    assert.equal(accountOf({ body: undefined }), '');
  });
});
