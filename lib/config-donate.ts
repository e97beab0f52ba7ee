// The donate form's settings, per currency a reader may give in: the preset amounts per
// frequency, the amount preselected for each, the bounds for "another amount", and the
// optional "cover the fees" share. The campaign's currency (FUNDRAISER_CURRENCY) reads the
// plain variables (DONATE_PRESETS_ONCE, DONATION_MIN, ...); each other offered currency the
// same names with its code (DONATE_PRESETS_ONCE_EUR, DONATION_MIN_EUR, ...). Unset ones take
// round local amounts from lib/currencies.ts. Kept beside config.ts so that file stays small;
// a bad value names its variable.
import { z } from 'zod';
import { ConfigError, parseSettings } from './config-error.ts';
import { currencyDefaults, minimumWholeAmount, type CurrencyDefaults } from './currencies.ts';
import type { Frequency } from './ledger/types.ts';
import { minorStep, toMinor } from './money.ts';

export interface CurrencyForm {
  readonly currency: string;
  /** Preset tiles, whole currency units, ascending, per frequency. */
  readonly presets: Readonly<Record<Frequency, readonly number[]>>;
  /** The tile preselected for each frequency (one of its presets). */
  readonly defaults: Readonly<Record<Frequency, number>>;
  /** Bounds for "another amount", whole units. */
  readonly min: number;
  readonly max: number;
  /** The amounts the appeal's words name ("if everyone gave 5"); always allowed. */
  readonly smallGift: number;
  readonly averageGift: number;
}

export interface DonateFormConfig {
  /** The campaign currency's tiles and preselected amounts (the staff split reads these). */
  readonly presets: Readonly<Record<Frequency, readonly number[]>>;
  readonly defaults: Readonly<Record<Frequency, number>>;
  /** "Add N% to cover the fees" on the form; 0 = not offered. */
  readonly coverFeesPercent: number;
  /** Every currency a reader may give in, the campaign's first. */
  readonly currencies: readonly CurrencyForm[];
}

const isSet = (v: unknown) => v !== undefined && v !== '';

const amountList = (fallback: string | undefined) =>
  z.preprocess(
    (v) => (isSet(v) ? v : fallback),
    z
      .string({
        error: (i) =>
          i.input === undefined ? 'must be set: there are no built-in amounts for this currency' : undefined,
      })
      .regex(/^\s*\d+(\s*,\s*\d+){0,7}\s*$/, 'must be 1 to 8 whole amounts separated by commas, such as 5,10,25')
      .transform((v) => [...new Set(v.split(',').map((n) => Number(n.trim())))].sort((a, b) => a - b)),
  );

const wholeAmount = (fallback: number | undefined) =>
  z.preprocess(
    (v) => (isSet(v) ? v : fallback),
    z.coerce
      .number({
        error: (i) =>
          i.input === undefined
            ? 'must be set: there is no built-in amount for this currency'
            : 'must be a whole amount',
      })
      .int('must be a whole amount')
      .positive('must be greater than 0'),
  );

const currencyList = z
  .string()
  .regex(
    /^\s*[a-zA-Z]{3}(\s*,\s*[a-zA-Z]{3}){0,9}\s*$/,
    'must be up to 10 three-letter currency codes, such as usd,eur,gbp',
  )
  .transform((v) => [...new Set(v.split(',').map((c) => c.trim().toLowerCase()))]);

const shared = z.object({
  DONATE_CURRENCIES: z.preprocess((v) => (isSet(v) ? v : undefined), currencyList.optional()),
  DONATE_COVER_FEES_PERCENT: z.preprocess(
    (v) => (isSet(v) ? v : 3),
    z.coerce
      .number('must be a number such as 3 (or 0 for off)')
      .min(0, 'must be 0 (off) or more')
      .max(10, 'must be at most 10')
      .refine((n) => Number.isInteger(n * 10), 'may have at most one decimal, such as 2.9'),
  ),
});

type Env = Record<string, string | undefined>;

/** The variables of one currency: plain for the campaign's, suffixed (_EUR) for the others. */
export function currencyVariables(currency: string, campaign: string) {
  const s = currency === campaign ? '' : `_${currency.toUpperCase()}`;
  return {
    presetsOnce: `DONATE_PRESETS_ONCE${s}`,
    presetsMonthly: `DONATE_PRESETS_MONTHLY${s}`,
    defaultOnce: `DONATE_DEFAULT_ONCE${s}`,
    defaultMonthly: `DONATE_DEFAULT_MONTHLY${s}`,
    min: `DONATION_MIN${s}`,
    max: `DONATION_MAX${s}`,
  };
}

/** Stripe wants these in units this site does not model (two-decimal amounts standing for whole ones). */
const UNSUPPORTED = new Set(['isk', 'ugx']);
/** Stripe's largest amount: eight digits of minor units. */
const STRIPE_MAX_MINOR = 99_999_999;

