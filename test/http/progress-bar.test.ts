// The bar from the first gift to past the goal: a sliver of fill the reader can see with the
// true share in words, donors, days left, and the staff's message once the goal is reached.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { completedSession, deliver, makeTestApp, sessionEvent, type TestApp } from '../helpers/app.ts';
import { loggedInStaff } from '../helpers/staff.ts';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

async function give(amountMinor: number, at = new Date('2026-06-15T12:00:00Z')) {
  const session = completedSession(t.config, { amount_total: amountMinor });
  await deliver(t.app, sessionEvent('checkout.session.completed', session, { created: at.getTime() / 1000 })).expect(
    200,
  );
}
const page = async () => (await request(t.app).get('/').expect(200)).text;
const api = async () => (await request(t.app).get('/api/progress').expect(200)).body as Record<string, unknown>;
const text = (html: string, attr: string) => new RegExp(`<span ${attr}>([^<]*)<`).exec(html)?.[1];

describe('the bar', () => {
  it('when the first $25 comes in on a $250,000 goal, then the bar shows a sliver and the text the true 0.01%', async () => {
    t = await makeTestApp({ env: { FUNDRAISER_GOAL: '250000' } });
    const empty = await page();
    assert.match(empty, /style="width: 0%"/, 'nothing raised, nothing drawn');
    assert.equal(text(empty, 'data-percent'), '0%');
    await give(2500);
    const html = await page();
    assert.match(html, /data-bar-fill style="width: 2%"/);
    assert.equal(text(html, 'data-percent'), '0.01%');
    assert.match(html, /aria-valuenow="0\.01"/);
    assert.match(html, /aria-valuetext="\$25 raised of \$250,000 \(0\.01%\)"/);
    assert.match(html, /data-donors>1<\/span> <span data-donors-label>donor</);
  });

  it('when less than a hundredth of a percent is raised, then it says so rather than 0% or a rounded-up figure', async () => {
    t = await makeTestApp({ env: { FUNDRAISER_GOAL: '250000' } });
    await give(500);
    const html = await page();
    assert.equal(text(html, 'data-percent'), 'less than 0.01%');
    assert.match(html, /style="width: 2%"/);
  });

  it('when a share has decimals, then the text rounds it down, never up', async () => {
    t = await makeTestApp({ env: { FUNDRAISER_GOAL: '300' } });
    await give(29_900); // 99.67%
    assert.equal(text(await page(), 'data-percent'), '99%');
    assert.doesNotMatch(await page(), /data-goal-reached/);
  });

  it('when the campaign is the calendar year, then the days left run to the end of the year (UTC)', async () => {
    t = await makeTestApp({ env: { TOTALS_MAX_AGE_MS: '0' } });
    assert.equal(text(await page(), 'data-days-left'), '200 days left'); // from noon on June 15th
    assert.equal((await api()).daysLeft, 200);
    t.setNow(new Date('2026-12-31T08:00:00Z'));
    assert.equal(text(await page(), 'data-days-left'), 'last day', 'the landing page is rebuilt when the day changes');
  });

  it('when the campaign has a fixed end, then the days left count to it, then it says the campaign ended', async () => {
    t = await makeTestApp({
      env: { TOTALS_MAX_AGE_MS: '0', FUNDRAISER_CAMPAIGN_START: '2026-06-01', FUNDRAISER_CAMPAIGN_END: '2026-06-20' },
    });
    assert.equal(text(await page(), 'data-days-left'), '5 days left');
    t.setNow(new Date('2026-06-20T00:00:01Z'));
    assert.equal(text(await page(), 'data-days-left'), 'campaign ended');
    assert.equal((await api()).daysLeft, 0);
  });

  it('when the goal is reached, then the bar says so, with the staff message when there is one, and the JSON too', async () => {
    t = await makeTestApp({ env: { TOTALS_MAX_AGE_MS: '0' } });
    assert.equal((await api()).goalReached, false);
    await give(5_000_000);
    let html = await page();
    assert.match(html, /<p class="goal-reached" data-goal-reached><strong>Goal reached\. Thank you!<\/strong><\/p>/);
    assert.match(html, /style="width: 100%"/);
    await t.deps.ledger.setStretchMessage('Every gift now goes to <next year>.', 'admin@example.org');
    html = await page();
    assert.match(
      html,
      /Goal reached\. Thank you!<\/strong> <span data-stretch>Every gift now goes to &lt;next year&gt;\.<\/span>/,
    );
    const json = await api();
    assert.equal(json.goalReached, true);
    assert.equal(json.stretchMessage, 'Every gift now goes to <next year>.');
    for (const key of ['currency', 'goal', 'raised', 'donors', 'percent', 'updatedAt']) assert.ok(key in json);
  });

  it('when the goal is not reached, then the stretch message waits unseen', async () => {
    t = await makeTestApp({ env: { TOTALS_MAX_AGE_MS: '0' } });
    await t.deps.ledger.setStretchMessage('Every gift now goes to next year.', 'admin@example.org');
    await give(2500);
    assert.doesNotMatch(await page(), /next year|data-goal-reached/);
  });
});

