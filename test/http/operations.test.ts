// What operations rely on: request ids in structured logs with no secrets in them, metrics
// behind a token, readiness for a load balancer, and oversize bodies refused before parsing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createLogger } from '../../lib/logger.ts';
import { addStaff } from '../../lib/staff/users.ts';
import {
  completedSession,
  deliver,
  makeTestApp,
  sessionEvent,
  TEST_WEBHOOK_SECRET,
  type TestApp,
} from '../helpers/app.ts';

const METRICS_TOKEN = 'metrics-token-for-the-test-suite';
const APP_SECRET = 'app-secret-that-must-never-be-logged-0123456789';
const STAFF_PASSWORD = 'staff password never logged';
const lines: string[] = [];
let t: TestApp;

before(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  // A logger that writes where the test can read it.
  t = await makeTestApp({ env: { METRICS_TOKEN, APP_SECRET }, now: new Date(), logger: createLogger('info', sink) });
  await addStaff(t.deps.db, 'ops@example.org', STAFF_PASSWORD, 'admin', new Date());
});
after(async () => {
  await t.close();
});

describe('logs', () => {
  it("when requests come in, then each gets a request id (the caller's when given) and a JSON log line", async () => {
    const res = await request(t.app).get('/staff/login').expect(200);
    assert.match(res.headers['x-request-id']!, /^[0-9a-f-]{36}$/);
    const mine = await request(t.app).get('/staff/login?next=/staff').set('X-Request-Id', 'lb-trace-12345').expect(200);
    assert.equal(mine.headers['x-request-id'], 'lb-trace-12345');
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.req?.id === 'lb-trace-12345');
    assert.ok(line, 'a log line carries the request id');
    assert.equal(line.req.path, '/staff/login', 'the path without its query string');
    assert.equal(line.res.statusCode, 200);
  });

  it('when a logged request fails with a 500, then one error line carries its request id and the real error', async () => {
    const real = t.deps.ledger.findGift;
    t.deps.ledger.findGift = () => Promise.reject(new Error('ledger read failed on purpose'));
    try {
      const before = lines.length;
      const res = await request(t.app)
        .get('/thank-you?session_id=cs_test_brokenread')
        .set('X-Request-Id', 'trace-500-check')
        .expect(500);
      assert.equal(res.headers['x-request-id'], 'trace-500-check');
      const errors = lines
        .slice(before)
        .map((l) => JSON.parse(l))
        .filter((l) => l.level >= 50);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0].req?.id, 'trace-500-check');
      assert.match(JSON.stringify(errors[0].err), /ledger read failed on purpose/);
    } finally {
      t.deps.ledger.findGift = real;
    }
  });

  it('when the host site fetches the figures and the banner, then they are counted in /metrics but not access-logged', async () => {
    const before = lines.length;
    await request(t.app).get('/api/progress').expect(200);
    await request(t.app).get('/embed/banner').expect(200);
    assert.equal(lines.slice(before).filter((l) => JSON.parse(l).req).length, 0, 'no access line per banner view');
    const metrics = await request(t.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    assert.match(metrics.text, /fundraiser_hot_requests_total\{route="\/api\/progress",status="200"\} [1-9]/);
    assert.match(metrics.text, /fundraiser_hot_requests_total\{route="\/embed\/banner",status="200"\} [1-9]/);
  });

  it('when a full journey runs (webhooks good and forged, donate, staff login, CSV), then no secret appears in the logs', async () => {
    const session = completedSession(t.config);
    await deliver(t.app, sessionEvent('checkout.session.completed', session)).expect(200);
    await deliver(t.app, sessionEvent('checkout.session.completed', session), { secret: 'whsec_forged' }).expect(400);
    const agent = request.agent(t.app);
    await agent.get('/').expect(200);
    await agent.post('/donate').type('form').send({ amount: '5', frequency: 'once' });
    const login = await agent.get('/staff/login').expect(200);
    const staffCsrf = login.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    await agent
      .post('/staff/login')
      .type('form')
      .send({ _csrf: staffCsrf, email: 'ops@example.org', password: 'wrong password, also secret' })
      .expect(401);
    await agent
      .post('/staff/login')
      .type('form')
      .send({ _csrf: staffCsrf, email: 'ops@example.org', password: STAFF_PASSWORD })
      .expect(303);
    await agent.get('/staff/gifts.csv').expect(200);
    await request(t.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);

    const all = lines.join('\n');
    assert.ok(all.includes('webhook handled'), 'the webhook was logged');
    for (const secret of [
      t.config.stripe.secretKey,
      TEST_WEBHOOK_SECRET,
      APP_SECRET,
      STAFF_PASSWORD,
      'wrong password, also secret',
      METRICS_TOKEN,
      staffCsrf,
      'fr.staff=',
      'fr_visitor=',
    ]) {
      assert.ok(!all.includes(secret), `the logs contain ${secret.slice(0, 12)}…`);
    }
    const webhookLine = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'webhook handled');
    assert.equal(webhookLine.type, 'checkout.session.completed');
    assert.equal(webhookLine.result, 'recorded');
    assert.ok(webhookLine.req?.id ?? webhookLine.reqId, 'the webhook line carries its request id');
  });
});

