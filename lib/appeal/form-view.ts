// What the donate form shows for a state (nothing chosen, a cancelled checkout's choice, a
// refused form): which currency and tile are chosen, what is typed, and what the button
// says, in the reader's language. The server renders it complete, so the form works as
// shown without the page's script, which then keeps the same things up to date
// (public/appeal.js) with the words and formats it is given here.
import type { Config } from '../config.ts';
import { feeCoverMinor, type CurrencyForm } from '../config-donate.ts';
import type { Frequency } from '../ledger/types.ts';
import { formatMoney, minorDigits, minorStep, toMinor } from '../money.ts';
import { chosenCurrency } from './donation-options.ts';
import { readTypedAmount } from './typed-amount.ts';

/** A catalog lookup: the message `id` in the reader's language, with its values filled in. */
export type Translate = (id: string, values?: Record<string, string | number>) => string;

export interface FormWords {
  /** The reader's locale, for amounts ("25 €" in German). */
  locale: string;
  t: Translate;
}

export interface FormInput {
  amount?: string;
  otherAmount?: string;
  frequency?: string;
  currency?: string;
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

export interface CurrencyChoice {
  /** Lower case, as the form posts it. */
  code: string;
  /** "EUR €" style: the code and the local sign, which readers know best. */
  label: string;
  /** The currency's name in the reader's language ("Euro"), for assistive technology. */
  name: string;
  chosen: boolean;
}

export interface FormView {
  frequency: Frequency;
  currency: string;
  /** The currencies offered (empty when there is only one: nothing to choose). */
  currencies: CurrencyChoice[];
  /** The chooser's name ("Currency"). */
  currencyLegend: string;
  /** The chosen currency's sign, shown before the typed amount. */
  currencySign: string;
  tiles: Tile[];
  /** The tile marked "Average gift": the average the appeal's words name in this currency. */
  averageGift: number;
  /** "/month" after a tile's amount, in the reader's language. */
  perMonth: string;
  otherChecked: boolean;
  otherAmount: string;
  /** The bounds for "another amount", for the field's placeholder ("2–10,000"). */
  placeholder: string;
  coverFees: boolean;
  /** "3%"; null when the fee cover is not offered. */
  feePercent: string | null;
  /** The fee cover of the amount shown ("$0.75"); null when no amount is chosen. */
  feeAmount: string | null;
  /** The button's words: "Donate $25 once", "Donate $10.30 monthly", or "Donate" with no amount yet. */
  button: string;
  /** Just "Donate": what the button says without the script once the choice changed. */
  buttonPlain: string;
  /** For the script: the lists, the preselected tiles, the bounds, the currency, the words. */
  data: string;
}

const SLOT = '%AMOUNT%';

function whole(s: string, locale: string): number | null {
  const cleaned = readTypedAmount(s, locale).number;
  return /^\d{1,9}(\.0+)?$/.test(cleaned) ? Number.parseInt(cleaned, 10) : null;
}

const signs = new Map<string, string>();

function currencySign(currency: string, locale: string): string {
  const key = `${locale}|${currency}`;
  let sign = signs.get(key);
  if (sign === undefined) {
    const parts = new Intl.NumberFormat(locale, { style: 'currency', currency }).formatToParts(0);
    sign = parts.find((p) => p.type === 'currency')?.value ?? currency.toUpperCase();
    signs.set(key, sign);
  }
  return sign;
}

function currencyName(currency: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'currency' }).of(currency.toUpperCase()) ?? currency.toUpperCase();
  } catch {
    return currency.toUpperCase();
  }
}

function currencyChoices(fundraiser: Config['fundraiser'], chosen: string, locale: string): CurrencyChoice[] {
  const all = fundraiser.form.currencies;
  if (all.length < 2) return [];
  return all.map(({ currency }) => {
    const sign = currencySign(currency, locale);
    const code = currency.toUpperCase();
    return {
      code: currency,
      label: sign === code ? code : `${code} ${sign}`,
      name: currencyName(currency, locale),
      chosen: currency === chosen,
    };
  });
}

