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
  it('when shown, then it has the headline, the appeal, the bar, amount and frequency posted to /donate in the top window, and its dismissals', async () => {
    const res = await request(t.app).get('/embed/banner').expect(200);
    assert.match(
      res.text,
      /<h1 id="banner-headline" class="headline">Please help keep Drugs-Forum online another year<\/h1>/,
    );
    assert.match(res.text, /role="progressbar"/);
    assert.match(res.text, /<form method="post" action="\/donate" target="_top" class="give-form"/);
    const radios = [...res.text.matchAll(/<input type="radio" name="(\w+)" value="(\w+)"( checked)?>/g)].map(
      (m) => `${m[1]}=${m[2]}${m[3] ? '*' : ''}`,
    );
    assert.deepEqual(radios, [
      'frequency=once*',
      'frequency=monthly',
      'amount=5',
      'amount=10',
      'amount=25*',
      'amount=50',
    ]);
    assert.match(res.text, /<button type="submit" class="give" data-give-button>Give \$25<\/button>/);
    assert.match(res.text, /<form method="post" action="\/embed\/banner\/close" class="dismiss">/);
    for (const [why, text] of [
      ['later', 'Maybe later'],
      ['gave', 'I already gave'],
      ['close', ''],
    ])
      assert.match(res.text, new RegExp(`<button type="submit" name="why" value="${why}"[^>]*>${text}`));
    assert.match(res.text, /aria-label="Close the fundraiser banner">×</);
    // Its one script is this site's own file (the CSP allows nothing else).
    const scripts = [...res.text.matchAll(/<script[^>]*>/g)].map((m) => m[0]);
    assert.equal(scripts.length, 1);
    assert.match(scripts[0] ?? '', /^<script src="\/public\/embed\/banner\.[0-9a-f]+\.js" defer>$/);
  });

  it('when the script embed reads banner.json, then the first contract is intact and the choice is added', async () => {
    const b = (await request(t.app).get('/embed/banner.json').expect(200)).body as Record<string, unknown>;
    for (const key of ['label', 'text', 'raisedText', 'ofGoalText', 'barPercent', 'links', 'closeLabel', 'closeDays'])
      assert.ok(key in b, key);
    assert.deepEqual(
      (b.links as Array<{ text: string }>).map((l) => l.text),
      ['Give $5', 'Give $25'],
    );
    assert.equal(b.donateUrl, `${t.config.baseUrl}/donate`);
    assert.deepEqual(b.amounts, [
      { value: 5, text: '$5', monthly: true },
      { value: 10, text: '$10', monthly: true },
      { value: 25, text: '$25', monthly: true },
      { value: 50, text: '$50', monthly: false },
    ]);
    assert.equal(b.defaultAmount, 25);
    assert.equal(b.laterLabel, 'Maybe later');
    assert.equal(b.gaveLabel, 'I already gave');
    assert.equal(b.campaignEndsAt, '2027-01-01T00:00:00.000Z');
  });

  it('when presets are configured, then the banner offers the four nearest the preselected one, and the monthly ones', async () => {
    const custom = await makeTestApp({
      env: {
        DONATE_PRESETS_ONCE: '3,7,15,30,60,120',
        DONATE_DEFAULT_ONCE: '30',
        DONATE_PRESETS_MONTHLY: '7,15',
        DONATE_DEFAULT_MONTHLY: '15',
      },
    });
    try {
      const b = (await request(custom.app).get('/embed/banner.json').expect(200)).body as {
        amounts: { value: number; monthly: boolean }[];
        defaultAmount: number;
      };
      assert.deepEqual(
        b.amounts.map((a) => [a.value, a.monthly]),
        [
          [3, false],
          [7, true],
          [15, true],
          [30, false],
        ],
      );
      assert.equal(b.defaultAmount, 30);
    } finally {
      await custom.close();
    }
  });

  it('when the script banner on an allowed host posts the donate form, then the checkout starts; from another site it is refused', async () => {
    const refused = await request(t.app)
      .post('/donate')
      .type('form')
      .set({ 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' })
      .send({ amount: '25', frequency: 'once' })
      .expect(403);
    assert.match(refused.text, /sent from another site/);
    // The test app's Stripe answers nothing: past the cross-site check, the donate path says so (502).
    await request(t.app)
      .post('/donate')
      .type('form')
      .set({ 'Sec-Fetch-Site': 'cross-site', Origin: HOST })
      .send({ amount: '25', frequency: 'once' })
      .expect(502);
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
    assert.match((await agent.get('/embed/banner').expect(200)).text, /<main class="collapsed">/);
    t.setNow(new Date(start + 6 * 86_400_000));
    assert.match((await agent.get('/embed/banner').expect(200)).text, /<main class="collapsed">/);
    t.setNow(new Date(start + 7 * 86_400_000 + 1000));
    assert.match((await agent.get('/embed/banner').expect(200)).text, /role="progressbar"/);
  });

  it('when the reader says "Maybe later", then it is hidden for the close days; "I already gave", for the rest of the campaign', async () => {
    const start = Date.now();
    t.setNow(new Date(start));
    const cookie = async (why: string) => {
      const res = await request(t.app).post('/embed/banner/close').type('form').send({ why }).expect(303);
      assert.equal(res.headers.location, '/embed/banner');
      const raw = String(res.headers['set-cookie']);
      return JSON.parse(decodeURIComponent(/fr_banner=([^;]+)/.exec(raw)![1]!)) as { reason: string; until: string };
    };
    const later = await cookie('later');
    assert.equal(later.reason, 'later');
    assert.equal(new Date(later.until).getTime(), start + 7 * 86_400_000);
    const gave = await cookie('gave');
    assert.equal(gave.reason, 'gave');
    // The campaign is the calendar year of this test's clock, which is the real one.
    assert.equal(gave.until, new Date(Date.UTC(new Date(start).getUTCFullYear() + 1, 0, 1)).toISOString());
    assert.equal((await cookie('close')).reason, 'close');
  });

  it('when "I already gave" is chosen, then the banner collapses with nothing to see (no thank-you for a gift the site has not seen)', async () => {
    // The cookie lasts to the campaign's end, and the cookie jar uses the real clock: so does the site.
    t.setNow(new Date());
    const agent = request.agent(t.app);
    await agent.post('/embed/banner/close').type('form').send({ why: 'gave' }).expect(303);
    const page = await agent.get('/embed/banner').expect(200);
    assert.match(page.text, /<main class="collapsed"><h1 class="vh">/);
    assert.doesNotMatch(page.text, /Thank you|role="progressbar"/);
  });

  it('when the dismissal form carries an unknown reason or comes from another site, then it is refused and nothing is set', async () => {
    for (const why of ['forever', '']) {
      const res = await request(t.app).post('/embed/banner/close').type('form').send({ why }).expect(400);
      assert.equal(res.headers['set-cookie'], undefined);
    }
    const res = await request(t.app)
      .post('/embed/banner/close')
      .type('form')
      .set({ 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' })
      .send({ why: 'gave' })
      .expect(403);
    assert.equal(res.headers['set-cookie'], undefined);
  });

  it('when a reader has given, then the thank-you page hides it for the rest of the campaign and tells the host site', async () => {
    // The cookie lasts to the campaign's end (the calendar year), and the cookie jar uses the
    // real clock: so does the site.
    const now = new Date();
    t.setNow(now);
    const session = completedSession(t.config, { amount_total: 500 });
    await deliver(t.app, sessionEvent('checkout.session.completed', session)).expect(200);
    const agent = request.agent(t.app);
    const page = await agent.get(`/thank-you?session_id=${session.id}`).expect(200);
    const until = Date.UTC(now.getUTCFullYear() + 1, 0, 1);
    assert.match(page.text, new RegExp(`href="${HOST}/#fundraiser-thanks=${until}">Back to`));
    assert.match((await agent.get('/embed/banner').expect(200)).text, /Thank you for your gift/);
    t.setNow(new Date(until - 60_000));
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
