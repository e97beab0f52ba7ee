// The reader's language on the Express lane: chosen per request (lib/i18n/choose.ts), remembered
// in the lang cookie when the reader picked one (?lang=), and handed to the templates with what
// they need: t(), the locale's numbers and money, the switcher's links and the page's <html lang>.
import type { IncomingMessage } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Config } from '../lib/config.ts';
import { LANG_COOKIE, languageChooser, type LanguageChooser } from '../lib/i18n/choose.ts';
import { LANGUAGE_NAMES, type Language } from '../lib/i18n/languages.ts';
import { translator, type MessageValues, type Translator } from '../lib/i18n/translator.ts';

/** A reader's choice (language, currency) is kept a year, for this site only, out of scripts' reach. */
export const REMEMBERED = { maxAge: 365 * 86_400_000, sameSite: 'lax', httpOnly: true, path: '/' } as const;

// One chooser per configuration, so its Accept-Language answers are shared by both lanes.
const choosers = new WeakMap<Config, LanguageChooser>();
export function chooserFor(config: Config): LanguageChooser {
  let c = choosers.get(config);
  if (!c) choosers.set(config, (c = languageChooser(config.i18n)));
  return c;
}

/** The ?lang= of a raw URL, without parsing the rest of the query. */
export function langQueryOf(url: string | undefined): string | undefined {
  const m = /[?&]lang=([^&#]*)/.exec(url ?? '');
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!).slice(0, 10);
  } catch {
    return ''; // not URL-encoding ("%"): a choice of nothing, passed over like any unknown one
  }
}

/** The language of a request as the fast lane sees it (no cookie parser, no Express). */
export function requestLanguage(config: Config, req: IncomingMessage, useCookie = true): Language {
  return chooserFor(config).choose({
    explicit: langQueryOf(req.url),
    cookieHeader: useCookie ? req.headers.cookie : undefined,
    acceptLanguage: req.headers['accept-language'],
  });
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * A message with markup in it: the message is escaped, and each name in `html` is replaced by
 * the markup given (already safe), so translators move the <strong> with the words around it.
 */
export function markup(tr: Translator, id: string, html: Record<string, string>, values: MessageValues = {}): string {
  const slots: MessageValues = {};
  for (const name of Object.keys(html)) slots[name] = `\u0001${name}\u0002`;
  const text = escapeHtml(tr.t(id, { ...values, ...slots }));
  return text.replace(/\u0001(\w+)\u0002/g, (_, name: string) => html[name] ?? '');
}

export interface LanguageLink {
  lang: Language;
  name: string;
  href: string;
  current: boolean;
}

/** The switcher: every offered language, each linking to this page (its query kept) in it. */
export function languageLinks(config: Config, current: Language, url = '/'): LanguageLink[] {
  const languages = config.i18n.languages;
  if (languages.length < 2) return [];
  // Only this site's path and query are kept: an address Node cannot read ("///") links to the appeal.
  let u: URL;
  try {
    u = new URL(url, 'http://site.invalid');
  } catch {
    u = new URL('/', 'http://site.invalid');
  }
  const path = u.pathname.replace(/^\/+/, '/');
  return languages.map((lang) => {
    u.searchParams.set('lang', lang);
    return { lang, name: LANGUAGE_NAMES[lang], href: path + u.search, current: lang === current };
  });
}

/** What every public template gets for its language. */
export function languageLocals(config: Config, tr: Translator, url?: string) {
  return {
    lang: tr.lang,
    tr,
    t: tr.t,
    tHtml: (id: string, html: Record<string, string>, values?: MessageValues) => markup(tr, id, html, values),
    languageLinks: languageLinks(config, tr.lang, url),
    siteLanguages: config.i18n.languages,
  };
}

/** The page's language from here on (a posted form names its own: the donate form's hidden field). */
export function useLanguage(res: Response, config: Config, lang: Language, url?: string): Translator {
  const tr = translator(lang);
  Object.assign(res.locals, languageLocals(config, tr, url ?? (res.locals.pageUrl as string | undefined)));
  res.locals.translator = tr;
  return tr;
}

/** The request's Translator, once the language middleware ran (English for staff pages). */
export function translatorOf(res: Response): Translator {
  return (res.locals.translator as Translator | undefined) ?? translator('en');
}

/**
 * Chooses the language for reader-facing pages and sets res.locals; a ?lang= the site offers
 * is remembered for a year. Staff pages and the API are left in English.
 */
export function languageMiddleware(config: Config): RequestHandler {
  const chooser = chooserFor(config);
  const secure = config.isHttps;
  return (req, res, next) => {
    // Files (embed.js, the assets) are the same in every language, and so are the API's figures.
    if (req.path.startsWith('/staff') || req.path.startsWith('/api/') || req.path.includes('.')) return next();
    const explicit = chooser.offered(req.query.lang);
    const lang = chooser.choose({
      explicit,
      cookieHeader: req.headers.cookie,
      acceptLanguage: req.headers['accept-language'],
    });
    if (explicit && req.method === 'GET') {
      res.cookie(LANG_COOKIE, explicit, { ...REMEMBERED, secure });
    }
    // A page's own address for the switcher; a posted form's answer links back to the appeal.
    res.locals.pageUrl = req.method === 'GET' ? req.originalUrl : '/';
    useLanguage(res, config, lang);
    // Pages in more than one language: caches must keep them apart.
    res.vary('Accept-Language');
    res.vary('Cookie');
    next();
  };
}
