// Amounts on the emulator's pages, printed as the site prints them ("$25", "$12.50"). Its own
// few lines rather than lib/money.ts, so that the emulator imports nothing from the site.

interface Formats {
  /** Decimal places of the currency's minor unit: 2 for usd, 0 for jpy, 3 for kwd. */
  digits: number;
  whole: Intl.NumberFormat;
  cents: Intl.NumberFormat;
}

// Building an Intl.NumberFormat costs far more than using one, so each currency's are kept.
const cache = new Map<string, Formats>();

function formatsFor(currency: string): Formats {
  let f = cache.get(currency);
  if (!f) {
    const probe = new Intl.NumberFormat('en', { style: 'currency', currency });
    const digits = probe.resolvedOptions().maximumFractionDigits ?? 2;
    const make = (minimumFractionDigits: number) =>
      new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency,
        minimumFractionDigits,
        maximumFractionDigits: digits,
      });
    f = { digits, whole: make(0), cents: make(digits) };
    cache.set(currency, f);
  }
  return f;
}

/** Minor units (cents) for people: whole amounts without the cents, others with them. */
export function formatMoney(minor: number, currency: string): string {
  const { digits, whole, cents } = formatsFor(currency);
  const unit = 10 ** digits;
  return (minor % unit === 0 ? whole : cents).format(minor / unit);
}
