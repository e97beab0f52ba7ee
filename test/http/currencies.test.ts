// Giving in another currency than the campaign's: the form offers the configured currencies
// with their own round amounts, the post charges in the chosen one, and a currency the site
// does not offer is refused with a message and nothing started. A yen campaign charges yen
// in whole yen (a zero-decimal currency: 3,000 yen is 3000 minor units, not 300000).
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { postDonateForm, startLiveStack, type LiveStack } from '../helpers/live.ts';

const sessionsOf = (s: LiveStack) => [...s.emulator.state.sessions.values()];

const give = (s: LiveStack, fields: Record<string, string>, status: number) => postDonateForm(s.app, fields, status);

describe('a campaign in dollars that also takes euros and pounds', () => {
  let s: LiveStack;
  before(async () => {
    s = await startLiveStack({ env: { DONATE_CURRENCIES: 'usd,eur,gbp' } });
  });
  after(() => s.stop());
  beforeEach(() => s.emulator.state.sessions.clear());

  it('when the appeal is opened, then the form offers the three currencies with dollars chosen', async () => {
    const html = (await request(s.app).get('/').expect(200)).text;
    assert.match(html, /<nav class="currency-choice" aria-label="Currency">/);
    assert.match(html, /href="\?currency=eur#main" title="Euro">EUR €<\/a>/);
    assert.match(html, /href="\?currency=usd#main" title="US Dollar" aria-current="true">USD \$<\/a>/);
    assert.match(html, /name="currency" value="usd"/);
  });

  it('when euros are chosen, then the tiles are round euro amounts and the button says euros', async () => {
    const html = (await request(s.app).get('/?currency=eur').expect(200)).text;
    assert.match(html, /name="currency" value="eur"/);
    assert.match(html, /<span class="amount-value">€25<span class="per-month">/);
    assert.match(html, /data-give-what>Donate €25 once</);
    assert.match(html, /title="Euro" aria-current="true"/);
  });

  it('when pounds are chosen monthly, then the pound presets and their preselection show', async () => {
    const html = (await request(s.app).get('/?currency=gbp&frequency=monthly').expect(200)).text;
    assert.match(html, /data-give-what>Donate £5 monthly</);
    assert.match(html, /<span class="amount-value">£3<span/);
  });

  it('when a gift in euros is posted, then Checkout charges euros, and the cancel link keeps the currency', async () => {
    const res = await give(s, { currency: 'eur', amount: '50', frequency: 'once' }, 303);
    assert.match(res.headers.location!, /\/c\/pay\/cs_/);
    const [session] = sessionsOf(s);
    assert.equal(session!.currency, 'eur');
    assert.equal(session!.amount_total, 5000);
    assert.match(session!.cancel_url!, /currency=eur/);
    const cancel = new URL(session!.cancel_url!);
    const back = (
      await request(s.app)
        .get(cancel.pathname + cancel.search)
        .expect(200)
    ).text;
    assert.match(back, /name="currency" value="eur"/);
    assert.match(back, /name="amount" value="50" checked/);
  });

  it('when a monthly gift in pounds is posted, then the subscription is in pounds', async () => {
    await give(s, { currency: 'GBP', amount: '10', frequency: 'monthly' }, 303);
    const [session] = sessionsOf(s);
    assert.equal(session!.mode, 'subscription');
    assert.equal(session!.currency, 'gbp');
    assert.equal(session!.amount_total, 1000);
  });

  it('when a currency the site does not offer is posted, then it is refused with a message and nothing is started', async () => {
    const res = await give(s, { currency: 'jpy', amount: '25' }, 400);
    assert.match(res.text, /We cannot take gifts in JPY here. Please choose USD, EUR, GBP./);
    const json = await request(s.app)
      .post('/donate')
      .set('Accept', 'application/json')
      .send({ currency: ['eur', 'usd'], amount: 25 })
      .expect(400);
    assert.match(json.body.error, /cannot take gifts in/);
    assert.equal(sessionsOf(s).length, 0);
  });

  it('when a euro amount is outside the euro bounds, then the message names them in euros', async () => {
    const res = await give(s, { currency: 'eur', amount: 'other', other_amount: '1' }, 400);
    assert.match(res.text, /Please give an amount between €2 and €10,000./);
    assert.equal(sessionsOf(s).length, 0);
  });
});