/** The refusals the script can find before sending, worded as the server words them. */
function scriptMessages(offered: CurrencyForm, words: FormWords) {
  const money = (n: number) => formatMoney(toMinor(n, offered.currency), offered.currency, words.locale);
  const bounds = { min: money(offered.min), max: money(offered.max) };
  return {
    enterAmount: words.t('donate.error.enterAmount'),
    notNumber: words.t('donate.error.notNumber', bounds),
    cents: words.t('donate.error.cents', bounds),
    range: words.t('donate.error.range', bounds),
  };
}

// "3%" in English, "3 %" in German and French: the locale's own way.
const percentFormat = (locale: string) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });

export function formView(fundraiser: Config['fundraiser'], input: FormInput, words: FormWords): FormView {
  const { coverFeesPercent } = fundraiser.form;
  const { locale, t } = words;
  // A currency the site does not offer shows the campaign's (the post is refused with a message).
  const offered = chosenCurrency(fundraiser, input.currency) ?? fundraiser.form.currencies[0]!;
  const { currency, presets, defaults, min, max } = offered;
  const frequency: Frequency = input.frequency === 'monthly' ? 'monthly' : 'once';
  const all = [...new Set([...presets.once, ...presets.monthly])].sort((a, b) => a - b);

  let typed = (input.otherAmount ?? '').trim();
  let chosenTile: number | null = null;
  if (!typed && input.amount !== undefined && input.amount !== 'other') {
    const n = whole(input.amount, locale);
    if (n !== null && presets[frequency].includes(n)) chosenTile = n;
    else typed = input.amount; // an amount that is not a tile shows in the field
  }
  const otherChecked = typed !== '' || input.amount === 'other';
  if (!otherChecked && chosenTile === null) chosenTile = defaults[frequency];

  const typedAmount = typed ? whole(typed, locale) : null;
  const amount = chosenTile ?? (typedAmount !== null && typedAmount >= min && typedAmount <= max ? typedAmount : null);
  const amountMinor = amount === null ? null : toMinor(amount, currency);
  const offersCover = coverFeesPercent > 0;
  const coverFees = offersCover && input.coverFees === true;
  const fee = amountMinor === null || !offersCover ? null : feeCoverMinor(amountMinor, coverFeesPercent, currency);
  const charge = amountMinor === null ? null : amountMinor + (coverFees ? fee! : 0);
  const money = (minor: number) => formatMoney(minor, currency, locale);
  const number = (n: number) => new Intl.NumberFormat(locale).format(n);
  const buttons = {
    once: t('donate.button.once', { amount: SLOT }),
    monthly: t('donate.button.monthly', { amount: SLOT }),
    none: t('donate.button.none'),
  };

  return {
    frequency,
    currency,
    currencies: currencyChoices(fundraiser, currency, locale),
    currencyLegend: t('donate.currency.legend'),
    currencySign: currencySign(currency, locale),
    tiles: all.map((a) => ({
      amount: a,
      label: money(toMinor(a, currency)),
      once: presets.once.includes(a),
      monthly: presets.monthly.includes(a),
      checked: a === chosenTile,
    })),
    averageGift: offered.averageGift,
    perMonth: t('donate.perMonth'),
    otherChecked,
    otherAmount: typed,
    placeholder: `${number(min)}–${number(max)}`,
    coverFees,
    feePercent: offersCover ? percentFormat(locale).format(coverFeesPercent / 100) : null,
    feeAmount: fee === null ? null : money(fee),
    button: charge === null ? buttons.none : buttons[frequency].replace(SLOT, money(charge)),
    buttonPlain: buttons.none,
    data: JSON.stringify({
      presets,
      defaults,
      min,
      max,
      currency,
      locale,
      feePercent: coverFeesPercent,
      digits: minorDigits(currency),
      step: minorStep(currency),
      slot: SLOT,
      buttons,
      messages: scriptMessages(offered, words),
    }),
  };
}
