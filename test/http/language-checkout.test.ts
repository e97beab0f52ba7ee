// Checkout in the reader's language: the form's language reaches the Checkout Session (locale,
// metadata.lang, the return URLs), and the thank-you page after it comes back in it. Through
// the Stripe emulator, which takes and echoes `locale` as Stripe does.
import { failOnUnformattedMessages } from '../helpers/messages.ts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { openForm, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { SHIPPED_LANGUAGES } from '../../lib/i18n/languages.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack({ env: { FUNDRAISER_SITE_URL: 'https://forum.example.org/' } });
});
after(async () => {
  await s.stop();
});

failOnUnformattedMessages();

const htmlLang = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];
const session = (id: string) => s.emulator.state.sessions.get(id)!;

/** Opens the appeal as a reader with these headers and gives through its form; the session id. */
async function give(headers: Record<string, string>, fields: Record<string, string> = {}) {
  const agent = request.agent(s.app);
  const page = await agent.get('/').set(headers).expect(200);
  const pick = (name: string) => page.text.match(new RegExp(`name="${name}" value="([^"]+)"`))?.[1] ?? '';
  const body = new URLSearchParams({
    form_id: pick('form_id'),
    lang: pick('lang'),
    amount: '25',
    frequency: 'once',
    ...fields,
  });
  const res = await agent.post('/donate').type('form').set(headers).send(body.toString()).expect(303);
  return res.headers.location!.split('/').pop()!;
}

describe('Checkout in the reader’s language', () => {
  it('when a German reader gives, then the session has locale de, metadata.lang de and return URLs in German', async () => {
    const id = await give({ 'Accept-Language': 'de-DE,de;q=0.9' });
    const cs = session(id);
    assert.equal(cs.locale, 'de');
    assert.equal(cs.metadata?.lang, 'de');
    assert.match(cs.success_url!, /\/thank-you\?session_id=\{CHECKOUT_SESSION_ID\}&lang=de$/);
    assert.match(cs.cancel_url!, /[?&]lang=de(&|$)/);
    assert.equal(s.emulator.state.extras.get(id)!.paymentIntentMetadata.lang, 'de');
    // Through the SDK too, as the thank-you page reads it.
    const read = await s.deps.stripe.checkout.sessions.retrieve(id);
    assert.equal(read.locale, 'de');
  });

  it('when the form names French but the browser asks for German, then the form’s language wins', async () => {
    const { agent, formId } = await openForm(s.app);
    const body = new URLSearchParams({ form_id: formId, amount: '25', frequency: 'monthly', lang: 'fr' });
    const res = await agent.post('/donate').type('form').set('Accept-Language', 'de').send(body.toString()).expect(303);
    const cs = session(res.headers.location!.split('/').pop()!);
    assert.equal(cs.locale, 'fr');
    assert.equal(cs.metadata?.lang, 'fr');
  });

  it('when a form names no language or one the site lacks, then the request’s language is used', async () => {
    for (const lang of [undefined, 'pt']) {
      const { agent, formId } = await openForm(s.app);
      const body = new URLSearchParams({ form_id: formId, amount: '25', ...(lang ? { lang } : {}) });
      const res = await agent
        .post('/donate')
        .type('form')
        .set('Accept-Language', 'es')
        .send(body.toString())
        .expect(303);
      assert.equal(session(res.headers.location!.split('/').pop()!).locale, 'es');
    }
  });

  it('when a German form is refused, then the error is German and no session is made', async () => {
    const before = s.emulator.state.sessions.size;
    const { agent, formId } = await openForm(s.app);
    const body = new URLSearchParams({ form_id: formId, amount: 'other', other_amount: '', lang: 'de' });
    const res = await agent.post('/donate').type('form').send(body.toString()).expect(400);
    assert.equal(htmlLang(res.text), 'de');
    assert.equal(s.emulator.state.sessions.size, before);
  });

  for (const lang of SHIPPED_LANGUAGES) {
    it(`when a ${lang} reader pays, then the thank-you page comes back in ${lang} with every message found`, async () => {
      for (const frequency of ['once', 'monthly']) {
        const id = await give({ Cookie: `lang=${lang}` }, { frequency });
        s.emulator.state.pay(id, 'card', 'reader@example.org');
        await s.emulator.whenIdle();
        // As Stripe sends the reader back: the success URL with the session id, without the cookie.
        const back = session(id).success_url!.replace('{CHECKOUT_SESSION_ID}', id).replace(s.siteUrl, '');
        const res = await request(s.app).get(back).expect(200);
        assert.equal(htmlLang(res.text), lang);
        if (lang === 'de')
          assert.match(res.text, frequency === 'once' ? /Vielen Dank für Ihre Spende von 25\s\$/ : /monatliche Spende/);
        if (lang === 'fr') assert.match(res.text, /Merci pour votre don/);
      }
    });
  }

  it('when the processing and unpaid thank-you pages are shown in each language, then every message is found', async () => {
    for (const lang of SHIPPED_LANGUAGES) {
      const unpaid = await give({ Cookie: `lang=${lang}` });
      const res = await request(s.app).get(`/thank-you?session_id=${unpaid}&lang=${lang}`).expect(200);
      assert.equal(htmlLang(res.text), lang);
      const bank = await give({ Cookie: `lang=${lang}` });
      s.emulator.state.pay(bank, 'delayed_success', 'reader@example.org');
      await s.emulator.whenIdle();
      const processing = await request(s.app).get(`/thank-you?session_id=${bank}&lang=${lang}`).expect(200);
      assert.equal(htmlLang(processing.text), lang);
    }
  });
});

describe('the emulator’s locale', () => {
  it('when a session is made without a locale, then it has none; with one Stripe does not know, then 400', async () => {
    const base = {
      mode: 'payment' as const,
      success_url: `${s.siteUrl}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Gift' } } }],
    };
    const none = await s.deps.stripe.checkout.sessions.create(base);
    assert.equal(none.locale, null);
    const auto = await s.deps.stripe.checkout.sessions.create({ ...base, locale: 'auto' });
    assert.equal(auto.locale, 'auto');
    await assert.rejects(
      s.deps.stripe.checkout.sessions.create({ ...base, locale: 'xx' }),
      (err: { param?: string; statusCode?: number }) => {
        assert.equal(err.statusCode, 400);
        assert.equal(err.param, 'locale');
        return true;
      },
    );
  });
});