describe('metrics and readiness', () => {
  it('when /metrics is asked without the token, then 401; with it, Prometheus text with webhook outcomes, totals and latency', async () => {
    await request(t.app).get('/metrics').expect(401);
    await request(t.app).get('/metrics').set('Authorization', 'Bearer wrong-token-wrong-token').expect(401);
    await request(t.app).get('/healthz').expect(200);
    const res = await request(t.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    assert.match(res.headers['content-type']!, /text\/plain/);
    assert.match(res.text, /fundraiser_webhook_events_total\{type="checkout.session.completed",result="recorded"\} 1/);
    assert.match(res.text, /fundraiser_webhook_events_total\{type="unknown",result="rejected"\} 1/);
    assert.match(res.text, /fundraiser_campaign_minor\{figure="raised"\} 2500/);
    assert.match(res.text, /fundraiser_campaign_donors 1/);
    assert.match(res.text, /fundraiser_webhook_silence_alert 0/);
    assert.match(
      res.text,
      /fundraiser_http_request_duration_seconds_bucket\{le="[\d.]+",method="GET",route="\/healthz",status="200"\}/,
    );
    // The webhook is answered ahead of Express and still timed, with its outcome's status.
    assert.match(
      res.text,
      /fundraiser_http_request_duration_seconds_count\{method="POST",route="\/webhooks\/stripe",status="200"\} [1-9]/,
    );
    assert.match(
      res.text,
      /fundraiser_http_request_duration_seconds_count\{method="POST",route="\/webhooks\/stripe",status="400"\} [1-9]/,
    );
  });

  it('when METRICS_TOKEN is not set, then there is no /metrics at all', async () => {
    const plain = await makeTestApp();
    try {
      await request(plain.app).get('/metrics').expect(404);
    } finally {
      await plain.close();
    }
  });

  it('when the process is shutting down, then /readyz answers 503 while /healthz still answers', async () => {
    await request(t.app).get('/readyz').expect(200);
    t.deps.lifecycle.shuttingDown = true;
    await request(t.app).get('/readyz').expect(503);
    await request(t.app).get('/healthz').expect(200);
    t.deps.lifecycle.shuttingDown = false;
  });
});

describe('oversize bodies', () => {
  it('when a webhook or form body is too large, then 413 before anything is parsed or written', async () => {
    const before = (await t.deps.ledger.progress()).raised;
    const huge = JSON.stringify({ id: 'evt_x', padding: 'x'.repeat(600 * 1024) });
    await request(t.app)
      .post('/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', 't=1,v1=abc')
      .send(huge)
      .expect(413);
    await request(t.app)
      .post('/donate')
      .type('form')
      .send(`amount=5&junk=${'x'.repeat(20 * 1024)}`)
      .expect(413);
    assert.equal((await t.deps.ledger.progress()).raised, before);
  });
});
