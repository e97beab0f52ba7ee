// The message catalogs against English, the source: the same keys, the same ICU arguments,
// messages that parse; the loader's rules; the appeal's content files; the language settings.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// The parser @formatjs/intl itself uses (its dependency), to read each message's arguments.
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { loadCatalog, loadCatalogs, type Catalog } from '../../lib/i18n/catalogs.ts';
import { SHIPPED_LANGUAGES, SOURCE_LANGUAGE, type Language } from '../../lib/i18n/languages.ts';
import { setMessageErrorHandler, buildTranslator, translator } from '../../lib/i18n/translator.ts';
import { appealFileFor, loadAppeals } from '../../lib/appeal/content.ts';
import { loadConfig, PROJECT_ROOT } from '../../lib/config.ts';
import { ConfigError } from '../../lib/config-error.ts';

const catalogs = loadCatalogs();
const english = catalogs[SOURCE_LANGUAGE];
const others = SHIPPED_LANGUAGES.filter((l) => l !== SOURCE_LANGUAGE);

/** "name:kind" for each argument a message takes, wherever it stands (inside plural branches too). */
function argumentsOf(message: string): string[] {
  const found = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const e of elements) {
      if (e.type === TYPE.argument) found.add(`${e.value}:text`);
      else if (e.type === TYPE.number) found.add(`${e.value}:number`);
      else if (e.type === TYPE.plural || e.type === TYPE.select) {
        found.add(`${e.value}:${e.type === TYPE.plural ? 'plural' : 'select'}`);
        for (const option of Object.values(e.options)) walk(option.value);
      } else if (e.type === TYPE.tag) walk(e.children);
    }
  };
  walk(parse(message));
  return [...found].sort();
}

