// What each currency a reader may give in needs besides its code: round local amounts for the
// form (set by people, never converted digits: 3,000 yen is a gift, 3,241 yen is an exchange
// rate), the bounds for "another amount", and Stripe's minimum charge. A currency missing
// here can still be offered; its amounts must then be set (lib/config-donate.ts).
import { minorDigits } from './money.ts';

export interface CurrencyDefaults {
  /** The form's tiles, whole units. */
  once: readonly number[];
  monthly: readonly number[];
  /** The tile preselected for each frequency. */
  defaultOnce: number;
  defaultMonthly: number;
  /** Bounds for "another amount", whole units. */
  min: number;
  max: number;
  /** The amounts the appeal's words name: "if everyone gave {smallGift}", "gifts average {averageGift}". */
  small: number;
  average: number;
}

const dollarLike: CurrencyDefaults = {
  once: [5, 10, 25, 50, 100],
  monthly: [5, 10, 25],
  defaultOnce: 25,
  defaultMonthly: 10,
  min: 2,
  max: 10_000,
  small: 5,
  average: 25,
};

const kronaLike: CurrencyDefaults = {
  once: [50, 100, 250, 500, 1000],
  monthly: [50, 100, 250],
  defaultOnce: 250,
  defaultMonthly: 100,
  min: 20,
  max: 100_000,
  small: 50,
  average: 250,
};

const tensLike: CurrencyDefaults = {
  once: [10, 25, 50, 100, 250],
  monthly: [10, 25, 50],
  defaultOnce: 50,
  defaultMonthly: 25,
  min: 5,
  max: 50_000,
  small: 10,
  average: 50,
};

const hundredsLike: CurrencyDefaults = {
  once: [100, 250, 500, 1000, 2500],
  monthly: [100, 250, 500],
  defaultOnce: 500,
  defaultMonthly: 250,
  min: 50,
  // Stripe takes at most 8 digits of minor units (999,999.99): room for the fee cover.
  max: 500_000,
  small: 100,
  average: 500,
};

/** Round amounts people give in each currency (as the big fundraisers' forms offer them). */
const DEFAULTS: Readonly<Record<string, CurrencyDefaults>> = {
  usd: dollarLike,
  eur: dollarLike,
  cad: dollarLike,
  aud: dollarLike,
  nzd: dollarLike,
  chf: dollarLike,
  sgd: dollarLike,
  gbp: {
    ...dollarLike,
    once: [3, 5, 10, 25, 50],
    monthly: [3, 5, 10],
    defaultOnce: 10,
    defaultMonthly: 5,
    small: 3,
    average: 20,
  },
  jpy: {
    once: [500, 1000, 3000, 5000, 10_000],
    monthly: [500, 1000, 3000],
    defaultOnce: 3000,
    defaultMonthly: 1000,
    min: 100,
    max: 1_000_000,
    small: 500,
    average: 3000,
  },
  sek: kronaLike,
  nok: kronaLike,
  dkk: kronaLike,
  hkd: {
    ...kronaLike,
    once: [50, 100, 200, 500, 1000],
    monthly: [50, 100, 200],
    defaultOnce: 200,
    min: 10,
    max: 80_000,
  },
  brl: tensLike,
  pln: tensLike,
  mxn: {
    ...hundredsLike,
    once: [100, 200, 500, 1000, 2000],
    monthly: [100, 200, 500],
    defaultMonthly: 200,
    min: 20,
    max: 200_000,
  },
  inr: hundredsLike,
};

export function currencyDefaults(currency: string): CurrencyDefaults | undefined {
  return DEFAULTS[currency];
}

/**
 * Stripe's minimum charge per currency, in minor units (docs.stripe.com/currencies, "Minimum
 * and maximum charge amounts"). Below it Stripe refuses the Checkout Session, so the form's
 * bounds are checked against it at start-up. Other currencies: Stripe's rule is that the
 * charge must convert to at least 50 US cents, which no fixed figure can promise.
 */
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17_500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

/** Stripe's minimum charge in minor units, or null when it depends on the day's exchange rate. */
export function minimumChargeMinor(currency: string): number | null {
  return MINIMUM_CHARGE[currency] ?? null;
}

/** The smallest whole amount Stripe accepts in this currency (1 when unknown). */
export function minimumWholeAmount(currency: string): number {
  const minor = minimumChargeMinor(currency);
  return minor === null ? 1 : Math.ceil(minor / 10 ** minorDigits(currency));
}

const EURO_REGIONS = 'AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK'.split(' ');

/** The currency people in a region pay in, for the regions whose currency lib/currencies.ts knows. */
const REGION_CURRENCY: Readonly<Record<string, string>> = {
  ...Object.fromEntries(EURO_REGIONS.map((r) => [r, 'eur'])),
  US: 'usd',
  GB: 'gbp',
  CA: 'cad',
  AU: 'aud',
  NZ: 'nzd',
  CH: 'chf',
  LI: 'chf',
  SG: 'sgd',
  JP: 'jpy',
  SE: 'sek',
  NO: 'nok',
  DK: 'dkk',
  HK: 'hkd',
  BR: 'brl',
  PL: 'pln',
  MX: 'mxn',
  IN: 'inr',
};

/** The currency of a language tag's region ("de-AT" and "de": eur; "en-GB": gbp), or undefined. */
export function currencyOfLanguageTag(tag: string): string | undefined {
  try {
    // A tag without a region ("de") has a likely one (Germany): CLDR's likely subtags, through Intl.
    const region = new Intl.Locale(tag).maximize().region;
    return region ? REGION_CURRENCY[region] : undefined;
  } catch {
    return undefined;
  }
}

/** A currency code Node's Intl knows (FUNDRAISER_CURRENCY, DONATE_CURRENCIES). */
export function isKnownCurrency(code: string): boolean {
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency: code });
    return (
      (Intl as { supportedValuesOf?: (k: string) => string[] })
        .supportedValuesOf?.('currency')
        .includes(code.toUpperCase()) ?? true
    );
  } catch {
    return false;
  }
}
