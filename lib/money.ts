// Money is an integer count of the currency's minor unit (cents) everywhere; these helpers
// are the only place that knows how many minor units a major unit has, and formatting
// happens only on the way into a view.

const digitsCache = new Map<string, number>();

/** Number of decimal places of the currency's minor unit: 2 for usd, 0 for jpy, 3 for kwd. */
export function minorDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, d);
  }
  return d;
}

/** Whole currency units (5 dollars) to minor units (500 cents). */
export function toMinor(major: number, currency: string): number {
  if (!Number.isSafeInteger(major)) throw new RangeError(`not a whole amount: ${major}`);
  const minor = major * 10 ** minorDigits(currency);
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount too large: ${major}`);
  return minor;
}

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Formats minor units for people. Whole amounts drop the cents ("$25", not "$25.00"),
 * as a donation page reads best; other amounts keep them ("$12.50").
 */
export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
  const digits = minorDigits(currency);
  const major = minor / 10 ** digits;
  const whole = minor % 10 ** digits === 0;
  const key = `${locale}|${currency}|${whole}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: whole ? 0 : digits,
      maximumFractionDigits: digits,
    });
    formatters.set(key, f);
  }
  return f.format(major);
}

const numberFormatters = new Map<string, Intl.NumberFormat>();

// Building an Intl.NumberFormat costs far more than using one, so each locale's is kept.
export function formatNumber(n: number, locale = 'en-US'): string {
  let f = numberFormatters.get(locale);
  if (!f) numberFormatters.set(locale, (f = new Intl.NumberFormat(locale)));
  return f.format(n);
}

/** raised / goal x 100, rounded to two decimals; may pass 100. */
export function percentOf(raised: number, goal: number): number {
  if (goal <= 0) return 0;
  return Math.round((raised / goal) * 10_000) / 100;
}
