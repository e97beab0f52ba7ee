// What the donate form shows for a state (nothing chosen, a cancelled checkout's choice, a
// refused form): which tile is checked, what is typed, and what the button says. The server
// renders it complete, so the form works as shown without the page's script, which then
// keeps the same things up to date (public/appeal.js).
import type { Config } from '../config.ts';
import { feeCoverMinor } from '../config-donate.ts';
import type { Frequency } from '../ledger/types.ts';
import { formatMoney, toMinor } from '../money.ts';

export interface FormInput {
  amount?: string;
  otherAmount?: string;
  frequency?: string;
  coverFees?: boolean;
}

export interface Tile {
  amount: number;
  label: string;
  /** The frequencies whose list holds it (the tile is hidden under the other one). */
  once: boolean;
  monthly: boolean;
  checked: boolean;
}

export interface FormView {
  frequency: Frequency;
  tiles: Tile[];
  otherChecked: boolean;
  otherAmount: string;
  coverFees: boolean;
  /** "3%"; null when the fee cover is not offered. */
  feePercent: string | null;
  /** The fee cover of the amount shown ("$0.75"); null when no amount is chosen. */
  feeAmount: string | null;
  /** The button's words after "Donate": "$25 once", "$10.30 monthly"; null = no amount chosen yet. */
  giveWhat: string | null;
  /** For the script: the lists, the preselected tiles, the bounds, the currency. */
  data: string;
}

const whole = (s: string) => {
  const cleaned = s.replace(/^[$€£]/, '').replace(/,/g, '');
  return /^\d{1,9}$/.test(cleaned) ? Number(cleaned) : null;
};

export function formView(fundraiser: Config['fundraiser'], input: FormInput): FormView {
  const { presets, defaults, coverFeesPercent } = fundraiser.form;
  const { currency, donationMin: min, donationMax: max } = fundraiser;
  const frequency: Frequency = input.frequency === 'monthly' ? 'monthly' : 'once';
  const all = [...new Set([...presets.once, ...presets.monthly])].sort((a, b) => a - b);

  let typed = (input.otherAmount ?? '').trim();
  let chosenTile: number | null = null;
  if (!typed && input.amount !== undefined && input.amount !== 'other') {
    const n = whole(input.amount);
    if (n !== null && presets[frequency].includes(n)) chosenTile = n;
    else typed = input.amount; // an amount that is not a tile shows in the field
  }
  const otherChecked = typed !== '' || input.amount === 'other';
  if (!otherChecked && chosenTile === null) chosenTile = defaults[frequency];

  const typedAmount = typed ? whole(typed) : null;
  const amount = chosenTile ?? (typedAmount !== null && typedAmount >= min && typedAmount <= max ? typedAmount : null);
  const amountMinor = amount === null ? null : toMinor(amount, currency);
  const offered = coverFeesPercent > 0;
  const coverFees = offered && input.coverFees === true;
  const fee = amountMinor === null || !offered ? null : feeCoverMinor(amountMinor, coverFeesPercent);
  const charge = amountMinor === null ? null : amountMinor + (coverFees ? fee! : 0);

  return {
    frequency,
    tiles: all.map((a) => ({
      amount: a,
      label: formatMoney(toMinor(a, currency), currency),
      once: presets.once.includes(a),
      monthly: presets.monthly.includes(a),
      checked: a === chosenTile,
    })),
    otherChecked,
    otherAmount: typed,
    coverFees,
    feePercent: offered ? `${coverFeesPercent}%` : null,
    feeAmount: fee === null ? null : formatMoney(fee, currency),
    giveWhat: charge === null ? null : `${formatMoney(charge, currency)} ${frequency}`,
    data: JSON.stringify({ presets, defaults, min, max, currency, feePercent: coverFeesPercent }),
  };
}
