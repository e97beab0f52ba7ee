// The donate form's settings: the preset amounts per frequency, the amount preselected for
// each, and the optional "cover the fees" share. Kept beside config.ts (which reads them
// through donateFormConfig) so that file stays small; a bad value names its variable.
import { z } from 'zod';
import { ConfigError, parseSettings } from './config-error.ts';
import type { Frequency } from './ledger/types.ts';

/** The amounts the appeal's words name ($5: "if everyone gave"; $25: the average gift): always allowed. */
export const NAMED_AMOUNTS: readonly number[] = [5, 25];

export interface DonateFormConfig {
  /** Preset tiles, whole currency units, ascending, per frequency. */
  readonly presets: Readonly<Record<Frequency, readonly number[]>>;
  /** The tile preselected for each frequency (one of its presets). */
  readonly defaults: Readonly<Record<Frequency, number>>;
  /** "Add N% to cover the fees" on the form; 0 = not offered. */
  readonly coverFeesPercent: number;
}

const amountList = (fallback: string) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? fallback : v),
    z
      .string()
      .regex(/^\s*\d+(\s*,\s*\d+){0,7}\s*$/, 'must be 1 to 8 whole amounts separated by commas, such as 5,10,25')
      .transform((v) => [...new Set(v.split(',').map((n) => Number(n.trim())))].sort((a, b) => a - b)),
  );

const wholeAmount = (fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? fallback : v),
    z.coerce.number('must be a whole amount').int('must be a whole amount').positive('must be greater than 0'),
  );

const schema = z.object({
  DONATE_PRESETS_ONCE: amountList('5,10,25,50,100'),
  DONATE_PRESETS_MONTHLY: amountList('5,10,25'),
  DONATE_DEFAULT_ONCE: wholeAmount(25),
  DONATE_DEFAULT_MONTHLY: wholeAmount(10),
  DONATE_COVER_FEES_PERCENT: z.preprocess(
    (v) => (v === undefined || v === '' ? 3 : v),
    z.coerce
      .number('must be a number such as 3 (or 0 for off)')
      .min(0, 'must be 0 (off) or more')
      .max(10, 'must be at most 10')
      .refine((n) => Number.isInteger(n * 10), 'may have at most one decimal, such as 2.9'),
  ),
});

type Env = Record<string, string | undefined>;

export function donateFormConfig(env: Env, bounds: { min: number; max: number }): DonateFormConfig {
  const e = parseSettings(schema, env);
  const lists = [
    ['once', 'DONATE_PRESETS_ONCE', e.DONATE_PRESETS_ONCE, 'DONATE_DEFAULT_ONCE', e.DONATE_DEFAULT_ONCE],
    ['monthly', 'DONATE_PRESETS_MONTHLY', e.DONATE_PRESETS_MONTHLY, 'DONATE_DEFAULT_MONTHLY', e.DONATE_DEFAULT_MONTHLY],
  ] as const;
  for (const [, listVar, list, defaultVar, chosen] of lists) {
    const outside = list.find((a) => (a < bounds.min || a > bounds.max) && !NAMED_AMOUNTS.includes(a));
    if (outside !== undefined)
      throw new ConfigError(listVar, `${outside} is outside DONATION_MIN..DONATION_MAX (${bounds.min}..${bounds.max})`);
    if (!list.includes(chosen))
      throw new ConfigError(defaultVar, `must be one of ${listVar} (${list.join(', ')}) (got ${chosen})`);
  }
  return Object.freeze({
    presets: Object.freeze({
      once: Object.freeze(e.DONATE_PRESETS_ONCE),
      monthly: Object.freeze(e.DONATE_PRESETS_MONTHLY),
    }),
    defaults: Object.freeze({ once: e.DONATE_DEFAULT_ONCE, monthly: e.DONATE_DEFAULT_MONTHLY }),
    coverFeesPercent: e.DONATE_COVER_FEES_PERCENT,
  });
}

/** The extra a donor adds to cover the fees, in minor units (rounded to the nearest). */
export function feeCoverMinor(amountMinor: number, percent: number): number {
  // Tenths of a percent as an integer, so 2.9% does not pick up binary fractions.
  return Math.round((amountMinor * Math.round(percent * 10)) / 1000);
}
