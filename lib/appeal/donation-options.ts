// What a reader may give, and the validation of the donate form. Amounts arrive as whole
// currency units (the form and the JSON contract) and leave as minor units, in the currency
// the reader chose among those the site offers (the campaign's when none is named).
import type { Config } from '../config.ts';
import type { Frequency } from '../ledger/types.ts';
import { formatMoney, toMinor } from '../money.ts';
import { feeCoverMinor, formOf, type CurrencyForm } from '../config-donate.ts';
import { readTypedAmount } from './typed-amount.ts';

export interface DonationChoice {
  /** The currency the reader gives in (one the site offers). */
  currency: string;
  /** The gift the donor chose, whole units and minor units. */
  amount: number;
  amountMinor: number;
  /** What the donor added to cover the fees (0: none). Charged, never a gift of its own. */
  feeCoverMinor: number;
  /** What Checkout charges: the gift plus the fee cover. */
  chargeMinor: number;
  frequency: Frequency;
  /** One of the frequency's preset tiles (or an amount the appeal names). */
  preset: boolean;
}

/** A refusal as a catalog message (locales/<lang>/donate.json), its values already formatted. */
export interface DonationMessage {
  id: string;
  values?: Record<string, string>;
}

export type DonationParse =
  | { ok: true; choice: DonationChoice }
  | { ok: false; message: DonationMessage; field: 'amount' | 'frequency' | 'currency' };

type FormInput = Record<string, unknown>;

function single(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  return undefined; // arrays (repeated fields) and objects are refused
}

const COVER_FEES = new Set(['1', 'on', 'true', 'yes']);

function refuse(
  field: 'amount' | 'frequency' | 'currency',
  id: string,
  values: Record<string, string> = {},
): DonationParse {
  return { ok: false, field, message: { id, values } };
}

/** The currency a form names, when the site offers it; no name means the campaign's. */
export function chosenCurrency(fundraiser: Config['fundraiser'], raw: unknown): CurrencyForm | undefined {
  if (raw === undefined || raw === '') return fundraiser.form.currencies[0];
  const code = single(raw)?.toLowerCase();
  return code === undefined ? undefined : formOf(fundraiser.form, code);
}

export function parseDonation(input: FormInput, fundraiser: Config['fundraiser'], locale = 'en-US'): DonationParse {
  const offered = chosenCurrency(fundraiser, input.currency);
  if (!offered) {
    const names = fundraiser.form.currencies.map((c) => c.currency.toUpperCase());
    const shown = single(input.currency)?.slice(0, 10).toUpperCase() || '?';
    return refuse('currency', 'donate.error.currency', { currency: shown, offered: names.join(', ') });
  }
  // A repeated field (frequency=monthly&frequency=once) is refused: guessing either could be wrong.
  if (input.frequency !== undefined && single(input.frequency) === undefined)
    return refuse('frequency', 'donate.error.frequencyTwice');
  const f = single(input.frequency) ?? 'once';
  if (f !== 'once' && f !== 'monthly') return refuse('frequency', 'donate.error.frequency');
  // An amount typed in the field wins over a tile: the page's script empties the field when a
  // tile is chosen, so what the form shows is what is charged; without the script, typing an
  // amount is the more deliberate act than leaving the preselected tile as it was.
  let raw = single(input.other_amount);
  if (raw === undefined || raw === '') raw = single(input.amount);
  const { currency, min, max } = offered;
  const bounds = {
    min: formatMoney(toMinor(min, currency), currency, locale),
    max: formatMoney(toMinor(max, currency), currency, locale),
  };

  if (raw === 'other') return refuse('amount', 'donate.error.enterAmount');
  if (raw === undefined || raw === '') return refuse('amount', 'donate.error.chooseAmount');
  const typed = readTypedAmount(raw, locale);
  // A sign or code typed with the amount must be the form's: "EUR 25" on a dollar form is not $25.
  if (typed.currencies && !typed.currencies.includes(currency))
    return refuse('amount', 'donate.error.typedCurrency', { currency: currency.toUpperCase() });
  const cleaned = typed.number;
  if (!/^\d+([.]\d+)?$/.test(cleaned)) return refuse('amount', 'donate.error.notNumber', bounds);
  if (!/^\d+(\.0+)?$/.test(cleaned)) return refuse('amount', 'donate.error.cents', bounds);
  const amount = Number.parseInt(cleaned, 10);
  const named = amount === offered.smallGift || amount === offered.averageGift;
  const preset = named || offered.presets[f].includes(amount);
  if (!preset && (amount < min || amount > max || !Number.isSafeInteger(amount)))
    return refuse('amount', 'donate.error.range', bounds);
  const amountMinor = toMinor(amount, currency);
  const percent = fundraiser.form.coverFeesPercent;
  const cover =
    percent > 0 && COVER_FEES.has(single(input.cover_fees) ?? '') ? feeCoverMinor(amountMinor, percent, currency) : 0;
  return {
    ok: true,
    choice: {
      currency,
      amount,
      amountMinor,
      feeCoverMinor: cover,
      chargeMinor: amountMinor + cover,
      frequency: f,
      preset,
    },
  };
}
