// One front door: each request goes to exactly one lane (webhook, fast lane, Express), paths
// are matched as Express matches them, the fast lane's bodies are kept per revision of the
// figures, and a failed fast answer is logged once and never handed to Express.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createLogger } from '../../lib/logger.ts';
import { completedSession, deliver, makeTestApp, sessionEvent, type TestApp } from '../helpers/app.ts';

let lines: Array<Record<string, unknown>> = [];
let t: TestApp;
before(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      );
      done();
    },
  });
  t = await makeTestApp({ now: new Date(), env: { TOTALS_MAX_AGE_MS: '60000' }, logger: createLogger('info', sink) });
});
after(async () => {
  await t.close();
});

const fastLaneCount = async (route: string, status: string) => {
  const metrics = await t.deps.metrics.fastLaneRequests.get();
  return metrics.values.find((v) => v.labels.route === route && v.labels.status === status)?.value ?? 0;
};

describe('the front door', () => {
  it('when a fast path is asked in another letter case or with a trailing slash, then it is served as Express would', async () => {
    const plain = await request(t.app).get('/api/progress').expect(200);
    for (const path of ['/api/progress/', '/API/Progress', '/api/progress?x=1']) {
      const res = await request(t.app).get(path).expect(200);
      assert.deepEqual(res.body, plain.body, path);
      assert.equal(res.headers.etag, plain.headers.etag, path);
    }
  });

  it('when the fast lane serves a request, then Express never sees it (no access-log line, counted once)', async () => {
    lines = [];
    const before = await fastLaneCount('/api/progress', '200');
    await request(t.app).get('/api/progress').set('X-Request-Id', 'fast-lane-1234').expect(200);
    assert.equal((await fastLaneCount('/api/progress', '200')) - before, 1);
    assert.equal(lines.length, 0, JSON.stringify(lines));
  });

  it('when the figures do not change, then the body is built once and its revision holds; a gift gives a new revision', async () => {
    const a = await t.deps.ledger.progress();
    const first = await request(t.app).get('/embed/banner.json').expect(200);
    assert.equal((await t.deps.ledger.progress()).revision, a.revision);
    assert.equal((await request(t.app).get('/embed/banner.json').expect(200)).headers.etag, first.headers.etag);
    await deliver(
      t.app,
      sessionEvent('checkout.session.completed', completedSession(t.config, { amount_total: 4200 })),
    ).expect(200);
    const b = await t.deps.ledger.progress();
    assert.equal(b.revision, a.revision + 1);
    assert.equal(b.raised, a.raised + 4200);
    assert.notEqual((await request(t.app).get('/embed/banner.json').expect(200)).headers.etag, first.headers.etag);
  });

  it('when a landing URL carries only a campaign tag, then the fast lane serves the landing page; a choice goes to Express', async () => {
    const before = await fastLaneCount('/', '200');
    const tagged = await request(t.app).get('/?utm_source=forum').expect(200);
    assert.equal((await fastLaneCount('/', '200')) - before, 1);
    assert.match(tagged.text, /name="form_id" value="[0-9a-f-]{36}"/);
    const chosen = await request(t.app).get('/?amount=25').expect(200);
    assert.equal((await fastLaneCount('/', '200')) - before, 1, 'the variant was not served by the fast lane');
    assert.match(chosen.text, /name="amount" value="25" checked/);
  });

  it("when a fast answer fails, then the reader gets a 500 in the entry's type and the error is logged once", async () => {
    const real = t.deps.ledger.progress;
    t.deps.ledger.progress = () => Promise.reject(new Error('totals unreadable'));
    try {
      lines = [];
      const json = await request(t.app).get('/api/progress').expect(500).expect('Content-Type', /json/);
      assert.match(json.body.error, /Something went wrong/);
      const logged = lines.filter((l) => JSON.stringify(l).includes('totals unreadable'));
      assert.equal(logged.length, 1, JSON.stringify(lines));
      const html = await request(t.app).get('/').expect(500).expect('Content-Type', /html/);
      assert.match(html.text, /Something went wrong/);
      assert.equal(html.headers['x-frame-options'], 'SAMEORIGIN');
    } finally {
      t.deps.ledger.progress = real;
    }
    await request(t.app).get('/api/progress').expect(200);
  });

  it('when the webhook path is asked with GET, then Express answers 404 (only POST goes to the webhook lane)', async () => {
    await request(t.app).get('/webhooks/stripe').expect(404);
  });
});
