// Appeal experiments through HTTP: staff make, start and stop them (and are refused bad ones),
// readers get a variant kept in a cookie, forged values fall back to the default, and the
// variant rides through the donate form into Checkout's metadata.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { buildDeps } from '../../lib/wiring.ts';
import { createApp } from '../../app.ts';
import { loggedInStaff } from '../helpers/staff.ts';
import { experimentAction, idFrom, postExperiment, runningExperiment, TWO_HEADLINES } from '../helpers/experiments.ts';

let t: TestApp;
let admin: Awaited<ReturnType<typeof loggedInStaff>>;
before(async () => {
  t = await makeTestApp({ now: new Date() });
  admin = await loggedInStaff(t.app, t.deps.db, 'admin');
});
after(() => t.close());

const DEFAULT_HEADLINE = () => t.deps.appeal.en.headline;
const experimentCount = async () => (await t.deps.db.selectFrom('experiments').select('id').execute()).length;
const alertOf = (html: string) =>
  (html.match(/role="alert"[^>]*>([^<]*)</)?.[1] ?? '').replaceAll('&#34;', '"').replaceAll('&#39;', "'");

async function stopAll() {
  for (const e of await t.deps.experiments.store.list())
    if (e.status === 'running') await t.deps.experiments.store.stop(e.id, 'test@example.org');
}

