// Which language a reader gets: an explicit choice (?lang=, or the form's hidden field), then
// the lang cookie that choice set, then the browser's Accept-Language, else DEFAULT_LANGUAGE.
// A value the site does not offer is passed over, never an error. The fast lane runs this on
// every request, so the Accept-Language answer is kept per distinct header string.
import Negotiator from 'negotiator';
import { BoundedCache } from '../bounded-cache.ts';
import type { I18nConfig } from '../config-i18n.ts';
import type { Language } from './languages.ts';

export const LANG_COOKIE = 'lang';
/** Distinct Accept-Language strings remembered; browsers send few distinct ones. */
const NEGOTIATED_MAX = 500;

export interface LanguageHints {
  /** ?lang= or a posted lang field. */
  explicit?: unknown;
  /** The raw Cookie header: the lang cookie is read from it on both lanes. */
  cookieHeader?: string;
  acceptLanguage?: string;
}

export interface LanguageChooser {
  readonly languages: readonly Language[];
  readonly defaultLanguage: Language;
  /** The value if the site offers it, else null. */
  offered(v: unknown): Language | null;
  fromAcceptLanguage(header: string | undefined): Language;
  choose(hints: LanguageHints): Language;
}

/** The lang cookie's value in a raw Cookie header, without parsing the rest. */
export function langCookieOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /(?:^|;)\s*lang=([A-Za-z-]{2,10})\s*(?:;|$)/.exec(header);
  return m?.[1];
}

export function languageChooser(config: I18nConfig): LanguageChooser {
  const { languages, defaultLanguage } = config;
  const available = [...languages];
  const negotiated = new BoundedCache<string, Language>(NEGOTIATED_MAX);
  const offered = (v: unknown): Language | null =>
    typeof v === 'string' && (available as string[]).includes(v) ? (v as Language) : null;

  const fromAcceptLanguage = (header: string | undefined): Language => {
    if (!header) return defaultLanguage;
    return negotiated.get(header, () => {
      const best = new Negotiator({ headers: { 'accept-language': header } }).language(available);
      return offered(best) ?? defaultLanguage;
    });
  };

  return {
    languages,
    defaultLanguage,
    offered,
    fromAcceptLanguage,
    choose: (h) => offered(h.explicit) ?? offered(langCookieOf(h.cookieHeader)) ?? fromAcceptLanguage(h.acceptLanguage),
  };
}