describe('which currency the form shows first', () => {
  let s: LiveStack;
  before(async () => {
    s = await startLiveStack({ env: { DONATE_CURRENCIES: 'usd,eur,gbp' } });
  });
  after(() => s.stop());
  const shown = (html: string) => /name="currency" value="([a-z]+)"/.exec(html)?.[1];

  it("when the browser's first language names a region, then that region's currency is shown if offered", async () => {
    for (const [header, currency] of [
      ['de-DE,de;q=0.9,en;q=0.5', 'eur'],
      ['de', 'eur'],
      ['fr-CA,fr;q=0.9', 'usd'],
      ['en-GB,en;q=0.8', 'gbp'],
      ['en-US,en;q=0.8', 'usd'],
      ['ja-JP', 'usd'],
      ['', 'usd'],
    ] as const) {
      const res = await request(s.app).get('/').set('Accept-Language', header).expect(200);
      assert.equal(shown(res.text), currency, header);
      assert.match(res.headers.vary ?? '', /Accept-Language.*Cookie/);
    }
  });

  it('when a reader picks a currency, then it is remembered in a cookie and the landing page shows it', async () => {
    const agent = request.agent(s.app);
    const picked = await agent.get('/?currency=gbp').set('Accept-Language', 'de-DE').expect(200);
    assert.equal(shown(picked.text), 'gbp');
    assert.match(
      String(picked.headers['set-cookie']),
      /currency=gbp; Max-Age=31536000; Path=\/; .*HttpOnly; SameSite=Lax/,
    );
    const again = await agent.get('/').set('Accept-Language', 'de-DE').expect(200);
    assert.equal(shown(again.text), 'gbp', 'the cookie beats the browser language');
    const other = await request(s.app).get('/').set('Cookie', 'currency=xyz').set('Accept-Language', 'de').expect(200);
    assert.equal(shown(other.text), 'eur', 'a cookie the site does not offer is passed over');
  });

  it("when an address names an amount but no currency (the banner's links), then it is the campaign's", async () => {
    const res = await request(s.app).get('/?amount=5').set('Accept-Language', 'de-DE').expect(200);
    assert.equal(shown(res.text), 'usd');
    assert.match(res.text, /name="amount" value="5" checked/);
  });
});

describe('a campaign in yen', () => {
  let s: LiveStack;
  before(async () => {
    s = await startLiveStack({ env: { FUNDRAISER_CURRENCY: 'jpy' } });
  });
  after(() => s.stop());
  beforeEach(() => s.emulator.state.sessions.clear());

  it('when the appeal is opened, then the presets are round yen and no currency choice shows', async () => {
    const html = (await request(s.app).get('/').expect(200)).text;
    assert.match(html, /<span class="amount-value">¥3,000<span class="per-month">/);
    assert.match(html, /data-give-what>Donate ¥3,000 once</);
    assert.doesNotMatch(html, /currency-choice/);
    assert.doesNotMatch(html, /value="5"/);
  });

  it('when 3,000 yen is given, then Stripe is asked for 3000 minor units (yen have no decimals)', async () => {
    await give(s, { amount: 'other', other_amount: '¥3,000' }, 303);
    const [session] = sessionsOf(s);
    assert.equal(session!.currency, 'jpy');
    assert.equal(session!.amount_total, 3000);
  });

  it("when less than the campaign's minimum is typed, then it is refused in yen", async () => {
    const res = await give(s, { amount: 'other', other_amount: '49' }, 400);
    assert.match(res.text, /Please give an amount between ¥100 and ¥1,000,000./);
    assert.equal(sessionsOf(s).length, 0);
  });
});