describe('staff making experiments', () => {
  beforeEach(stopAll);

  it('when an admin saves a valid experiment, then it is a draft, audited, and shown with its variants', async () => {
    const res = await postExperiment(admin, TWO_HEADLINES, 303);
    const id = idFrom(res.headers.location);
    const page = await admin.get(`/staff/experiments/${id}`).expect(200);
    assert.match(page.text, /data-status>draft</);
    assert.match(page.text, /Only readers keep this site free/);
    const audit = await t.deps.db
      .selectFrom('staff_audit')
      .selectAll()
      .where('action', '=', 'experiment created')
      .execute();
    assert.ok(audit.some((a) => a.detail.includes(`#${id} "Headline test"`)));
  });

  const refusals: Array<[string, Record<string, string>, RegExp]> = [
    ['shares that do not add to 100', { ...TWO_HEADLINES, b_share: '40' }, /add up to 90%; they must add up to 100%/],
    [
      'one variant',
      { name: 'x', surface: 'appeal', a_name: 'Only', a_share: '100', a_headline_en: 'Hi' },
      /2 to 4 variants/,
    ],
    ['two variants that change nothing', { ...TWO_HEADLINES, b_headline_en: '' }, /A and B change nothing/],
    [
      'a tile above the donation bounds',
      { ...TWO_HEADLINES, b_once: '5, 25, 99999999' },
      /outside the donation bounds/,
    ],
    [
      'a preselected amount that is not a tile',
      { ...TWO_HEADLINES, b_once: '10, 20', b_default_once: '15' },
      /must be one of its once amounts/,
    ],
    ['amounts that are not numbers', { ...TWO_HEADLINES, b_once: 'five' }, /whole numbers separated by commas/],
    [
      'a letter on the banner',
      { ...TWO_HEADLINES, surface: 'banner', b_letter_en: 'Dear reader' },
      /changes the letter, which the banner does not show/,
    ],
    ['no name', { ...TWO_HEADLINES, name: ' ' }, /Give the experiment a name/],
    ['a variant without a name', { ...TWO_HEADLINES, b_name: '' }, /Variant B needs a name/],
  ];
  for (const [what, fields, message] of refusals) {
    it(`when the form has ${what}, then it is refused with a clear message and nothing is saved`, async () => {
      const before = await experimentCount();
      const res = await postExperiment(admin, fields, 400);
      assert.match(alertOf(res.text), message);
      assert.equal(await experimentCount(), before);
      // The form comes back as it was typed.
      assert.match(res.text, new RegExp(`value="${fields.name?.trim() ? fields.name : ''}"`));
    });
  }

  it('when a browser posts every field of the form and a letter of full length, then it is read whole', async () => {
    const fields: Record<string, string> = { ...TWO_HEADLINES };
    for (const k of ['a', 'b', 'c', 'd'])
      for (const l of ['en', 'de', 'fr', 'es'])
        for (const f of ['headline', 'letter', 'banner']) fields[`${k}_${f}_${l}`] ??= '';
    fields.b_letter_en = Array.from({ length: 12 }, (_, i) => `${i} `.padEnd(1990, 'x')).join('\n\n');
    const res = await postExperiment(admin, fields, 303);
    const made = await t.deps.experiments.store.get(idFrom(res.headers.location));
    assert.equal(made!.variants[1]!.overrides.letter!.en!.length, 12);
  });

  it('when a viewer or a form without its token tries, then nothing is made', async () => {
    const viewer = await loggedInStaff(t.app, t.deps.db, 'viewer');
    await viewer.get('/staff/experiments/new').expect(403);
    await viewer.post('/staff/experiments').type('form').send({ name: 'x' }).expect(403);
    const before = await experimentCount();
    await admin.post('/staff/experiments').type('form').send(TWO_HEADLINES).expect(403);
    assert.equal(await experimentCount(), before);
    // Viewers still see the list and the results.
    await viewer.get('/staff/experiments').expect(200);
    // The big form is read for admins only: a stranger's big body is not parsed at all.
    const big = new URLSearchParams({ name: 'x'.repeat(100_000) }).toString();
    await request(t.app).post('/staff/experiments').type('form').send(big).expect(302);
    await viewer.post('/staff/experiments').type('form').send(big).expect(403);
    await admin
      .post('/staff/experiments')
      .type('form')
      .send(`${big}&${'f=1&'.repeat(500)}`)
      .expect(413);
  });

  it('when a draft is stopped or given a winner, or the experiment does not exist, then it is refused in words', async () => {
    const id = idFrom((await postExperiment(admin, { ...TWO_HEADLINES, name: 'Still a draft' }, 303)).headers.location);
    const stop = await experimentAction(admin, id, 'stop', 409);
    assert.match(alertOf(stop.text), /Only a running experiment can be stopped/);
    const winner = await experimentAction(admin, id, 'winner', 409, 'b');
    assert.match(alertOf(winner.text), /Start the experiment first: a draft has no results/);
    assert.equal((await t.deps.experiments.store.get(id))!.status, 'draft');
    await admin.get('/staff/experiments/999999').expect(404);
    await admin.get('/staff/api/experiments/999999').expect(404);
    await request(t.app).get(`/staff/api/experiments/${id}`).expect(401);
  });

  it('when a second experiment starts on the same surface, then it is refused; the banner may run beside the appeal', async () => {
    const first = await runningExperiment(admin, TWO_HEADLINES);
    const second = idFrom((await postExperiment(admin, { ...TWO_HEADLINES, name: 'Second' }, 303)).headers.location);
    const refused = await experimentAction(admin, second, 'start', 409);
    assert.match(alertOf(refused.text), /"Headline test" \(#\d+\) is already running on the appeal: stop it first/);
    assert.equal((await t.deps.experiments.store.get(second))!.status, 'draft');
    const banner = {
      ...TWO_HEADLINES,
      name: 'Banner words',
      surface: 'banner',
      b_headline_en: '',
      b_banner_en: 'Five dollars keeps us going.',
    };
    await runningExperiment(admin, banner);
    await experimentAction(admin, first, 'stop', 303);
    await experimentAction(admin, first, 'start', 409);
    await experimentAction(admin, second, 'start', 303);
    const actions = (await t.deps.db.selectFrom('staff_audit').select('action').execute()).map((a) => a.action);
    for (const a of ['experiment started', 'experiment stopped']) assert.ok(actions.includes(a));
  });
});

describe('readers in an experiment', () => {
  let id: number;
  before(async () => {
    await stopAll();
    id = await runningExperiment(admin, TWO_HEADLINES);
  });

  const headlineOf = (html: string) => html.match(/<h1[^>]*>([^<]*)</)?.[1]?.trim();
  const cookieOf = (res: request.Response) =>
    ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('fr_exp='));

  it('when a reader without the cookie opens the appeal, then a variant is drawn, kept in a first-party cookie and shown', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await request(t.app).get('/').expect(200);
      const cookie = cookieOf(res);
      assert.ok(cookie, 'the variant is kept');
      assert.match(cookie, new RegExp(`^fr_exp=${id}\\.[ab]; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Lax`));
      const key = cookie.slice(`fr_exp=${id}.`.length, `fr_exp=${id}.`.length + 1);
      seen.add(key);
      assert.equal(headlineOf(res.text), key === 'b' ? TWO_HEADLINES.b_headline_en : DEFAULT_HEADLINE());
      assert.match(res.text, new RegExp(`name="appeal_variant" value="${id}\\.${key}"`));
    }
    assert.deepEqual([...seen].sort(), ['a', 'b'], 'both variants are drawn');
  });

  it('when a reader comes back with their cookie, then they see the same variant and get no new cookie', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await request(t.app).get('/').set('Cookie', `fr_exp=${id}.b`).expect(200);
      assert.equal(headlineOf(res.text), TWO_HEADLINES.b_headline_en);
      assert.equal(cookieOf(res), undefined);
    }
  });

  it("when the cookie is forged, then the default appeal is shown and counted nowhere; an old experiment's is drawn again", async () => {
    await t.deps.experiments.counter.flush();
    for (const forged of [`${id}.d`, `${id}.z`, 'garbage']) {
      const res = await request(t.app).get('/').set('Cookie', `fr_exp=${forged}`).expect(200);
      assert.equal(headlineOf(res.text), DEFAULT_HEADLINE(), forged);
      assert.doesNotMatch(res.text, /name="appeal_variant"/);
    }
    const old = await request(t.app)
      .get('/')
      .set('Cookie', `fr_exp=${id + 1000}.b`)
      .expect(200);
    assert.ok(cookieOf(old)?.startsWith(`fr_exp=${id}.`));
  });

  it('when a crawler fetches the appeal, then it sees the default, gets no cookie and is not counted', async () => {
    await t.deps.experiments.counter.flush();
    const before = await t.deps.experiments.results(id);
    const ua = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    for (let i = 0; i < 5; i++) {
      const res = await request(t.app).get('/').set('User-Agent', ua).expect(200);
      assert.equal(headlineOf(res.text), DEFAULT_HEADLINE());
      assert.equal(cookieOf(res), undefined);
    }
    const after = await t.deps.experiments.results(id);
    assert.deepEqual(
      after!.variants.map((v) => v.impressions),
      before!.variants.map((v) => v.impressions),
    );
  });

  it('when the counts are flushed, then the impressions per variant are in the database', async () => {
    await t.deps.experiments.counter.flush();
    const before = await t.deps.experiments.results(id);
    for (let i = 0; i < 7; i++) await request(t.app).get('/').set('Cookie', `fr_exp=${id}.a`).expect(200);
    const after = await t.deps.experiments.results(id);
    assert.equal(after!.variants[0]!.impressions - before!.variants[0]!.impressions, 7);
    assert.equal(after!.variants[1]!.impressions, before!.variants[1]!.impressions);
  });

  it('when the experiment is stopped, then everyone sees the default and no cookie is set', async () => {
    await experimentAction(admin, id, 'stop', 303);
    const res = await request(t.app).get('/').set('Cookie', `fr_exp=${id}.b`).expect(200);
    assert.equal(headlineOf(res.text), DEFAULT_HEADLINE());
    assert.equal(cookieOf(await request(t.app).get('/').expect(200)), undefined);
  });

  it('when an admin makes B the default, then every reader sees B and the change is audited', async () => {
    await experimentAction(admin, id, 'winner', 303, 'b');
    for (const cookie of ['', `fr_exp=${id}.a`]) {
      const res = await request(t.app).get('/').set('Cookie', cookie).expect(200);
      assert.equal(headlineOf(res.text), TWO_HEADLINES.b_headline_en);
    }
    const e = await t.deps.experiments.store.get(id);
    assert.equal(e!.winner, 'b');
    const audit = await t.deps.db
      .selectFrom('staff_audit')
      .selectAll()
      .where('action', '=', 'experiment winner made default')
      .execute();
    assert.equal(audit.length, 1);
    await experimentAction(admin, id, 'winner', 409, 'q');
  });

  it('when an admin goes back to the content files, then readers see them again and it is audited', async () => {
    const list = await admin.get('/staff/experiments').expect(200);
    assert.match(list.text, /Defaults set by winners/);
    const csrf = list.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    await admin.post('/staff/experiments/defaults/reset').type('form').send({ _csrf: csrf }).expect(303);
    const res = await request(t.app).get('/').expect(200);
    assert.equal(headlineOf(res.text), DEFAULT_HEADLINE());
    const again = await admin.post('/staff/experiments/defaults/reset').type('form').send({ _csrf: csrf }).expect(409);
    assert.match(alertOf(again.text), /already shows its content files/);
    const audit = await t.deps.db
      .selectFrom('staff_audit')
      .select('action')
      .where('action', '=', 'appeal defaults reset')
      .execute();
    assert.equal(audit.length, 1);
  });
});

