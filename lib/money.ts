// Money is an integer count of the currency's minor unit (cents) everywhere; these helpers
// are the only place that knows how many minor units a major unit has, and formatting
// happens only on the way into a view.
import { BoundedCache } from './bounded-cache.ts';

// Stripe's minor units (docs.stripe.com/currencies), which every amount here comes from or goes
// to: not Intl's, which disagree for some (Intl gives HUF and IDR no decimals; Stripe two).
const ZERO_DECIMAL = new Set('bif clp djf gnf jpy kmf krw mga pyg rwf vnd vuv xaf xof xpf'.split(' '));
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);
/** Charged amounts must be multiples of this many minor units (Stripe: 3-decimal ones end in 0; HUF and TWD are paid out whole). */
const STEPS: Readonly<Record<string, number>> = { huf: 100, twd: 100 };

/** Number of decimal places of the currency's minor unit in Stripe's API: 2 for usd, 0 for jpy, 3 for kwd. */
export function minorDigits(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0;
  return THREE_DECIMAL.has(currency) ? 3 : 2;
}

/** The step every charge in this currency keeps (1 for most). */
export function minorStep(currency: string): number {
  return STEPS[currency] ?? (THREE_DECIMAL.has(currency) ? 10 : 1);
}

/** Whole currency units (5 dollars) to minor units (500 cents). */
export function toMinor(major: number, currency: string): number {
  if (!Number.isSafeInteger(major)) throw new RangeError(`not a whole amount: ${major}`);
  const minor = major * 10 ** minorDigits(currency);
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount too large: ${major}`);
  return minor;
}

/** Formatters kept per cache: readers' locales are the site's few, staff's are reduced and capped too. */
const FORMATTERS_MAX = 500;
const formatters = new BoundedCache<string, Intl.NumberFormat>(FORMATTERS_MAX);

/**
 * Formats minor units for people. Whole amounts drop the cents ("$25", not "$25.00"),
 * as a donation page reads best; other amounts keep them ("$12.50").
 */
export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
  const digits = minorDigits(currency);
  const major = minor / 10 ** digits;
  const whole = minor % 10 ** digits === 0;
  const f = formatters.get(
    `${locale}|${currency}|${whole}`,
    () =>
      new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        minimumFractionDigits: whole ? 0 : digits,
        maximumFractionDigits: digits,
      }),
  );
  return f.format(major);
}

const numberFormatters = new BoundedCache<string, Intl.NumberFormat>(FORMATTERS_MAX);

// Building an Intl.NumberFormat costs far more than using one, so each locale's is kept.
export function formatNumber(n: number, locale = 'en-US'): string {
  return numberFormatters.get(locale, () => new Intl.NumberFormat(locale)).format(n);
}

/** raised / goal x 100, rounded to two decimals; may pass 100. */
export function percentOf(raised: number, goal: number): number {
  if (goal <= 0) return 0;
  return Math.round((raised / goal) * 10_000) / 100;
}
