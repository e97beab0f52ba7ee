// A variant from the page to the ledger: the donate form's hidden variant rides in Checkout's
// metadata (a forged one does not), the paid gift is attributed to it once, and the banner's
// variant is drawn per view, counted as shown and clicked, and kept out of shared caches.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { startLiveStack, type LiveStack } from '../helpers/live.ts';
import { loggedInStaff } from '../helpers/staff.ts';
import { runningExperiment, TWO_HEADLINES } from '../helpers/experiments.ts';

let s: LiveStack;
let appeal: number;
let banner: number;
before(async () => {
  s = await startLiveStack();
  const admin = await loggedInStaff(s.app, s.deps.db, 'admin');
  appeal = await runningExperiment(admin, { ...TWO_HEADLINES, b_once: '10, 20, 40', b_default_once: '20' });
  banner = await runningExperiment(admin, {
    name: 'Banner words',
    surface: 'banner',
    a_name: 'As it is',
    a_share: '50',
    b_name: 'Short',
    b_share: '50',
    b_banner_en: 'Five dollars keeps us going.',
  });
});
after(() => s.stop());

const sessionOf = (location: string) => s.emulator.state.sessions.get(location.split('/').pop()!)!;

async function donate(cookie: string, fields: Record<string, string>) {
  const agent = request.agent(s.app);
  const page = await agent.get('/').set('Cookie', cookie).expect(200);
  const formId = page.text.match(/name="form_id" value="([^"]+)"/)![1]!;
  const variant = page.text.match(/name="appeal_variant" value="([^"]+)"/)?.[1];
  const res = await agent
    .post('/donate')
    .set('Cookie', cookie)
    .type('form')
    .send(
      new URLSearchParams({ form_id: formId, ...(variant ? { appeal_variant: variant } : {}), ...fields }).toString(),
    )
    .expect(303);
  return { session: sessionOf(res.headers.location!), page: page.text };
}