describe('defaults per surface', () => {
  it('when a banner winner is made the default, then the appeal keeps its words; nothing changes under a running experiment', async () => {
    await stopAll();
    await t.deps.experiments.store.resetDefaults('test@example.org').catch(() => undefined);
    const bannerFields = {
      ...TWO_HEADLINES,
      name: 'Banner headline',
      surface: 'banner',
      b_headline_en: 'BANNER ONLY HEADLINE',
      b_banner_en: 'Five dollars.',
    };
    const banner = await runningExperiment(admin, bannerFields);
    const appeal = await runningExperiment(admin, { ...TWO_HEADLINES, name: 'Appeal during banner' });
    await experimentAction(admin, banner, 'winner', 303, 'b');
    const page = await request(t.app).get('/').set('Cookie', `fr_exp=${appeal}.a`).expect(200);
    assert.equal(page.text.match(/<h1[^>]*>([^<]*)</)?.[1]?.trim(), DEFAULT_HEADLINE());
    const json = await request(t.app).get('/embed/banner.json').expect(200);
    assert.equal(json.body.headline, 'BANNER ONLY HEADLINE');

    // Another banner experiment now runs on top of those defaults: they hold still under it.
    const next = await runningExperiment(admin, { ...bannerFields, name: 'Next banner', b_banner_en: 'Ten dollars.' });
    const refused = await experimentAction(admin, banner, 'winner', 409, 'a');
    assert.match(alertOf(refused.text), /"Next banner" \(#\d+\) is running on the banner: stop it first/);
    const list = await admin.get('/staff/experiments').expect(200);
    const csrf = list.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    const reset = await admin.post('/staff/experiments/defaults/reset').type('form').send({ _csrf: csrf }).expect(409);
    assert.match(alertOf(reset.text), /is running on top of these defaults: stop it first/);
    await experimentAction(admin, next, 'stop', 303);
    await experimentAction(admin, appeal, 'stop', 303);
    await admin.post('/staff/experiments/defaults/reset').type('form').send({ _csrf: csrf }).expect(303);
    assert.equal((await request(t.app).get('/embed/banner.json').expect(200)).body.headline, DEFAULT_HEADLINE());
  });

  it('when a crawler fetches banner.json during a banner experiment, then it gets the default, uncounted, and no shared cache may keep it', async () => {
    await stopAll();
    const id = await runningExperiment(admin, {
      ...TWO_HEADLINES,
      name: 'Banner cache',
      surface: 'banner',
      b_headline_en: '',
      b_banner_en: 'Short.',
    });
    await t.deps.experiments.counter.flush();
    const before = await t.deps.experiments.results(id);
    for (const ua of ['curl/8.0.1', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)']) {
      const res = await request(t.app).get('/embed/banner.json').set('User-Agent', ua).expect(200);
      assert.equal(res.headers['cache-control'], 'private, no-store', ua);
      assert.equal(res.body.variant, undefined);
    }
    await request(t.app).head('/embed/banner.json').expect(200);
    const after = await t.deps.experiments.results(id);
    assert.deepEqual(
      after!.variants.map((v) => v.impressions),
      before!.variants.map((v) => v.impressions),
    );
    await stopAll();
    const plain = await request(t.app).get('/embed/banner.json').set('User-Agent', 'curl/8.0.1').expect(200);
    assert.match(String(plain.headers['cache-control']), /^public/);
  });
});

describe('two instances on one database', () => {
  it('when one instance starts an experiment, then the other serves it soon after, and both add their counts', async () => {
    await stopAll();
    const other = await buildDeps(t.config, { clock: () => new Date() });
    try {
      const app = createApp(other);
      // The other instance has read the experiments already: it learns of the new one by itself.
      assert.equal(other.experiments.serving().running.appeal, null);
      const id = await runningExperiment(admin, { ...TWO_HEADLINES, name: 'Across instances' });
      await new Promise((r) => setTimeout(r, 600));
      other.experiments.serving();
      await other.experiments.store.refresh();
      assert.equal(other.experiments.serving().running.appeal?.id, id);
      const cookie = `fr_exp=${id}.b`;
      for (const site of [t.app, app, app]) await request(site).get('/').set('Cookie', cookie).expect(200);
      await other.experiments.counter.flush();
      const results = await t.deps.experiments.results(id);
      assert.equal(results!.variants[1]!.impressions, 3);
    } finally {
      await other.close();
    }
  });
});
