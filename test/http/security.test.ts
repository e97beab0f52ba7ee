// Security headers on every response, and hostile text rendered inert on every page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { addStaff } from '../../lib/staff/users.ts';
import { completedSession, deliver, makeTestApp, sessionEvent, type TestApp } from '../helpers/app.ts';

const EVIL = '<script>alert(1)</script>';
let t: TestApp;
let sessionId: string;

before(async () => {
  t = await makeTestApp({ env: { FUNDRAISER_ORG_NAME: `Org ${EVIL}` }, now: new Date() });
  const session = completedSession(t.config, {
    customer_details: {
      ...completedSession(t.config).customer_details!,
      name: `Donor ${EVIL}`,
      email: `x${encodeURIComponent('<b>')}@example.org`,
    },
  });
  sessionId = session.id;
  await deliver(t.app, sessionEvent('checkout.session.completed', session)).expect(200);
  await addStaff(t.deps.db, 'sec@example.org', 'a long staff password', 'admin', new Date());
});
after(async () => {
  await t.close();
});

describe('security headers', () => {
  it('when any page or API answers, then it carries a CSP without inline scripts, nosniff, and no x-powered-by', async () => {
    for (const path of [
      '/',
      '/api/progress',
      '/healthz',
      '/embed/banner',
      '/staff/login',
      `/thank-you?session_id=${sessionId}`,
      '/no-such-page',
    ]) {
      const res = await request(t.app).get(path);
      const csp = res.headers['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self'/, path);
      assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/, path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(res.headers['x-powered-by'], undefined, path);
      assert.equal(res.headers['strict-transport-security'], undefined, `${path}: no HSTS on plain http`);
    }
  });

  it('when BASE_URL is http, then the CSP has no upgrade-insecure-requests; when it is https, then it has', async () => {
    for (const path of ['/', '/embed/banner']) {
      const csp = (await request(t.app).get(path)).headers['content-security-policy'] ?? '';
      assert.doesNotMatch(csp, /upgrade-insecure-requests/, path);
    }
    const https = await makeTestApp({ env: { BASE_URL: 'https://give.example.org' } });
    try {
      const csp = (await request(https.app).get('/')).headers['content-security-policy'] ?? '';
      assert.match(csp, /upgrade-insecure-requests/);
    } finally {
      await https.close();
    }
  });

  it('when the site is served over https, then HSTS is sent', async () => {
    const https = await makeTestApp({ env: { BASE_URL: 'https://give.example.org' } });
    try {
      const res = await request(https.app).get('/');
      assert.match(res.headers['strict-transport-security'] ?? '', /max-age=\d+/);
    } finally {
      await https.close();
    }
  });
});

describe('hostile text', () => {
  it('when a donor name and the organisation name hold a script, then every page shows it as text', async () => {
    const agent = request.agent(t.app);
    const login = await agent.get('/staff/login').expect(200);
    const csrf = login.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    await agent
      .post('/staff/login')
      .type('form')
      .send({ _csrf: csrf, email: 'sec@example.org', password: 'a long staff password' })
      .expect(303);
    for (const path of [
      '/',
      `/thank-you?session_id=${sessionId}`,
      '/embed/banner',
      '/embed/demo',
      '/staff',
      '/staff/gifts',
      '/staff/settings',
    ]) {
      const res = await agent.get(path);
      assert.equal(res.status, 200, path);
      assert.doesNotMatch(res.text, /<script>alert\(1\)<\/script>/, path);
    }
    assert.match((await agent.get('/staff/gifts')).text, /Donor &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match((await agent.get('/')).text, /Dear Org &lt;script&gt;/);
  });
});