describe('the message catalogs', () => {
  it('when English is read, then it has messages and every one parses as ICU MessageFormat', () => {
    assert.ok(Object.keys(english).length > 100);
    for (const [key, message] of Object.entries(english)) assert.doesNotThrow(() => parse(message), key);
  });

  for (const lang of others) {
    it(`when ${lang} is compared with English, then it has exactly the English keys`, () => {
      const missing = Object.keys(english).filter((k) => !(k in catalogs[lang]));
      const extra = Object.keys(catalogs[lang]).filter((k) => !(k in english));
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
    });

    it(`when ${lang} is compared with English, then each message takes the same ICU arguments`, () => {
      for (const [key, message] of Object.entries(catalogs[lang])) {
        if (!(key in english)) continue;
        assert.deepEqual(argumentsOf(message), argumentsOf(english[key]!), `${lang} ${key}`);
      }
    });

    it(`when ${lang} is compared with English, then no message is left untranslated by mistake`, () => {
      // Words the same in both languages are fine; whole sentences copied over are not.
      const same = Object.keys(english).filter((k) => catalogs[lang][k] === english[k] && english[k]!.length > 24);
      assert.deepEqual(same, []);
    });
  }

  it('when a key is missing in a language, then the English message is used and nothing is reported', () => {
    const partial: Record<Language, Catalog> = { ...catalogs, de: { ...catalogs.de } };
    delete (partial.de as Record<string, string>)['appeal.later'];
    const reported: string[] = [];
    const previous = setMessageErrorHandler((lang, err) => reported.push(`${lang}: ${err.message}`));
    try {
      assert.equal(buildTranslator('de', partial).t('appeal.later'), 'Maybe later');
      assert.equal(buildTranslator('de', partial).t('appeal.once'), 'Einmalig');
      assert.deepEqual(reported, [], 'the fallback is silent at run time (the catalog comparison above names it)');
      buildTranslator('de', partial).t('no.such.key');
      assert.equal(reported.length, 1, 'a key in no catalog at all is reported');
    } finally {
      setMessageErrorHandler(previous);
    }
  });

  it('when a key is in two files of one language, then loading fails naming both', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ 'x.one': 'One', 'x.two': 'Two' }));
      fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ 'x.two': 'Again' }));
      assert.throws(() => loadCatalog(dir), /b\.json: "x\.two" is also in a\.json/);
      fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ 'x.three': ['not', 'a', 'string'] }));
      assert.throws(() => loadCatalog(dir), /"x\.three" is not a string/);
      fs.writeFileSync(path.join(dir, 'b.json'), '{ broken');
      assert.throws(() => loadCatalog(dir), /b\.json could not be read as JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** CLDR puts no-break spaces between a number and its unit; compared here as plain spaces. */
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('numbers, money and plurals in the reader’s language', () => {
  it('when German formats the readers figure, the money and the share, then it writes them as Germans do', () => {
    const tr = translator('de');
    const de = {
      ...tr,
      money: (m: number, c: string) => plain(tr.money(m, c)),
      percent: (p: number) => plain(tr.percent(p)),
    };
    assert.equal(de.t('numbers.million', { n: 4 }), '4 Millionen');
    assert.equal(de.t('numbers.million', { n: 1 }), '1 Million');
    assert.equal(de.money(5_000_000, 'usd'), '50.000 $');
    assert.equal(de.money(1250, 'eur'), '12,50 €');
    assert.equal(de.number(1234567), '1.234.567');
    assert.equal(de.percent(0.4), '0,4 %');
    assert.equal(de.percent(0.001), 'weniger als 0,01 %');
    assert.equal(de.date(new Date('2026-12-31T12:00:00Z')), '31. Dezember 2026');
  });

  it('when English formats them, then they read as the site always wrote them', () => {
    const en = translator('en');
    assert.equal(en.t('numbers.million', { n: 4 }), '4 million');
    assert.equal(en.money(5_000_000, 'usd'), '$50,000');
    for (const [p, text] of [
      [0, '0%'],
      [0.001, 'less than 0.01%'],
      [0.29, '0.29%'],
      [0.4, '0.4%'],
      [3.99, '3%'],
      [1500, '1,500%'],
    ] as const)
      assert.equal(en.percent(p), text, String(p));
  });

  it('when donors are counted, then each language takes its plural forms', () => {
    const cases: Array<[Language, number, string]> = [
      ['en', 1, 'donor'],
      ['en', 2, 'donors'],
      ['de', 1, 'Spender:in'],
      ['de', 3, 'Spender:innen'],
      ['fr', 0, 'donateur'],
      ['fr', 2, 'donateurs'],
      ['es', 1, 'donante'],
      ['es', 7, 'donantes'],
    ];
    for (const [lang, count, text] of cases) assert.equal(translator(lang).t('progress.donors', { count }), text);
    assert.equal(plain(translator('fr').t('banner.donors', { count: 1234 })), '1 234 donateurs');
  });
});

describe('the appeal in each language', () => {
  const file = path.join(PROJECT_ROOT, 'content/appeal.json');
  const placeholders = (texts: string[]) => [...new Set(texts.join(' ').match(/\{\w+\}/g))].sort();
  const raw = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, string | string[]>;

  for (const lang of others) {
    it(`when ${lang}'s content file is read, then it has the English fields and placeholders`, () => {
      const own = raw(appealFileFor(file, lang));
      const en = raw(file);
      assert.deepEqual(Object.keys(own).sort(), Object.keys(en).sort());
      assert.deepEqual(placeholders(Object.values(own).flat()), placeholders(Object.values(en).flat()));
    });
  }

  it('when a language has no content file, then it shows the English letter', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'appeal-'));
    try {
      const only = path.join(dir, 'appeal.json');
      fs.copyFileSync(file, only);
      const { banner: _, ...germanWithoutBanner } = raw(appealFileFor(file, 'de'));
      fs.writeFileSync(appealFileFor(only, 'de'), JSON.stringify(germanWithoutBanner));
      const texts = loadAppeals(only, 'Example', ['en', 'de', 'fr']);
      assert.equal(texts.fr, texts.en);
      assert.match(texts.de.headline, /Bitte helfen Sie, Example/);
      // No banner text in the file: the catalog's, in its language.
      assert.match(texts.de.banner, /^Example lebt von Spenden\. .*\{smallGift\}/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the language settings', () => {
  const base = { NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:' };

  it('when nothing is set, then the four shipped languages are offered and English is the default', () => {
    const { i18n } = loadConfig(base);
    assert.deepEqual(i18n, { languages: ['en', 'de', 'fr', 'es'], defaultLanguage: 'en' });
  });

  it('when SITE_LANGUAGES and DEFAULT_LANGUAGE are set, then the site offers those', () => {
    const { i18n } = loadConfig({ ...base, SITE_LANGUAGES: ' FR, de ', DEFAULT_LANGUAGE: 'de' });
    assert.deepEqual(i18n, { languages: ['fr', 'de'], defaultLanguage: 'de' });
  });

  const bad: Array<[Record<string, string>, string, RegExp]> = [
    [{ SITE_LANGUAGES: 'en,pt' }, 'SITE_LANGUAGES', /shipped languages \(en, de, fr, es\)/],
    [{ SITE_LANGUAGES: ' , ' }, 'SITE_LANGUAGES', /at least one/],
    [{ DEFAULT_LANGUAGE: 'it' }, 'DEFAULT_LANGUAGE', /shipped languages/],
    [{ SITE_LANGUAGES: 'de,fr' }, 'DEFAULT_LANGUAGE', /must be one of SITE_LANGUAGES \(de, fr\)/],
  ];
  for (const [env, variable, message] of bad) {
    it(`when ${JSON.stringify(env)} is set, then start-up stops naming ${variable}`, () => {
      assert.throws(
        () => loadConfig({ ...base, ...env }),
        (err: unknown) => err instanceof ConfigError && err.variable === variable && message.test(err.message),
      );
    });
  }
});