function currencyForm(
  env: Env,
  currency: string,
  campaign: string,
  known: (c: string) => boolean,
  coverPercent: number,
): CurrencyForm {
  // Checked first, so an unknown code is named as such, not as its missing amounts.
  if (!known(currency)) throw new ConfigError('DONATE_CURRENCIES', `${currency} is not a currency this runtime knows`);
  if (UNSUPPORTED.has(currency))
    throw new ConfigError(
      'DONATE_CURRENCIES',
      `${currency} is not supported: Stripe's amounts for it need rules this site does not apply`,
    );
  const v = currencyVariables(currency, campaign);
  const d: Partial<CurrencyDefaults> = currencyDefaults(currency) ?? {};
  const e = parseSettings(
    z.object({
      [v.presetsOnce]: amountList(d.once?.join(',')),
      [v.presetsMonthly]: amountList(d.monthly?.join(',')),
      [v.defaultOnce]: wholeAmount(d.defaultOnce),
      [v.defaultMonthly]: wholeAmount(d.defaultMonthly),
      [v.min]: wholeAmount(d.min ?? minimumWholeAmount(currency)),
      [v.max]: wholeAmount(d.max),
    }),
    env,
  ) as Record<string, number[] & number>;
  const min = e[v.min]!;
  const max = e[v.max]!;
  const stripeMin = minimumWholeAmount(currency);
  if (min < stripeMin)
    throw new ConfigError(v.min, `must be at least ${stripeMin}, Stripe's minimum charge in ${currency} (got ${min})`);
  if (min > max) throw new ConfigError(v.min, `must not exceed ${v.max} (${max})`);
  const largest = toMinor(max, currency) + feeCoverMinor(toMinor(max, currency), coverPercent, currency);
  if (largest > STRIPE_MAX_MINOR)
    throw new ConfigError(
      v.max,
      `is more than Stripe can charge in one payment in ${currency} (with the fee cover) (got ${max})`,
    );
  const presets = { once: e[v.presetsOnce]!, monthly: e[v.presetsMonthly]! };
  const smallGift = d.small ?? presets.once[0]!;
  const averageGift = d.average ?? presets.once[Math.floor(presets.once.length / 2)]!;
  // The named amounts are allowed outside the bounds (the letter promises them), never below Stripe's minimum.
  const named = [smallGift, averageGift].filter((a) => a >= stripeMin);
  const lists = [
    [v.presetsOnce, presets.once, v.defaultOnce, e[v.defaultOnce]!],
    [v.presetsMonthly, presets.monthly, v.defaultMonthly, e[v.defaultMonthly]!],
  ] as const;
  for (const [listVar, list, defaultVar, chosen] of lists) {
    const outside = list.find((a) => (a < min || a > max) && !named.includes(a));
    if (outside !== undefined)
      throw new ConfigError(listVar, `${outside} is outside ${v.min}..${v.max} (${min}..${max})`);
    if (!list.includes(chosen))
      throw new ConfigError(defaultVar, `must be one of ${listVar} (${list.join(', ')}) (got ${chosen})`);
  }
  return Object.freeze({
    currency,
    presets: Object.freeze({ once: Object.freeze(presets.once), monthly: Object.freeze(presets.monthly) }),
    defaults: Object.freeze({ once: e[v.defaultOnce]!, monthly: e[v.defaultMonthly]! }),
    min,
    max,
    smallGift,
    averageGift,
  });
}

export function donateFormConfig(env: Env, campaign: string, known: (c: string) => boolean): DonateFormConfig {
  const e = parseSettings(shared, env);
  const offered = e.DONATE_CURRENCIES ?? [campaign];
  if (!offered.includes(campaign))
    throw new ConfigError(
      'DONATE_CURRENCIES',
      `must include the campaign's currency FUNDRAISER_CURRENCY (${campaign})`,
    );
  // The campaign's currency first: it is the one the form shows until a reader picks another.
  const currencies = [campaign, ...offered.filter((c) => c !== campaign)].map((c) =>
    currencyForm(env, c, campaign, known, e.DONATE_COVER_FEES_PERCENT),
  );
  const main = currencies[0]!;
  return Object.freeze({
    presets: main.presets,
    defaults: main.defaults,
    coverFeesPercent: e.DONATE_COVER_FEES_PERCENT,
    currencies: Object.freeze(currencies),
  });
}

/** The form settings of a currency the site offers, or undefined. */
export function formOf(form: DonateFormConfig, currency: string): CurrencyForm | undefined {
  return form.currencies.find((c) => c.currency === currency);
}

/** The extra a donor adds to cover the fees, in minor units, rounded to the nearest step the currency allows. */
export function feeCoverMinor(amountMinor: number, percent: number, currency = 'usd'): number {
  const step = minorStep(currency);
  // Tenths of a percent as an integer, so 2.9% does not pick up binary fractions.
  return Math.round((amountMinor * Math.round(percent * 10)) / 1000 / step) * step;
}
