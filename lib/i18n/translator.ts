// One Translator per language, built once per process (an Intl formatter costs far more to
// build than to use): messages through @formatjs/intl, which parses each ICU message once and
// formats plurals and numbers with Node's own Intl (CLDR); money and plain numbers through
// lib/money.ts, which every other amount on the site goes through too.
import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { formatMoney, formatNumber } from '../money.ts';
import { loadCatalogs, type Catalog } from './catalogs.ts';
import { LOCALES, SHIPPED_LANGUAGES, SOURCE_LANGUAGE, type Language } from './languages.ts';

export type MessageValues = Record<string, string | number>;
/** Any function of this shape can stand in for Translator.t (the donate form's view takes one). */
export type Translate = (id: string, values?: MessageValues) => string;

export interface Translator {
  readonly lang: Language;
  /** The BCP 47 locale numbers and dates are formatted in ("de-DE"). */
  readonly locale: string;
  t: Translate;
  money(minor: number, currency: string): string;
  number(n: number): string;
  date(d: Date, style?: 'long' | 'medium' | 'short'): string;
  /** A share of the goal for people: "0%", "less than 0.01%", "0.4%", "150%", rounded down. */
  percent(p: number): string;
}

/** What a message that could not be formatted (an unknown key, a value not given) is reported to. */
export type MessageErrorHandler = (lang: Language, error: Error) => void;

let onMessageError: MessageErrorHandler = () => {};

/** Tests turn a missing key into a failure with this; it returns the previous handler. */
export function setMessageErrorHandler(handler: MessageErrorHandler): MessageErrorHandler {
  const previous = onMessageError;
  onMessageError = handler;
  return previous;
}

function percentText(p: number, locale: string, t: Translate): string {
  const pct = (n: number) => percentFormat(locale).format(n / 100);
  if (!(p > 0)) return pct(0);
  if (p < 0.01) return t('progress.percentBelow', { min: pct(0.01) });
  // The epsilon keeps 0.29 (stored as 0.28999...) from showing as 0.28; whole percents past 1.
  if (p < 1) return pct(Math.floor(p * 100 + 1e-9) / 100);
  return pct(Math.floor(p + 1e-9));
}

const percentFormats = new Map<string, Intl.NumberFormat>();
function percentFormat(locale: string): Intl.NumberFormat {
  let f = percentFormats.get(locale);
  if (!f)
    percentFormats.set(locale, (f = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 4 })));
  return f;
}

/** One language's Translator over these catalogs (translators() builds each once from locales/). */
export function buildTranslator(lang: Language, catalogs: Readonly<Record<Language, Catalog>>): Translator {
  const locale = LOCALES[lang];
  // A key missing here falls back to the source language's message (the catalog test names it).
  const messages = { ...catalogs[SOURCE_LANGUAGE], ...catalogs[lang] };
  const intl: IntlShape<string> = createIntl(
    {
      locale,
      defaultLocale: LOCALES[SOURCE_LANGUAGE],
      messages,
      // An unknown key (rendered as the key itself) or a value not given.
      onError: (err) => onMessageError(lang, err),
    },
    createIntlCache(),
  );
  const dates = new Map<string, Intl.DateTimeFormat>();
  const t: Translate = (id, values) => intl.formatMessage({ id }, values);
  return Object.freeze({
    lang,
    locale,
    t,
    money: (minor: number, currency: string) => formatMoney(minor, currency, locale),
    number: (n: number) => formatNumber(n, locale),
    date(d: Date, style: 'long' | 'medium' | 'short' = 'long') {
      let f = dates.get(style);
      if (!f) dates.set(style, (f = new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' })));
      return f.format(d);
    },
    percent: (p: number) => percentText(p, locale, t),
  });
}

let built: Readonly<Record<Language, Translator>> | null = null;

/** Every shipped language's Translator, built on first use and kept. */
export function translators(): Readonly<Record<Language, Translator>> {
  if (!built) {
    const catalogs = loadCatalogs();
    built = Object.freeze(
      Object.fromEntries(SHIPPED_LANGUAGES.map((lang) => [lang, buildTranslator(lang, catalogs)])) as Record<
        Language,
        Translator
      >,
    );
  }
  return built;
}

export function translator(lang: Language): Translator {
  return translators()[lang];
}
