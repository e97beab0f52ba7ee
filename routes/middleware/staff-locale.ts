// Staff pages stay in English, but their numbers, money and dates follow the staff member's
// browser (Accept-Language): "1.234,50 $" and "29.11.2026" for someone who reads German. Any
// locale Node's Intl knows will do; the answer is kept per distinct header string.
import Negotiator from 'negotiator';
import type { RequestHandler } from 'express';
import { formatMoney, formatNumber } from '../../lib/money.ts';
import { BoundedCache } from '../../lib/bounded-cache.ts';

const FALLBACK = 'en-US';
/** Entries kept per cache: the header strings seen, and the formatters per locale (anyone can send any header). */
const KEPT_MAX = 200;
const chosen = new BoundedCache<string, string>(KEPT_MAX);

/** Language and region only ("de-x-anything" is "de"): a header cannot make up new locales without end. */
function plainLocale(tag: string): string | null {
  try {
    const l = new Intl.Locale(tag);
    const plain = l.region ? `${l.language}-${l.region}` : l.language;
    return Intl.NumberFormat.supportedLocalesOf([plain])[0] ?? null;
  } catch {
    return null; // a malformed tag
  }
}

/** The first locale the browser names that Intl can format in, else en-US. */
export function staffLocaleOf(header: string | undefined): string {
  if (!header) return FALLBACK;
  return chosen.get(header, () => {
    const wanted = new Negotiator({ headers: { 'accept-language': header } }).languages().filter((l) => l !== '*');
    for (const tag of wanted.slice(0, 10)) {
      const plain = plainLocale(tag);
      if (plain) return plain;
    }
    return FALLBACK;
  });
}

const percentFormats = new BoundedCache<string, Intl.NumberFormat>(KEPT_MAX);
const dateFormats = new BoundedCache<string, Intl.DateTimeFormat>(KEPT_MAX);

/** Overrides the view helpers' formatting for one staff request (res.locals.h shadows app.locals.h). */
export function staffLocale(campaignCurrency: string): RequestHandler {
  return (req, res, next) => {
    const locale = staffLocaleOf(req.headers['accept-language']);
    const base = req.app.locals.h as Record<string, unknown>;
    // Built when a page first formats with them, not for a request that is turned away.
    const percent = () =>
      percentFormats.get(locale, () => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }));
    const dates = () =>
      dateFormats.get(
        locale,
        () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
      );
    res.locals.staffLocale = locale;
    res.locals.h = {
      ...base,
      money: (minor: number, currency = campaignCurrency) => formatMoney(minor, currency, locale),
      number: (n: number) => formatNumber(n, locale),
      // Rounded down, as the public bar does: never more than was raised.
      percentText: (p: number) =>
        percent().format(p >= 1 ? Math.floor(p + 1e-9) / 100 : Math.floor(p * 100 + 1e-9) / 10_000),
      /** A share as it is (0.0341 -> "3.41%"), for rates that are not a part of the goal. */
      rate: (fraction: number) => percent().format(fraction),
      /** An ISO time from the ledger, in the staff member's way, in UTC (as the ledger keeps it). */
      dateTime: (iso: string) => `${dates().format(new Date(iso))} UTC`,
    };
    next();
  };
}
