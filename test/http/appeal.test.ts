import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { completedSession, deliver, makeTestApp, sessionEvent, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({ env: { FUNDRAISER_ORG_NAME: 'Example <Forum>' } });
});
afterEach(async () => {
  await t.close();
});

describe('GET /', () => {
  it('when nothing has been given, then the page shows a 0% bar with its accessible numbers', async () => {
    const res = await request(t.app).get('/').expect(200).expect('Content-Type', /html/);
    assert.match(res.text, /role="progressbar"/);
    assert.match(res.text, /aria-valuemin="0"/);
    assert.match(res.text, /aria-valuemax="100"/);
    assert.match(res.text, /aria-valuenow="0"/);
    assert.match(res.text, /aria-valuetext="\$0 raised of \$50,000 \(0%\)"/);
    assert.match(res.text, /data-raised>\$0</);
    assert.match(res.text, /data-goal>\$50,000</);
    assert.match(res.text, /data-donors>0</);
  });

  it('when the page renders, then it offers $5, $25 marked as the average gift, another amount, and once or monthly', async () => {
    const res = await request(t.app).get('/').expect(200);
    assert.match(res.text, /<form class="donate" method="post" action="\/donate"/);
    assert.match(res.text, /name="amount" value="5"/);
    assert.match(res.text, /name="amount" value="25"/);
    assert.match(res.text, /\$25<span class="per-month">\/month<\/span><\/span><span class="badge">Average gift/);
    assert.match(res.text, /name="amount" value="other"/);
    assert.match(res.text, /name="other_amount"/);
    assert.match(res.text, /name="frequency" value="once" checked/);
    assert.match(res.text, /name="amount" value="25" checked/, '$25 once is preselected');
    assert.match(res.text, /name="frequency" value="monthly"/);
  });

  it('when the host site is configured, then a quiet "Maybe later" leads back to it; otherwise there is none', async () => {
    assert.doesNotMatch((await request(t.app).get('/')).text, /Maybe later/);
    const withSite = await makeTestApp({ env: { FUNDRAISER_SITE_URL: 'https://forum.example.org/' } });
    try {
      const res = await request(withSite.app).get('/').expect(200);
      assert.match(res.text, /<a class="later" href="https:\/\/forum.example.org\/">Maybe later<\/a>/);
    } finally {
      await withSite.close();
    }
  });

  it('when the organisation name holds markup, then it is escaped in the letter', async () => {
    const res = await request(t.app).get('/').expect(200);
    assert.match(res.text, /Dear Example &lt;Forum&gt; readers/);
    assert.doesNotMatch(res.text, /<Forum>/);
  });

  it('when a gift has been recorded, then the bar shows its share', async () => {
    await deliver(
      t.app,
      sessionEvent('checkout.session.completed', completedSession(t.config, { amount_total: 2_500_000 })),
    ).expect(200);
    const res = await request(t.app).get('/').expect(200);
    assert.match(res.text, /aria-valuenow="50"/);
    assert.match(res.text, /style="width: 50%"/);
    assert.match(res.text, /data-percent>50%</);
    assert.match(res.text, /data-donors>1<\/span> <span data-donors-label>donor</);
  });

  it('when more than the goal is raised, then the bar stops at 100% but the text tells the truth', async () => {
    await deliver(
      t.app,
      sessionEvent('checkout.session.completed', completedSession(t.config, { amount_total: 7_500_000 })),
    ).expect(200);
    const res = await request(t.app).get('/').expect(200);
    assert.match(res.text, /style="width: 100%"/);
    assert.match(res.text, /data-raised>\$75,000</);
    assert.match(res.text, /data-percent>150%</);
    const api = await request(t.app).get('/api/progress').expect(200);
    assert.equal(api.body.percent, 150);
  });

  it('when a checkout was cancelled, then the page says nothing was charged and keeps the choice', async () => {
    const res = await request(t.app).get('/?cancelled=1&amount=40&frequency=monthly').expect(200);
    assert.match(res.text, /nothing was charged/);
    assert.match(res.text, /name="amount" value="other" checked/);
    assert.match(res.text, /name="other_amount"[^>]*value="40"/);
    assert.match(res.text, /name="frequency" value="monthly" checked/);
  });

  it('when any page is served, then it may not be framed and does not advertise Express', async () => {
    const res = await request(t.app).get('/').expect(200);
    assert.match(res.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    assert.equal(res.headers['x-powered-by'], undefined);
  });
});

describe('GET /api/progress and /healthz', () => {
  it('when asked for progress, then it answers the contract JSON in minor units', async () => {
    const res = await request(t.app).get('/api/progress').expect(200).expect('Content-Type', /json/);
    for (const key of ['currency', 'donors', 'goal', 'percent', 'raised', 'updatedAt'])
      assert.ok(key in res.body, `the contract's ${key} is kept`);
    assert.equal(res.body.goal, 5_000_000);
    assert.equal(res.body.raised, 0);
    assert.ok(!Number.isNaN(Date.parse(res.body.updatedAt)));
  });

  it('when the database answers, then healthz is 200; when it is gone, then 503', async () => {
    await request(t.app).get('/healthz').expect(200);
    await t.deps.db.destroy();
    await request(t.app).get('/healthz').expect(503);
  });

  it('when a page does not exist, then a friendly 404 is served', async () => {
    const res = await request(t.app).get('/no-such-page').expect(404);
    assert.match(res.text, /Page not found/);
    await request(t.app).get('/no-such-page').set('Accept', 'application/json').expect(404, { error: 'Not found' });
  });
});
