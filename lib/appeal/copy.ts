// The numbers in the appeal's words come from the ledger and the settings, never from the
// text: the average gift is the real one once enough donors exist, else a configured figure.
import type { Config } from '../config.ts';
import type { Progress } from '../ledger/types.ts';
import { PRESET_AMOUNTS } from './donation-options.ts';
import { formatMoney, formatNumber, minorDigits, toMinor } from '../money.ts';

export interface AppealNumbers {
  averageGift: string;
  readers: string;
  donors: string;
  smallGift: string;
}

export function appealNumbers(config: Config, progress: Progress): AppealNumbers {
  const { averageGiftFallback, averageGiftMinDonors, readersPerMonth } = config.appealNumbers;
  const unit = 10 ** minorDigits(progress.currency);
  const average =
    progress.donors >= averageGiftMinDonors
      ? Math.round(progress.raised / progress.donors / unit) * unit
      : toMinor(averageGiftFallback, progress.currency);
  return {
    averageGift: formatMoney(average, progress.currency),
    readers: readersText(readersPerMonth),
    donors: formatNumber(progress.donors),
    smallGift: formatMoney(toMinor(PRESET_AMOUNTS[0], progress.currency), progress.currency),
  };
}

/** 4000000 -> "4 million", 250000 -> "250,000": how a person would write it in a letter. */
function readersText(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${formatNumber(n / 1_000_000)} million`;
  return formatNumber(n);
}

export function fillCopy(text: string, n: AppealNumbers): string {
  return text.replace(/\{(averageGift|readers|donors|smallGift)\}/g, (_, k: keyof AppealNumbers) => n[k]);
}
