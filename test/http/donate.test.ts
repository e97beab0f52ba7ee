import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { openForm, startLiveStack, type LiveStack } from '../helpers/live.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack();
});
after(async () => {
  await s.stop();
});
beforeEach(() => {
  s.emulator.state.sessions.clear();
});

async function expectStatus(pending: Promise<{ status: number; text: string }>, status: number) {
  const res = await pending;
  assert.equal(res.status, status, res.text.slice(0, 500));
  return res as Awaited<ReturnType<typeof post>>;
}

const sessions = () => [...s.emulator.state.sessions.values()];

async function post(fields: Record<string, string>, opts: { json?: boolean; headers?: Record<string, string> } = {}) {
  const { agent, formId } = await openForm(s.app);
  const body = new URLSearchParams({ form_id: formId, ...fields }).toString();
  const req = agent
    .post('/donate')
    .type('form')
    .set(opts.headers ?? {})
    .send(body);
  if (opts.json) req.set('Accept', 'application/json');
  return req;
}

describe('POST /donate: validation', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['the amount is missing', { frequency: 'once' }, /choose an amount/],
    ['"other" is chosen but left empty', { amount: 'other', other_amount: '', frequency: 'once' }, /enter the amount/],
    ['the amount is negative', { amount: '-5', frequency: 'once' }, /whole number/],
    ['the amount is fractional', { amount: '7.50', frequency: 'once' }, /without cents/],
    ['the amount is zero', { amount: '0', frequency: 'once' }, /between \$2 and \$10,000/],
    ['the amount is below the minimum', { amount: '1', frequency: 'once' }, /between \$2 and \$10,000/],
    ['the amount is huge', { amount: '10001', frequency: 'once' }, /between \$2 and \$10,000/],
    ['the amount is absurdly huge', { amount: '99999999999999999999999', frequency: 'once' }, /between/],
    ['the amount is not a number', { amount: 'ten', frequency: 'once' }, /whole number/],
    ['the amount is a number in disguise', { amount: '1e3', frequency: 'once' }, /whole number/],
    ['the frequency is unknown', { amount: '25', frequency: 'weekly' }, /once or monthly/],
  ];
  for (const [what, fields, message] of cases) {
    it(`when ${what}, then the page is shown again with a clear message, status 400, and no session`, async () => {
      const res = await expectStatus(post(fields), 400);
      assert.match(res.text, /role="alert"/);
      assert.match(res.text, message);
      assert.match(res.text, /<form class="donate"/, 'the form is shown again');
      assert.equal(sessions().length, 0);
    });
  }

  it('when the amount is repeated in the body, then it is refused', async () => {
    const { agent, formId } = await openForm(s.app);
    await agent.post('/donate').type('form').send(`form_id=${formId}&amount=5&amount=5000&frequency=once`).expect(400);
    assert.equal(sessions().length, 0);
  });

  it('when the frequency is repeated in the body, then it is refused with a clear message, not taken as once', async () => {
    const { agent, formId } = await openForm(s.app);
    const res = await agent
      .post('/donate')
      .type('form')
      .send(`form_id=${formId}&amount=25&frequency=monthly&frequency=once`)
      .expect(400);
    assert.match(res.text, /choose one frequency/);
    assert.equal(sessions().length, 0);
  });

  it('when asked for JSON, then errors come as JSON', async () => {
    const res = await expectStatus(post({ amount: 'ten', frequency: 'once' }, { json: true }), 400);
    assert.match(res.body.error, /whole number/);
  });

  const crossSite: Array<[string, Record<string, string>]> = [
    [
      'the browser says the form came from another site',
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' },
    ],
    [
      'the browser says it came from a sibling subdomain',
      { 'Sec-Fetch-Site': 'same-site', Origin: 'https://forum.example.org' },
    ],
    ['an older browser sends only a foreign Origin', { Origin: 'https://evil.example' }],
    ['the Origin is "null" (a sandboxed frame or a data: page)', { Origin: 'null' }],
  ];
  for (const [what, headers] of crossSite) {
    it(`when ${what}, then it is refused with 403 and no session`, async () => {
      const res = await expectStatus(post({ amount: '25', frequency: 'once' }, { headers }), 403);
      assert.match(res.text, /sent from another site/);
      assert.match(res.text, /<form class="donate"/, 'the reader can give from here instead');
      assert.equal(sessions().length, 0);
    });
  }

  const sameSite: Array<[string, () => Record<string, string>]> = [
    [
      'the browser says the form came from this site',
      () => ({ 'Sec-Fetch-Site': 'same-origin', Origin: s.config.baseUrl }),
    ],
    ["an older browser sends this site's Origin", () => ({ Origin: s.config.baseUrl })],
    ['a client sends neither header (not a browser another site can drive)', () => ({})],
  ];
  for (const [what, headers] of sameSite) {
    it(`when ${what}, then the checkout starts`, async () => {
      await expectStatus(post({ amount: '25', frequency: 'once' }, { headers: headers() }), 303);
      assert.equal(sessions().length, 1);
    });
  }

  it('when the appeal is served, then it sets no cookie and every view carries its own form id', async () => {
    const a = await request(s.app).get('/').expect(200);
    const b = await request(s.app).get('/').expect(200);
    assert.equal(a.headers['set-cookie'], undefined);
    const id = (html: string) => /name="form_id" value="([\w-]{16,64})"/.exec(html)?.[1];
    assert.ok(id(a.text) && id(b.text));
    assert.notEqual(id(a.text), id(b.text));
    assert.equal(a.headers['cache-control'], 'private, no-store');
  });

  it('when the user entered another amount with a currency sign and separators, then it is accepted', async () => {
    const res = await expectStatus(post({ amount: 'other', other_amount: '$1,000', frequency: 'once' }), 303);
    assert.match(res.headers.location!, /\/c\/pay\/cs_test_/);
    assert.equal(sessions()[0]!.amount_total, 100_000);
  });
});

