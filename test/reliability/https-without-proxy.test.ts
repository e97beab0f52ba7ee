// An https BASE_URL behind a proxy that ends TLS needs TRUST_PROXY for the staff login's
// Secure cookie: without it start-up says so, instead of logins failing silently.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startServerProcess } from '../helpers/server-process.ts';

const keyed = {
  STRIPE_SECRET_KEY: 'sk_test_https',
  STRIPE_WEBHOOK_SECRET: 'whsec_https',
  STRIPE_API_URL: 'http://127.0.0.1:9',
  BASE_URL: 'https://give.example.org',
};

it('when BASE_URL is https and TRUST_PROXY is unset, then start-up logs a warning saying to set it; with it set, then no warning', async () => {
  const bare = await startServerProcess(keyed);
  try {
    assert.match(bare.logs(), /BASE_URL is https but TRUST_PROXY is unset[^"]*Set TRUST_PROXY/);
  } finally {
    await bare.stop();
  }
  const behind = await startServerProcess({ ...keyed, TRUST_PROXY: '1' });
  try {
    assert.doesNotMatch(behind.logs(), /TRUST_PROXY is unset/);
  } finally {
    await behind.stop();
  }
});
