// The donor's way to their monthly gift when Stripe is not there: /manage without a portal
// login page says so (503) instead of sending them nowhere, and the thank-you page's button
// answers 502 when Stripe does not answer. Nothing about the gift changes either way.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
before(async () => {
  // Port 9 (discard), which nothing here serves, as the other tests use: every call to "Stripe"
  // is refused at once and none leaves this machine. (A port picked free and let go could be
  // taken by supertest's own listener in the meantime.)
  t = await makeTestApp({ env: { STRIPE_API_URL: 'http://127.0.0.1:9' } });
});
after(() => t.close());

describe('managing a monthly gift while Stripe cannot be reached', () => {
  it('when no portal login page can be found, then /manage says so with 503 and redirects nowhere', async () => {
    const res = await request(t.app).get('/manage').expect(503);
    assert.equal(res.headers.location, undefined);
    assert.match(res.text, /cannot be reached at the moment\. Nothing about your gift has changed/);
  });

  it('when the thank-you page asks for the portal and Stripe does not answer, then 502 and nothing changes', async () => {
    const res = await request(t.app)
      .post('/thank-you/manage')
      .set('Origin', t.config.baseUrl)
      .type('form')
      .send('session_id=cs_test_a1b2c3')
      .expect(502);
    assert.match(res.text, /Our payment processor did not answer\. Nothing has changed/);
    assert.equal(res.headers.location, undefined);
  });
});
