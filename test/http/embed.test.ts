import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { completedSession, deliver, makeTestApp, sessionEvent, type TestApp } from '../helpers/app.ts';

const HOST = 'https://forum.example.org';
let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({
    env: {
      EMBED_ALLOWED_ORIGINS: `${HOST}, https://other.example.net`,
      FUNDRAISER_SITE_URL: `${HOST}/`,
      READERS_PER_MONTH: '250000',
    },
  });
});
afterEach(async () => {
  await t.close();
});

describe('public figures for host sites', () => {
  it('when a configured host asks, then CORS allows it; others get no CORS header', async () => {
    const ok = await request(t.app).get('/api/progress').set('Origin', HOST).expect(200);
    assert.equal(ok.headers['access-control-allow-origin'], HOST);
    assert.match(ok.headers.vary ?? '', /Origin/);
    const no = await request(t.app).get('/api/progress').set('Origin', 'https://evil.example').expect(200);
    assert.equal(no.headers['access-control-allow-origin'], undefined);
    const json = await request(t.app).get('/embed/banner.json').set('Origin', HOST).expect(200);
    assert.equal(json.headers['access-control-allow-origin'], HOST);
  });

  it('when the figures have not changed, then If-None-Match gets a 304; after a gift, a new ETag', async () => {
    const first = await request(t.app).get('/api/progress').expect(200);
    assert.match(first.headers['cache-control'] ?? '', /public, max-age=5, stale-while-revalidate=30/);
    const etag = first.headers.etag!;
    assert.ok(etag);
    await request(t.app).get('/api/progress').set('If-None-Match', etag).expect(304);
    await deliver(t.app, sessionEvent('checkout.session.completed', completedSession(t.config))).expect(200);
    const after = await request(t.app).get('/api/progress').set('If-None-Match', etag).expect(200);
    assert.notEqual(after.headers.etag, etag);
    assert.equal(after.body.raised, 2500);
  });

  it('when the banner is framed, then only this site and the configured hosts may do it; every other page forbids framing', async () => {
    const banner = await request(t.app).get('/embed/banner').expect(200);
    assert.equal(
      banner.headers['cache-control'],
      'private, no-cache',
      'shown or hidden per reader: never in a shared cache',
    );
    assert.match(banner.headers.vary ?? '', /Cookie/);
    assert.match(
      banner.headers['content-security-policy']!,
      new RegExp(`frame-ancestors 'self' ${HOST} https://other.example.net(;|$)`),
    );
    assert.equal(banner.headers['x-frame-options'], undefined);
    for (const path of [
      '/',
      '/api/progress',
      '/staff/login',
      '/thank-you?session_id=cs_test_x',
      '/embed/demo',
      '/healthz',
    ]) {
      const res = await request(t.app).get(path);
      assert.match(res.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, path);
    }
  });

  it('when the script is asked for by version, then it may be cached for a year; plainly, for an hour', async () => {
    const demo = await request(t.app).get('/embed/demo').expect(200);
    const src = demo.text.match(/<script src="(\/embed\.js\?v=[0-9a-f]+)"/)![1]!;
    const versioned = await request(t.app)
      .get(src)
      .expect(200)
      .expect('Content-Type', /javascript/);
    assert.match(versioned.headers['cache-control']!, /max-age=31536000, immutable/);
    assert.equal(
      versioned.headers['cross-origin-resource-policy'],
      'cross-origin',
      'host pages on other origins may load it',
    );
    const plain = await request(t.app).get('/embed.js').expect(200);
    assert.match(plain.headers['cache-control']!, /max-age=3600/);
    assert.match(demo.text, /<iframe src="\/embed\/banner"/);
  });
});

