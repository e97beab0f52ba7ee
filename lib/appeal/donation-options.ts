// What a reader may give, and the validation of the donate form. Amounts arrive as whole
// currency units (the form and the JSON contract) and leave as minor units.
import type { Config } from '../config.ts';
import type { Frequency } from '../ledger/types.ts';
import { formatMoney, toMinor } from '../money.ts';
import { feeCoverMinor } from '../config-donate.ts';

/** The seed's two numbers: $5 ("if everyone gave $5") and $25 (the average gift); the tiles are configured. */
export const PRESET_AMOUNTS = [5, 25] as const;
export const AVERAGE_GIFT_PRESET = 25;

export interface DonationChoice {
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

export type DonationParse =
  { ok: true; choice: DonationChoice } | { ok: false; error: string; field: 'amount' | 'frequency' };

type FormInput = Record<string, unknown>;

function single(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  return undefined; // arrays (repeated fields) and objects are refused
}

const COVER_FEES = new Set(['1', 'on', 'true', 'yes']);

export function parseDonation(input: FormInput, fundraiser: Config['fundraiser']): DonationParse {
  // A repeated field (frequency=monthly&frequency=once) is refused: guessing either could be wrong.
  if (input.frequency !== undefined && single(input.frequency) === undefined)
    return { ok: false, field: 'frequency', error: 'Please choose one frequency: once or monthly, not both.' };
  const f = single(input.frequency) ?? 'once';
  if (f !== 'once' && f !== 'monthly') {
    return { ok: false, field: 'frequency', error: 'Please choose to give once or monthly.' };
  }
  // An amount typed in the field wins over a tile: the page's script empties the field when a
  // tile is chosen, so what the form shows is what is charged; without the script, typing an
  // amount is the more deliberate act than leaving the preselected tile as it was.
  let raw = single(input.other_amount);
  if (raw === undefined || raw === '') raw = single(input.amount);
  const { currency, donationMin: min, donationMax: max } = fundraiser;
  const range = `between ${formatMoney(toMinor(min, currency), currency)} and ${formatMoney(toMinor(max, currency), currency)}`;

  if (raw === 'other') return { ok: false, field: 'amount', error: 'Please enter the amount you would like to give.' };
  if (raw === undefined || raw === '') {
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
  const preset = (PRESET_AMOUNTS as readonly number[]).includes(amount) || fundraiser.form.presets[f].includes(amount);
  if (!preset && (amount < min || amount > max || !Number.isSafeInteger(amount))) {
    return { ok: false, field: 'amount', error: `Please give an amount ${range}.` };
  }
  const amountMinor = toMinor(amount, currency);
  const percent = fundraiser.form.coverFeesPercent;
  const cover = percent > 0 && COVER_FEES.has(single(input.cover_fees) ?? '') ? feeCoverMinor(amountMinor, percent) : 0;
  return {
    ok: true,
    choice: { amount, amountMinor, feeCoverMinor: cover, chargeMinor: amountMinor + cover, frequency: f, preset },
  };
}