describe('a variant from the form to the ledger', () => {
  it('when a reader in variant B gives, then the session names B and the paid gift counts for B once', async () => {
    const { session, page } = await donate(`fr_exp=${appeal}.b`, { amount: '20', frequency: 'once' });
    // B's own tiles, with its preselected amount.
    assert.match(page, /name="amount" value="20" checked/);
    assert.equal(session.metadata?.exp_appeal, `${appeal}.b`);
    assert.equal(session.metadata?.exp_banner, undefined);
    s.emulator.state.pay(session.id, 'card', 'b@example.org');
    await s.emulator.whenIdle();
    // The same events again: nothing more is attributed.
    for (const id of [...s.emulator.state.events.keys()]) s.emulator.state.replay(id);
    await s.emulator.whenIdle();
    const results = await s.deps.experiments.results(appeal);
    const b = results!.variants.find((v) => v.key === 'b')!;
    assert.equal(b.donors, 1);
    assert.equal(b.raisedMinor, 2000);
    assert.equal(b.checkouts, 1);
    assert.equal(results!.variants.find((v) => v.key === 'a')!.donors, 0);
  });

  it('when the form names a forged or stopped variant, then Checkout gets no variant and the default amounts apply', async () => {
    for (const forged of [`${appeal}.d`, `${appeal + 99}.a`, 'x', `${banner}.b`]) {
      const { session } = await donate('', { amount: '25', frequency: 'once', appeal_variant: forged });
      assert.equal(session.metadata?.exp_appeal, undefined, forged);
    }
  });

  it('when a paid session’s metadata names a variant its experiment does not have, then the gift counts and no variant gets it', async () => {
    const { session } = await donate('', { amount: '25', frequency: 'once' });
    // Metadata is anyone's to write through Stripe's API: well-formed keys, running experiments.
    session.metadata = { ...session.metadata, exp_appeal: `${appeal}.d`, exp_banner: `${banner}.c` };
    s.emulator.state.pay(session.id, 'card', 'stranger@example.org');
    await s.emulator.whenIdle();
    const gift = await s.deps.db
      .selectFrom('contributions')
      .select(['id', 'status'])
      .where('checkout_session_id', '=', session.id)
      .executeTakeFirstOrThrow();
    assert.equal(gift.status, 'paid');
    const attributed = await s.deps.db
      .selectFrom('experiment_gifts')
      .select('variant')
      .where('contribution_id', '=', gift.id)
      .execute();
    assert.deepEqual(attributed, []);
  });

  it('when a banner variant is shown, then its text, links and form carry it, and the view and the click are counted', async () => {
    await s.deps.experiments.counter.flush();
    const before = await s.deps.experiments.results(banner);
    const seen = new Map<string, { text: string; variant: string; cache: string }>();
    for (let i = 0; i < 30; i++) {
      const res = await request(s.app).get('/embed/banner.json').expect(200);
      const key = (res.body.variant as string).split('.')[1]!;
      seen.set(key, { text: res.body.text, variant: res.body.variant, cache: String(res.headers['cache-control']) });
      assert.ok((res.body.links as Array<{ href: string }>).every((l) => l.href.includes(`bv=${res.body.variant}`)));
    }
    assert.deepEqual([...seen.keys()].sort(), ['a', 'b']);
    assert.equal(seen.get('b')!.text, 'Five dollars keeps us going.');
    assert.equal(seen.get('b')!.cache, 'private, no-store', 'no shared cache keeps one variant for everyone');
    const frame = await request(s.app).get('/embed/banner').expect(200);
    assert.match(frame.text, new RegExp(`name="banner_variant" value="${banner}\\.[ab]"`));

    // A click through a link, then a gift posted from the banner's own form.
    await request(s.app).get(`/?amount=5&lang=en&bv=${banner}.b`).expect(200);
    const res = await request(s.app)
      .post('/donate')
      .type('form')
      .send({ amount: '5', frequency: 'once', banner_variant: `${banner}.b`, via: 'banner', form_id: 'f'.repeat(20) })
      .expect(303);
    assert.equal(sessionOf(res.headers.location!).metadata?.exp_banner, `${banner}.b`);
    const after = await s.deps.experiments.results(banner);
    const [a0, b0] = before!.variants;
    const [a1, b1] = after!.variants;
    assert.equal(a1!.impressions + b1!.impressions - a0!.impressions - b0!.impressions, 31);
    assert.equal(b1!.clicks - b0!.clicks, 2);
    assert.equal(b1!.checkouts - b0!.checkouts, 1);
  });

  it('when the appeal page is opened from a banner link, then its form carries the banner variant to Checkout', async () => {
    const page = await request(s.app).get(`/?lang=en&bv=${banner}.a`).set('Cookie', `fr_exp=${appeal}.a`).expect(200);
    assert.match(page.text, new RegExp(`name="banner_variant" value="${banner}\\.a"`));
    assert.match(page.text, new RegExp(`name="appeal_variant" value="${appeal}\\.a"`));
    const forged = await request(s.app).get(`/?lang=en&bv=${banner}.z`).expect(200);
    assert.doesNotMatch(forged.text, /name="banner_variant"/);
  });

  it('when a reader from a banner cancels at Checkout, then the page they return to keeps the banner variant and counts no second click', async () => {
    const res = await request(s.app)
      .post('/donate')
      .type('form')
      .send({ amount: '5', frequency: 'once', banner_variant: `${banner}.b`, via: 'banner', form_id: 'c'.repeat(20) })
      .expect(303);
    const cancel = new URL(sessionOf(res.headers.location!).cancel_url!);
    assert.equal(cancel.searchParams.get('bv'), `${banner}.b`);
    await s.deps.experiments.counter.flush();
    const before = await s.deps.experiments.results(banner);
    const page = await request(s.app).get(`${cancel.pathname}${cancel.search}`).expect(200);
    assert.match(page.text, new RegExp(`name="banner_variant" value="${banner}\\.b"`));
    await s.deps.experiments.counter.flush();
    const after = await s.deps.experiments.results(banner);
    assert.equal(after!.variants[1]!.clicks, before!.variants[1]!.clicks);
  });
});
