// The numbers in the appeal's words come from the ledger and the settings, never from the
// text: the average gift is the real one once enough donors exist, else a configured figure.
// They are written in the reader's language ("4 million", "4 Millionen", "$25", "25 $").
import type { Config } from '../config.ts';
import type { Progress } from '../ledger/types.ts';
import type { Translator } from '../i18n/translator.ts';
import { minorDigits, toMinor } from '../money.ts';
import { formOf } from '../config-donate.ts';

export interface AppealNumbers {
  averageGift: string;
  readers: string;
  donors: string;
  smallGift: string;
}

/** `shown`: the currency the form shows, which "if everyone gave {smallGift}" speaks in (default: the campaign's). */
export function appealNumbers(config: Config, progress: Progress, tr: Translator, shown?: string): AppealNumbers {
  const { averageGiftFallback, averageGiftMinDonors, readersPerMonth } = config.appealNumbers;
  const unit = 10 ** minorDigits(progress.currency);
  const average =
    progress.donors >= averageGiftMinDonors
      ? Math.round(progress.raised / progress.donors / unit) * unit
      : toMinor(averageGiftFallback, progress.currency);
  return {
    averageGift: tr.money(average, progress.currency),
    readers: readersText(readersPerMonth, tr),
    donors: tr.number(progress.donors),
    smallGift: smallGift(config, shown ?? progress.currency, tr),
  };
}

/** "If everyone gave {smallGift}": the currency's own small round amount (¥500, not ¥5; £3 beside $5). */
function smallGift(config: Config, currency: string, tr: Translator): string {
  const form = formOf(config.fundraiser.form, currency) ?? config.fundraiser.form.currencies[0]!;
  return tr.money(toMinor(form.smallGift, form.currency), form.currency);
}

/** 4000000 -> "4 million", 250000 -> "250,000": how a person would write it in a letter. */
function readersText(n: number, tr: Translator): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return tr.t('numbers.million', { n: n / 1_000_000 });
  return tr.number(n);
}

export function fillCopy(text: string, n: AppealNumbers): string {
  return text.replace(/\{(averageGift|readers|donors|smallGift)\}/g, (_, k: keyof AppealNumbers) => n[k]);
}