describe('POST /donate: checkout', () => {
  it('when $25 once is chosen, then it redirects 303 to a donate-mode Checkout Session that names the campaign', async () => {
    const res = await expectStatus(post({ amount: '25', frequency: 'once' }), 303);
    const [session] = sessions();
    assert.ok(session);
    assert.equal(res.headers.location, session.url);
    assert.equal(session.mode, 'payment');
    assert.equal(session.submit_type, 'donate');
    assert.equal(session.amount_total, 2500);
    assert.equal(session.currency, 'usd');
    assert.equal(session.metadata?.fundraiser, s.config.fundraiser.id);
    assert.match(session.metadata?.campaign ?? '', /^\d{4}$/);
    assert.deepEqual(s.emulator.state.extras.get(session.id)!.paymentIntentMetadata, session.metadata);
    assert.equal(session.success_url, `${s.siteUrl}/thank-you?session_id={CHECKOUT_SESSION_ID}&lang=en`);
    assert.equal(session.cancel_url, `${s.siteUrl}/?cancelled=1&amount=25&frequency=once&lang=en`);
    assert.equal(session.locale, 'en');
    assert.equal(session.metadata?.lang, 'en');
  });

  it('when monthly is chosen, then the session is a subscription with a monthly price and the campaign on the subscription', async () => {
    await expectStatus(post({ amount: 'other', other_amount: '12', frequency: 'monthly' }), 303);
    const [session] = sessions();
    assert.equal(session!.mode, 'subscription');
    assert.equal(session!.amount_total, 1200);
    assert.equal(session!.submit_type, 'donate', 'the button says Donate, monthly too');
    const extras = s.emulator.state.extras.get(session!.id)!;
    assert.equal(extras.interval, 'month');
    assert.equal(extras.subscriptionMetadata.fundraiser, s.config.fundraiser.id);
  });

  it('when the same form is submitted twice, then one session is created and both go to it', async () => {
    const { agent, formId } = await openForm(s.app);
    const body = `form_id=${formId}&amount=5&frequency=once`;
    const [a, b] = await Promise.all([
      agent.post('/donate').type('form').send(body),
      agent.post('/donate').type('form').send(body),
    ]);
    assert.equal(a.status, 303);
    assert.equal(b.status, 303);
    assert.equal(a.headers.location, b.headers.location);
    assert.equal(sessions().length, 1);
  });

  it('when the same form is sent again a minute later (the Back button), then it still leads to one session, not an error', async () => {
    const slot = 10 * 60_000;
    const start = Math.floor(Date.now() / slot) * slot;
    s.setNow(new Date(start + 1000));
    const { agent, formId } = await openForm(s.app);
    const body = `form_id=${formId}&amount=25&frequency=monthly`;
    const first = await agent.post('/donate').type('form').send(body).expect(303);
    s.setNow(new Date(start + 61_000));
    const again = await agent.post('/donate').type('form').send(body).expect(303);
    assert.equal(again.headers.location, first.headers.location);
    assert.equal(sessions().length, 1);
    s.setNow(new Date());
  });

  it('when asked for JSON, then the answer is the Checkout URL', async () => {
    const res = await expectStatus(post({ amount: '5', frequency: 'once' }, { json: true }), 200);
    assert.equal(res.body.url, sessions()[0]!.url);
  });

  it('when Stripe cannot be reached, then the reader is told nothing was charged (502)', async () => {
    const down = await startLiveStack({ env: { STRIPE_API_URL: 'http://127.0.0.1:9' } });
    try {
      const { agent, formId } = await openForm(down.app);
      const res = await agent
        .post('/donate')
        .type('form')
        .send(`form_id=${formId}&amount=5&frequency=once`)
        .expect(502);
      assert.match(res.text, /Nothing was charged/);
    } finally {
      await down.stop();
    }
  });
});
