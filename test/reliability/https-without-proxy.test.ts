// An https BASE_URL behind a proxy that ends TLS needs TRUST_PROXY for the staff login's
// Secure cookie: without it start-up says so, and the login page says why nobody can log in,
// instead of logins failing silently.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { addStaff } from '../../lib/staff/users.ts';
import { makeTestApp } from '../helpers/app.ts';
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
    // The warning is written just before listening, and logs are written asynchronously: it may
    // reach this process just after the first health check's answer.
    const warning = /BASE_URL is https but TRUST_PROXY is unset[^"]*Set TRUST_PROXY/;
    for (let i = 0; i < 100 && !warning.test(bare.logs()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(bare.logs(), warning);
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

it('when BASE_URL is https and requests arrive as http (TRUST_PROXY unset), then the login page says why and no session is made', async () => {
  const t = await makeTestApp({ env: { BASE_URL: 'https://give.example.org' } });
  try {
    await addStaff(t.deps.db, 'https@example.org', 'a long enough password', 'admin', new Date());
    const page = await request(t.app).get('/staff/login').expect(200);
    assert.match(page.text, /set TRUST_PROXY/);
    const res = await request(t.app)
      .post('/staff/login')
      .type('form')
      .send({ email: 'https@example.org', password: 'a long enough password' })
      .expect(503);
    assert.match(res.text, /nobody can log in/);
    assert.doesNotMatch(String(res.headers['set-cookie'] ?? ''), /fr\.staff/, 'no session cookie');
    assert.equal((await t.deps.db.selectFrom('staff_sessions').selectAll().execute()).length, 0);
  } finally {
    await t.close();
  }
  const behind = await makeTestApp({ env: { BASE_URL: 'https://give.example.org', TRUST_PROXY: '1' } });
  try {
    const page = await request(behind.app).get('/staff/login').set('X-Forwarded-Proto', 'https').expect(200);
    assert.doesNotMatch(page.text, /set TRUST_PROXY/);
  } finally {
    await behind.close();
  }
});
