// The thank-you page's next steps (what happens next, make it monthly, share, back to the
// host site) and the organisation's details in the public footer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { countRows, makeTestApp } from '../helpers/app.ts';
import { checkoutThroughForm, startLiveStack, type LiveStack } from '../helpers/live.ts';

const HOST = 'https://forum.example.org';
const ORG = {
  ORG_LEGAL_NAME: 'Drugs-Forum Foundation',
  ORG_REGISTRATION: 'Registered charity no. 1234567',
  ORG_ADDRESS: '1 Example Street, London',
  ORG_PRIVACY_URL: 'https://forum.example.org/privacy',
  ORG_CONTACT: 'give@forum.example.org',
  ORG_FUNDS_TEXT: 'Servers, hosting and software.',
  ORG_FUNDS_URL: 'https://forum.example.org/budget',
};

let s: LiveStack;
before(async () => {
  s = await startLiveStack({ env: { ...ORG, FUNDRAISER_SITE_URL: `${HOST}/`, EMBED_ALLOWED_ORIGINS: HOST } });
});
after(async () => {
  await s.stop();
});

async function paidPage(amount: string, frequency: 'once' | 'monthly') {
  const id = await checkoutThroughForm(s.app, amount, frequency);
  s.emulator.state.pay(id, 'card', 'reader@example.org');
  await s.emulator.whenIdle();
  return (await request(s.app).get(`/thank-you?session_id=${id}`).expect(200)).text;
}

/** The fields of the page's form posting to `action`, as a browser would send them. */
function formFields(html: string, action: string): Record<string, string> {
  const form = new RegExp(`<form method="post" action="${action}">([\\s\\S]*?)</form>`).exec(html)?.[1];
  assert.ok(form, `a form posting to ${action}`);
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!;
  return fields;
}

const subscriptions = () => [...s.emulator.state.sessions.values()].filter((x) => x.mode === 'subscription');

