// What a reader may give, and the validation of the donate form. Amounts arrive as whole
// currency units (the form and the JSON contract) and leave as minor units.
import type { Config } from '../config.ts';
import type { Frequency } from '../ledger/types.ts';
import { formatMoney, toMinor } from '../money.ts';

/** The seed's two numbers: $5 ("if everyone gave $5") and $25 (the average gift). */
export const PRESET_AMOUNTS = [5, 25] as const;
export const AVERAGE_GIFT_PRESET = 25;

export interface DonationChoice {
  amount: number;
  amountMinor: number;
  frequency: Frequency;
  preset: boolean;
}

export type DonationParse =
  { ok: true; choice: DonationChoice } | { ok: false; error: string; field: 'amount' | 'frequency' };

type FormInput = Record<string, unknown>;

function single(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  return undefined; // arrays (repeated fields) and objects are refused
}

export function parseDonation(input: FormInput, fundraiser: Config['fundraiser']): DonationParse {
  let raw = single(input.amount);
  if (raw === 'other' || raw === undefined || raw === '') raw = single(input.other_amount) ?? raw;
  const { currency, donationMin: min, donationMax: max } = fundraiser;
  const range = `between ${formatMoney(toMinor(min, currency), currency)} and ${formatMoney(toMinor(max, currency), currency)}`;

  if (raw === undefined || raw === '' || raw === 'other') {
    return { ok: false, field: 'amount', error: 'Please choose an amount, or enter another amount.' };
  }
  const cleaned = raw.replace(/^[$€£]/, '').replace(/,/g, '');
  if (!/^\d+(\.\d+)?$/.test(cleaned)) {
    return { ok: false, field: 'amount', error: `Please enter the amount as a whole number ${range}.` };
  }
  if (!/^\d+(\.0+)?$/.test(cleaned)) {
    return { ok: false, field: 'amount', error: `Please enter a whole amount without cents, ${range}.` };
  }
  const amount = Number.parseInt(cleaned, 10);
  const preset = (PRESET_AMOUNTS as readonly number[]).includes(amount);
  if (!preset && (amount < min || amount > max || !Number.isSafeInteger(amount))) {
    return { ok: false, field: 'amount', error: `Please give an amount ${range}.` };
  }

  // A repeated field (frequency=monthly&frequency=once) is refused: guessing either could be wrong.
  if (input.frequency !== undefined && single(input.frequency) === undefined)
    return { ok: false, field: 'frequency', error: 'Please choose one frequency: once or monthly, not both.' };
  const f = single(input.frequency) ?? 'once';
  if (f !== 'once' && f !== 'monthly') {
    return { ok: false, field: 'frequency', error: 'Please choose to give once or monthly.' };
  }
  return { ok: true, choice: { amount, amountMinor: toMinor(amount, currency), frequency: f, preset } };
}