describe('the stretch message in the staff settings', () => {
  async function admin() {
    const agent = await loggedInStaff(t.app, t.deps.db, 'admin');
    const csrf = (await agent.get('/staff/settings').expect(200)).text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    return { agent, csrf };
  }

  it('when an admin saves a message, then the appeal shows it once the goal is reached, and the change log says who', async () => {
    t = await makeTestApp({ env: { TOTALS_MAX_AGE_MS: '0' } });
    const { agent, csrf } = await admin();
    await agent
      .post('/staff/settings/stretch')
      .type('form')
      .send({ _csrf: csrf, stretch_message: '  Next: a second server.\r\n Thank you! ' })
      .expect(303)
      .expect('Location', '/staff/settings?saved=1');
    assert.equal((await t.deps.ledger.progress()).stretchMessage, 'Next: a second server. Thank you!');
    const settings = (await agent.get('/staff/settings').expect(200)).text;
    assert.match(
      settings,
      /<textarea id="stretch_message" name="stretch_message"[^>]*>Next: a second server\. Thank you!<\/textarea>/,
    );
    assert.match(
      settings,
      /admin-[a-z0-9]+@example\.org<\/td><td>stretch message<\/td><td>campaign 2026: &#34;Next: a second server\. Thank you!&#34;/,
    );
    await give(5_000_000);
    assert.match(await page(), /Next: a second server\. Thank you!/);

    await agent.post('/staff/settings/stretch').type('form').send({ _csrf: csrf, stretch_message: '' }).expect(303);
    assert.equal((await t.deps.ledger.progress()).stretchMessage, null);
    assert.match(
      (await agent.get('/staff/settings').expect(200)).text,
      /<td>stretch message<\/td><td>campaign 2026: cleared/,
    );
  });

  it('when the message is too long, then the form says so and nothing changes', async () => {
    t = await makeTestApp();
    const { agent, csrf } = await admin();
    const res = await agent
      .post('/staff/settings/stretch')
      .type('form')
      .send({ _csrf: csrf, stretch_message: 'x'.repeat(281) })
      .expect(400);
    assert.match(res.text, /at most 280 characters \(it has 281\)/);
    assert.equal((await t.deps.ledger.progress()).stretchMessage, null);
    assert.equal((await t.deps.ledger.recentChanges()).length, 0);
  });

  it('when a viewer or a form without its CSRF token tries, then it is refused and nothing changes', async () => {
    t = await makeTestApp();
    const viewer = await loggedInStaff(t.app, t.deps.db, 'viewer');
    const token = (await viewer.get('/staff').expect(200)).text.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
    await viewer.post('/staff/settings/stretch').type('form').send({ _csrf: token, stretch_message: 'hi' }).expect(403);
    const { agent } = await admin();
    await agent.post('/staff/settings/stretch').type('form').send({ stretch_message: 'hi' }).expect(403);
    await request(t.app).post('/staff/settings/stretch').type('form').send({ stretch_message: 'hi' }).expect(302);
    assert.equal((await t.deps.ledger.progress()).stretchMessage, null);
    assert.equal((await t.deps.ledger.recentChanges()).length, 0);
  });
});
