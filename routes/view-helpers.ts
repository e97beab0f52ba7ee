// Functions the templates use; formatting happens here and nowhere earlier.
import type { Config } from '../lib/config.ts';
import { formatMoney, formatNumber, toMinor } from '../lib/money.ts';

export function viewHelpers(config: Config) {
  const currency = config.fundraiser.currency;
  return {
    money: (minor: number, cur: string = currency) => formatMoney(minor, cur),
    wholeMoney: (major: number) => formatMoney(toMinor(major, currency), currency),
    number: (n: number) => formatNumber(n),
    currencySymbol: currencySymbol(currency),
    percentText: (p: number) => `${p >= 10 || p === 0 ? Math.floor(p) : p.toFixed(1)}%`,
    barWidth: (p: number) => Math.min(100, Math.max(0, p)),
  };
}

function currencySymbol(currency: string): string {
  const parts = new Intl.NumberFormat('en-US', { style: 'currency', currency }).formatToParts(0);
  return parts.find((p) => p.type === 'currency')?.value ?? currency.toUpperCase();
}

export type ViewHelpers = ReturnType<typeof viewHelpers>;
