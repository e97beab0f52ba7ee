// Which of the offered currencies the form shows first: the reader's explicit choice (the
// form's currency links, ?currency=), then the currency cookie that choice set, then the
// currency of the region the browser's first language names ("de-AT", or "de" whose likely
// region is Germany: euros), else the campaign's. Only a guess at what to show: the reader
// can always pick another, and nothing is ever charged in a currency they did not see.
import type { IncomingHttpHeaders } from 'node:http';
import type { DonateFormConfig } from '../config-donate.ts';
import { currencyOfLanguageTag } from '../currencies.ts';
import { BoundedCache } from '../bounded-cache.ts';

export const CURRENCY_COOKIE = 'currency';
/** Distinct Accept-Language strings remembered; browsers send few distinct ones. */
const GUESSED_MAX = 500;

/** The currency cookie's value in a raw Cookie header, without parsing the rest. */
export function currencyCookieOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return /(?:^|;)\s*currency=([A-Za-z]{3})\s*(?:;|$)/.exec(header)?.[1];
}

export interface CurrencyChooser {
  /** More than one currency is offered (else every answer is the campaign's). */
  readonly choosing: boolean;
  /** The value, lower-cased, if the site offers it; else null. */
  offered(v: unknown): string | null;
  /** Short of an explicit choice: the currency cookie, else the browser's language (both lanes ask this). */
  remembered(headers: IncomingHttpHeaders): string;
}

export function currencyChooser(form: DonateFormConfig): CurrencyChooser {
  const codes = form.currencies.map((c) => c.currency);
  const campaign = codes[0]!;
  const guessed = new BoundedCache<string, string>(GUESSED_MAX);
  const offered = (v: unknown): string | null => {
    if (typeof v !== 'string') return null;
    const code = v.toLowerCase();
    return codes.includes(code) ? code : null;
  };
  const fromAcceptLanguage = (header: string | undefined): string => {
    if (!header) return campaign;
    return guessed.get(header, () => {
      // The first language named is the reader's own; later ones are fallbacks, not a home.
      const first = header.split(',')[0]!.split(';')[0]!.trim();
      return offered(currencyOfLanguageTag(first)) ?? campaign;
    });
  };
  return {
    choosing: codes.length > 1,
    offered,
    remembered: (headers) =>
      codes.length < 2
        ? campaign
        : (offered(currencyCookieOf(headers.cookie)) ?? fromAcceptLanguage(headers['accept-language'])),
  };
}

// One chooser per configuration, so both lanes share its Accept-Language answers.
const choosers = new WeakMap<DonateFormConfig, CurrencyChooser>();
export function currencyChooserFor(form: DonateFormConfig): CurrencyChooser {
  let c = choosers.get(form);
  if (!c) choosers.set(form, (c = currencyChooser(form)));
  return c;
}
