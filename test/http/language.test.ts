// The reader's language: the choice order (?lang=, the lang cookie, Accept-Language, the
// default), what the fast lane keeps per language and says in Vary, <html lang> and hreflang,
// and every public page rendered in every language with no message missing.
import { failOnUnformattedMessages } from '../helpers/messages.ts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { SHIPPED_LANGUAGES } from '../../lib/i18n/languages.ts';

let t: TestApp;
before(async () => {
  t = await makeTestApp({ env: { FUNDRAISER_SITE_URL: 'https://forum.example.org/', ORG_CONTACT: 'https://x.org/c' } });
});
after(async () => {
  await t.close();
});

failOnUnformattedMessages();

const htmlLang = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];
const cookieOf = (res: request.Response) => (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];

describe('choosing the language', () => {
  it('when nothing names a language, then the page is in the default, English', async () => {
    const res = await request(t.app).get('/').expect(200);
    assert.equal(htmlLang(res.text), 'en');
    assert.match(res.text, /How often\?/);
  });

  it('when the browser asks for German, then the appeal is German', async () => {
    const res = await request(t.app).get('/').set('Accept-Language', 'de-DE,de;q=0.9').expect(200);
    assert.equal(htmlLang(res.text), 'de');
    assert.match(res.text, /Wie oft\?/);
    assert.equal(res.headers['content-language'], 'de');
  });

  it('when the browser asks for a language the site lacks first, then its next offered one is used', async () => {
    const res = await request(t.app).get('/').set('Accept-Language', 'pt-BR,pt;q=0.9,es;q=0.5').expect(200);
    assert.equal(htmlLang(res.text), 'es');
    const none = await request(t.app).get('/').set('Accept-Language', 'pt-BR,ja').expect(200);
    assert.equal(htmlLang(none.text), 'en');
  });

  it('when the lang cookie names French, then it beats Accept-Language', async () => {
    const res = await request(t.app)
      .get('/')
      .set('Accept-Language', 'de')
      .set('Cookie', 'other=1; lang=fr')
      .expect(200);
    assert.equal(htmlLang(res.text), 'fr');
  });

  it('when ?lang= names Spanish, then it beats the cookie and Accept-Language, and is remembered for a year', async () => {
    const res = await request(t.app).get('/?lang=es').set('Accept-Language', 'de').set('Cookie', 'lang=fr').expect(200);
    assert.equal(htmlLang(res.text), 'es');
    const cookie = cookieOf(res).find((c) => c.startsWith('lang='));
    assert.ok(cookie, 'a lang cookie');
    assert.match(cookie, /^lang=es;/);
    assert.match(cookie, /Max-Age=31536000/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/, 'the test site is http');
    // The next page, with that cookie, on the fast lane.
    const next = await request(t.app).get('/').set('Cookie', 'lang=es').set('Accept-Language', 'de').expect(200);
    assert.equal(htmlLang(next.text), 'es');
  });

  it('when ?lang= or the cookie names a language the site does not offer, then the next choice stands and no cookie is set', async () => {
    const res = await request(t.app).get('/?lang=xx').set('Cookie', 'lang=klingon').expect(200);
    assert.equal(htmlLang(res.text), 'en');
    assert.deepEqual(cookieOf(res), []);
    const de = await request(t.app).get('/?lang=%3Cscript%3E').set('Accept-Language', 'de').expect(200);
    assert.equal(htmlLang(de.text), 'de');
  });

  it('when ?lang= is not URL-encoding at all, then it is passed over like any unknown language', async () => {
    for (const path of ['/?lang=%', '/embed/banner?lang=%E0', '/api/progress?lang=%']) {
      const res = await request(t.app).get(path).expect(200);
      if (res.type === 'text/html') assert.equal(htmlLang(res.text), 'en', path);
    }
  });

  it('when the site is https, then the lang cookie is Secure', async () => {
    const https = await makeTestApp({ env: { BASE_URL: 'https://give.example.org', STRIPE_EMULATOR: '' } });
    try {
      const res = await request(https.app).get('/?lang=de').expect(200);
      assert.match(
        cookieOf(res).find((c) => c.startsWith('lang='))!,
        /; Secure/,
      );
    } finally {
      await https.close();
    }
  });

  it('when SITE_LANGUAGES offers only English and French, then German is never chosen and the switcher lists two', async () => {
    const two = await makeTestApp({ env: { SITE_LANGUAGES: 'en,fr', DEFAULT_LANGUAGE: 'fr' } });
    try {
      for (const res of [
        await request(two.app).get('/').expect(200),
        await request(two.app).get('/').set('Accept-Language', 'de').expect(200),
        await request(two.app).get('/?lang=de').expect(200),
        await request(two.app).get('/').set('Cookie', 'lang=de').expect(200),
      ])
        assert.equal(htmlLang(res.text), 'fr', 'the default, French');
      const en = await request(two.app).get('/').set('Accept-Language', 'de;q=1,en;q=0.5').expect(200);
      assert.equal(htmlLang(en.text), 'en');
      assert.equal([...en.text.matchAll(/<li><a href="\/\?lang=/g)].length, 2);
      assert.doesNotMatch(en.text, /hreflang="de"/);
    } finally {
      await two.close();
    }
  });
});

describe('the switcher, <html lang> and hreflang', () => {
  it('when the appeal is shown, then it links every language in its own words, marks the current one, and lists alternates', async () => {
    const res = await request(t.app).get('/').set('Accept-Language', 'fr').expect(200);
    assert.match(res.text, /<nav class="languages" aria-label="Langue">/);
    assert.match(res.text, /<a href="\/\?lang=de" lang="de" hreflang="de">Deutsch<\/a>/);
    assert.match(res.text, /<a href="\/\?lang=fr" lang="fr" hreflang="fr" aria-current="true">Français<\/a>/);
    assert.equal([...res.text.matchAll(/aria-current/g)].length, 1);
    for (const lang of SHIPPED_LANGUAGES)
      assert.match(
        res.text,
        new RegExp(`<link rel="alternate" hreflang="${lang}" href="http://localhost:3000/\\?lang=${lang}">`),
      );
    assert.match(res.text, /<link rel="alternate" hreflang="x-default" href="http:\/\/localhost:3000\/">/);
    assert.match(res.text, /<link rel="canonical" href="http:\/\/localhost:3000\/">/);
  });

  it('when a page has a query, then the switcher keeps it', async () => {
    const res = await request(t.app).get('/?amount=50&frequency=once').set('Cookie', 'lang=de').expect(200);
    assert.match(res.text, /href="\/\?amount=50&amp;frequency=once&amp;lang=es"/);
  });

  it('when a page is not found, then it says so in the reader’s language, as a page or as JSON', async () => {
    const page = await request(t.app).get('/nowhere').set('Accept-Language', 'es').expect(404);
    assert.equal(htmlLang(page.text), 'es');
    assert.match(page.text, /Página no encontrada/);
    const json = await request(t.app).get('/nowhere').set('Accept-Language', 'de').set('Accept', 'application/json');
    assert.deepEqual(json.body, { error: 'Nicht gefunden' });
  });

  it('when a staff page is shown, then it stays English whatever the reader’s browser says', async () => {
    const res = await request(t.app).get('/staff/login').set('Accept-Language', 'de').set('Cookie', 'lang=fr');
    assert.equal(htmlLang(res.text), 'en');
    assert.doesNotMatch(res.text, /<nav class="languages"/);
  });
});

describe('the fast lane per language', () => {
  it('when German is asked for, then the appeal says so in Vary and Content-Language, and the next request is the same body', async () => {
    const a = await request(t.app).get('/').set('Accept-Language', 'de-DE,de;q=0.9').expect(200);
    assert.equal(a.headers.vary, 'Accept-Language, Cookie, Accept-Encoding');
    assert.equal(a.headers['content-language'], 'de');
    assert.equal(a.headers['cache-control'], 'private, no-store');
    const b = await request(t.app).get('/').set('Accept-Language', 'de-DE,de;q=0.9').expect(200);
    const withoutId = (s: string) => s.replace(/name="form_id" value="[^"]+"/, '');
    assert.equal(withoutId(a.text), withoutId(b.text));
  });

  it('when two readers ask for the banner in two languages, then each gets its own body and ETag', async () => {
    const de = await request(t.app).get('/embed/banner').set('Accept-Language', 'de').expect(200);
    const fr = await request(t.app).get('/embed/banner').set('Accept-Language', 'fr-CA').expect(200);
    assert.equal(htmlLang(de.text), 'de');
    assert.equal(htmlLang(fr.text), 'fr');
    assert.notEqual(de.headers.etag, fr.headers.etag);
    assert.match(de.headers.vary!, /Cookie, Accept-Language/);
    // The other language's ETag is not this body's.
    await request(t.app)
      .get('/embed/banner')
      .set('Accept-Language', 'de')
      .set('If-None-Match', fr.headers.etag!)
      .expect(200);
    await request(t.app)
      .get('/embed/banner')
      .set('Accept-Language', 'de')
      .set('If-None-Match', de.headers.etag!)
      .expect(304);
  });

  it('when the script banner fetches its data, then its words follow ?lang= or Accept-Language and a CDN is told so', async () => {
    const es = await request(t.app).get('/embed/banner.json?lang=es').set('Accept-Language', 'de').expect(200);
    assert.equal(es.body.lang, 'es');
    assert.equal(es.body.giveMonthlyTemplate, 'Donar {amount} al mes');
    assert.equal(
      es.headers.vary,
      'Origin, Accept-Language, Accept-Encoding',
      'Origin too: the CORS answer differs per host',
    );
    assert.equal(cookieOf(es).length, 0, 'a public, cacheable answer sets no cookie');
    const de = await request(t.app).get('/embed/banner.json').set('Accept-Language', 'de').expect(200);
    assert.equal(de.body.otherAmountText, 'Anderer Betrag');
    assert.notEqual(de.headers.etag, es.headers.etag);
    // The figures themselves carry no words: one body for everyone.
    const api = await request(t.app).get('/api/progress').set('Accept-Language', 'de').expect(200);
    assert.doesNotMatch(String(api.headers.vary ?? ''), /Accept-Language/);
  });
});

describe('every public page in every language', () => {
  const ENGLISH = [
    'Annual fundraiser',
    'How often?',
    'Choose an amount',
    'Average gift',
    'Another amount',
    'to cover the payment fees',
    "You'll pay on Stripe",
    'Maybe later',
    'Payments are processed securely',
    'raised of',
    'of the goal',
    'days left',
    'Dear ',
    'Skip to content',
    'Contact us',
  ];

  for (const lang of SHIPPED_LANGUAGES) {
    it(`when the appeal is shown in ${lang}, then every message is found${lang === 'en' ? '' : ' and no English sentence is left'}`, async () => {
      const pages = [
        await request(t.app).get('/').set('Cookie', `lang=${lang}`).expect(200),
        await request(t.app).get(`/?lang=${lang}&cancelled=1&amount=40&frequency=monthly`).expect(200),
      ];
      for (const res of pages) {
        assert.equal(htmlLang(res.text), lang);
        if (lang === 'en') continue;
        for (const sentence of ENGLISH)
          assert.ok(!res.text.includes(sentence), `${lang}: "${sentence}" left in English`);
      }
    });

    it(`when the banner and the error pages are shown in ${lang}, then every message is found`, async () => {
      const banner = await request(t.app).get('/embed/banner').set('Accept-Language', lang).expect(200);
      assert.equal(htmlLang(banner.text), lang);
      const hidden = JSON.stringify({ reason: 'gift', at: '2026-06-01', until: '2027-01-01', monthly: true });
      const thanked = await request(t.app)
        .get('/embed/banner')
        .set('Cookie', `fr_banner=${encodeURIComponent(hidden)}; lang=${lang}`)
        .expect(200);
      assert.equal(htmlLang(thanked.text), lang);
      await request(t.app).get('/embed/banner.json').set('Accept-Language', lang).expect(200);
      await request(t.app).get('/thank-you?session_id=nonsense').set('Accept-Language', lang).expect(404);
      const refused = await request(t.app)
        .post('/donate')
        .set('Origin', 'https://evil.example')
        .set('Accept', 'application/json')
        .type('form')
        .send(`amount=25&lang=${lang}`)
        .expect(403);
      assert.equal(typeof refused.body.error, 'string');
    });
  }

  it('when a form from another site is refused, then the message is in the language the form names', async () => {
    const res = await request(t.app)
      .post('/donate')
      .set('Origin', 'https://evil.example')
      .set('Accept', 'application/json')
      .set('Accept-Language', 'es')
      .type('form')
      .send('amount=25&lang=de')
      .expect(403);
    assert.match(res.body.error, /von einer anderen Website gesendet/);
    const page = await request(t.app)
      .post('/donate')
      .set('Origin', 'https://evil.example')
      .set('Accept-Language', 'fr')
      .type('form')
      .send('amount=25')
      .expect(403);
    assert.equal(htmlLang(page.text), 'fr');
    assert.match(page.text, /envoyé depuis un autre site/);
  });

  it('when the letter is German, then its figures are written the German way', async () => {
    const res = await request(t.app).get('/').set('Accept-Language', 'de').expect(200);
    assert.match(res.text, /über 4 Millionen Leserinnen und Leser/);
    assert.match(res.text, /im Durchschnitt 25\s\$ betragen/);
  });
});