describe('the iframe banner', () => {
  it('when shown, then it has the short appeal, the bar, $5 and $25 links to the top window and a close form', async () => {
    const res = await request(t.app).get('/embed/banner').expect(200);
    assert.match(res.text, /role="progressbar"/);
    assert.match(
      res.text,
      /href="http:\/\/127\.0\.0\.1:\d+\/\?amount=5#main" target="_top"|href="[^"]*\/\?amount=5#main" target="_top"/,
    );
    assert.match(res.text, />Give \$25</);
    assert.match(res.text, /<form method="post" action="\/embed\/banner\/close"/);
    assert.doesNotMatch(res.text, /<script/);
  });

  it('when another site posts the close form, then it is refused (403, no cookie); from the banner itself it works', async () => {
    for (const headers of [
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' },
      { 'Sec-Fetch-Site': 'same-site', Origin: 'https://sub.example.org' },
      { Origin: 'https://evil.example' },
    ]) {
      const res = await request(t.app).post('/embed/banner/close').set(headers).expect(403);
      assert.equal(res.headers['set-cookie'], undefined);
    }
    // The banner's own iframe document is this site, framed or not: same-origin.
    const own = await request(t.app)
      .post('/embed/banner/close')
      .set({ 'Sec-Fetch-Site': 'same-origin', Origin: new URL(t.config.baseUrl).origin })
      .expect(303);
    assert.match(String(own.headers['set-cookie']), /fr_banner=/);
  });

  it('when closed, then it stays hidden for 7 days and comes back after', async () => {
    // The cookie jar uses the real clock, so this test's clock starts now.
    const start = Date.now();
    t.setNow(new Date(start));
    const agent = request.agent(t.app);
    const closed = await agent.post('/embed/banner/close').expect(303);
    assert.match(String(closed.headers['set-cookie']), /fr_banner=/);
    assert.match((await agent.get('/embed/banner').expect(200)).text, /Banner hidden/);
    t.setNow(new Date(start + 6 * 86_400_000));
    assert.match((await agent.get('/embed/banner').expect(200)).text, /Banner hidden/);
    t.setNow(new Date(start + 7 * 86_400_000 + 1000));
    assert.match((await agent.get('/embed/banner').expect(200)).text, /role="progressbar"/);
  });

  it('when a reader has given, then the thank-you page hides it for the rest of the campaign and tells the host site', async () => {
    const session = completedSession(t.config, { amount_total: 500 });
    await deliver(t.app, sessionEvent('checkout.session.completed', session)).expect(200);
    const agent = request.agent(t.app);
    const page = await agent.get(`/thank-you?session_id=${session.id}`).expect(200);
    const until = new Date('2027-01-01T00:00:00Z').getTime();
    assert.match(page.text, new RegExp(`href="${HOST}/#fundraiser-thanks=${until}">Back to`));
    assert.match((await agent.get('/embed/banner').expect(200)).text, /Thank you for your gift/);
    t.setNow(new Date('2026-12-31T23:59:00Z'));
    assert.match((await agent.get('/embed/banner').expect(200)).text, /Thank you for your gift/);
  });
});

describe('honest numbers in the appeal', () => {
  it('when fewer donors than the threshold exist, then the configured average is shown; the readers figure is the setting', async () => {
    const res = await request(t.app).get('/').expect(200);
    assert.match(res.text, /donations which average \$25\./);
    assert.match(res.text, /over 250,000 readers per month/);
    assert.match(res.text, /would donate \$5 then/);
  });

  it('when enough donors exist, then the average comes from the ledger', async () => {
    const few = await makeTestApp({ env: { AVERAGE_GIFT_MIN_DONORS: '3' } });
    try {
      for (const amount of [1000, 3000, 5000])
        await deliver(
          few.app,
          sessionEvent('checkout.session.completed', completedSession(few.config, { amount_total: amount })),
        ).expect(200);
      const res = await request(few.app).get('/').expect(200);
      assert.match(res.text, /donations which average \$30\./);
      assert.match(res.text, /over 4 million readers per month/);
      const banner = (await request(few.app).get('/embed/banner.json').expect(200)).body;
      assert.match(banner.text, /average \$30/);
      assert.equal(banner.raisedText, '$90');
    } finally {
      await few.close();
    }
  });
});