describe('the thank-you page after a one-off gift', () => {
  it('when a one-off gift is paid, then the page says what happens next, offers to make it monthly and to share, and links back to the host site', async () => {
    const page = await paidPage('40', 'once');
    assert.match(page, /<h2 id="next-heading">What happens next<\/h2>/);
    assert.match(page, /Stripe is e-mailing your receipt to r•••@example\.org/);
    assert.match(page, /nothing repeats/);
    assert.doesNotMatch(page, /action="\/thank-you\/manage"/, 'nothing to manage');
    assert.match(page, /Make it monthly\?/);
    assert.deepEqual(
      { ...formFields(page, '/donate'), form_id: 'x' },
      { form_id: 'x', amount: '40', frequency: 'monthly', currency: 'usd', lang: 'en' },
    );
    assert.match(page, />Give \$40 monthly</);
    assert.match(page, /href="mailto:\?subject=[^"]+&amp;body=[^"]*http%3A%2F%2F127\.0\.0\.1/);
    assert.match(page, /href="https:\/\/www\.facebook\.com\/sharer\/sharer\.php\?u=http%3A%2F%2F127\.0\.0\.1/);
    assert.match(page, /<input id="share-url" type="text" readonly value="http:\/\/127\.0\.0\.1:\d+\/">/);
    assert.match(page, /<button type="button" class="secondary" data-copy hidden>Copy link<\/button>/);
    assert.match(page, new RegExp(`class="back-home" href="${HOST}/#fundraiser-thanks=\\d+">Back to Drugs-Forum<`));
    // Share links are plain links: no script from anywhere but this site.
    for (const src of page.matchAll(/<script[^>]*src="([^"]+)"/g)) assert.match(src[1]!, /^\/public\//);
  });

  it('when the reader makes it monthly, then the donate path starts a monthly Checkout at the same amount', async () => {
    const page = await paidPage('40', 'once');
    const before = subscriptions().length;
    const res = await request(s.app)
      .post('/donate')
      .type('form')
      .set({ 'Sec-Fetch-Site': 'same-origin', Origin: s.siteUrl })
      .send(new URLSearchParams(formFields(page, '/donate')).toString())
      .expect(303);
    const made = subscriptions();
    assert.equal(made.length, before + 1);
    const session = made.at(-1)!;
    assert.equal(res.headers.location, session.url);
    assert.equal(session.amount_total, 4000);
    assert.equal(s.emulator.state.extras.get(session.id)!.interval, 'month');
  });

  it('when the make-it-monthly form is tampered with or posted from another site, then no session starts', async () => {
    const before = s.emulator.state.sessions.size;
    for (const body of [
      { amount: 'forty', frequency: 'monthly' },
      { amount: '0', frequency: 'monthly' },
      { amount: '999999', frequency: 'monthly' },
      { amount: '40', frequency: 'weekly' },
    ]) {
      const res = await request(s.app).post('/donate').type('form').send(body).expect(400);
      assert.match(res.text, /class="error"|role="alert"/);
    }
    await request(s.app)
      .post('/donate')
      .type('form')
      .set({ 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' })
      .send({ amount: '40', frequency: 'monthly' })
      .expect(403);
    assert.equal(s.emulator.state.sessions.size, before);
  });
});

describe('the thank-you page after a monthly gift', () => {
  it('when a monthly gift is paid, then the page says how to manage it and offers no second monthly gift', async () => {
    const page = await paidPage('10', 'monthly');
    assert.match(page, /monthly gift of \$10 a month/);
    assert.match(page, /You will be charged \$10 each month until you cancel/);
    assert.match(page, /<form method="post" action="\/thank-you\/manage" class="manage">/);
    assert.match(page, /<a href="\/manage">manage your monthly gift<\/a>/);
    assert.match(page, /Customer Portal/);
    assert.doesNotMatch(page, /Make it monthly/);
    assert.match(page, /Ask a friend to help/);
  });

  it('when the checkout was not paid, then there is nothing to share or make monthly', async () => {
    const id = await checkoutThroughForm(s.app, '25');
    const page = (await request(s.app).get(`/thank-you?session_id=${id}`).expect(200)).text;
    assert.doesNotMatch(page, /Make it monthly|Ask a friend|What happens next/);
  });
});

describe('organisation details', () => {
  it('when the ORG_ settings are set, then the public pages show them in the footer, and the thank-you page names the organisation', async () => {
    const page = await paidPage('5', 'once');
    assert.match(page, /It names Drugs-Forum Foundation \(Registered charity no\. 1234567\)/);
    for (const path of ['/', '/?amount=25', '/no-such-page', '/thank-you?session_id=cs_test_unknown']) {
      const html = (await request(s.app).get(path)).text;
      const footer = /<footer class="site-footer">([\s\S]*?)<\/footer>/.exec(html)?.[1] ?? '';
      assert.match(footer, /<strong>Drugs-Forum Foundation<\/strong> · Registered charity no\. 1234567/, path);
      assert.match(footer, /1 Example Street, London/, path);
      assert.match(footer, /Where the money goes:<\/span> Servers, hosting and software\./, path);
      assert.match(footer, /href="https:\/\/forum\.example\.org\/budget">More about where the money goes/, path);
      assert.match(footer, /href="https:\/\/forum\.example\.org\/privacy">Privacy policy/, path);
      assert.match(footer, /href="mailto:give@forum\.example\.org">give@forum\.example\.org/, path);
    }
  });

  it('when no ORG_ setting is set, then the footer shows the organisation name only', async () => {
    const plain = await makeTestApp();
    try {
      const html = (await request(plain.app).get('/').expect(200)).text;
      const footer = /<footer class="site-footer">([\s\S]*?)<\/footer>/.exec(html)?.[1] ?? '';
      assert.match(footer, /<strong>Drugs-Forum<\/strong><\/p>/);
      assert.doesNotMatch(footer, /Privacy|Contact|money goes|org-address/);
      assert.equal(await countRows(plain.deps, 'contributions'), 0);
    } finally {
      await plain.close();
    }
  });
});
