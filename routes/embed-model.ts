// What the banner shows, for both embeds: the iframe page renders it, and the script embed
// gets it as /embed/banner.json (fields are only ever added to that contract). Built once per
// revision of the figures by the fast lane.
import type { AppDeps } from '../lib/wiring.ts';
import { parseDonation, PRESET_AMOUNTS } from '../lib/appeal/donation-options.ts';
import { appealNumbers, fillCopy } from '../lib/appeal/copy.ts';
import { formatMoney, toMinor } from '../lib/money.ts';
import type { Progress } from '../lib/ledger/types.ts';

export const DAY_MS = 86_400_000;

/** At most this many amount buttons: fewer than the appeal's form, so the banner stays a few lines tall on a phone. */
const BANNER_AMOUNT_COUNT = 4;

/**
 * The banner's one-off amounts: the configured presets nearest the preselected one (which is
 * always among them), in ascending order. Monthly offers those of them that are monthly presets.
 */
function bannerAmounts(form: AppDeps['config']['fundraiser']['form']) {
  const target = form.defaults.once;
  const once = [...form.presets.once]
    .sort((a, b) => Math.abs(a - target) - Math.abs(b - target) || a - b)
    .slice(0, BANNER_AMOUNT_COUNT)
    .sort((a, b) => a - b);
  return { once, monthly: form.presets.monthly };
}

function offered(deps: AppDeps, list: readonly number[]): number[] {
  const ok = (a: number) => parseDonation({ amount: String(a) }, deps.config.fundraiser).ok;
  const amounts = list.filter(ok);
  return amounts.length ? amounts : [...PRESET_AMOUNTS];
}

/** Until when a gift (or "I already gave") hides the banner: EMBED_GIFT_HIDE_DAYS, else the campaign's end. */
export function giftHiddenUntil(deps: AppDeps, now: Date, progress: Progress): Date {
  const days = deps.config.embed.giftHideDays;
  return days ? new Date(now.getTime() + days * DAY_MS) : new Date(progress.endsAt);
}

export function bannerModel(deps: AppDeps, progress: Progress) {
  const { currency } = progress;
  const { baseUrl, fundraiser, embed, org } = deps.config;
  const numbers = appealNumbers(deps.config, progress);
  const donors = `${numbers.donors} ${progress.donors === 1 ? 'donor' : 'donors'}`;
  const money = (a: number) => formatMoney(toMinor(a, currency), currency);
  const amounts = bannerAmounts(fundraiser.form);
  const once = offered(deps, amounts.once);
  const monthly = offered(deps, amounts.monthly);
  const defaultAmount = once.includes(fundraiser.form.defaults.once) ? fundraiser.form.defaults.once : once[0]!;
  return {
    label: `${fundraiser.orgName} fundraiser`,
    headline: deps.appeal.headline,
    text: fillCopy(deps.appeal.banner, numbers),
    raisedText: formatMoney(progress.raised, currency),
    ofGoalText: `raised of ${formatMoney(progress.goal, currency)} · ${donors}`,
    barPercent: Math.min(100, Math.max(0, progress.percent)),
    // The drawn width: from the first gift at least a sliver, so a reader sees the bar move
    // (barPercent and the text keep the true figure).
    fillPercent: progress.raised > 0 ? Math.min(100, Math.max(1.5, progress.percent)) : 0,
    // Links to the appeal with an amount chosen (the first contract; kept for old embeds).
    links: PRESET_AMOUNTS.map((a) => ({ text: `Give ${money(a)}`, href: `${baseUrl}/?amount=${a}#main` })),
    closeLabel: 'Close the fundraiser banner',
    closeDays: embed.closeDays,
    // The choice inside the banner: a form posted to donateUrl in the top window.
    donateUrl: `${baseUrl}/donate`,
    otherAmountUrl: `${baseUrl}/#main`,
    amounts: once.map((a) => ({ value: a, text: money(a), monthly: monthly.includes(a) })),
    defaultAmount,
    frequencies: [
      { value: 'once', text: 'Once' },
      { value: 'monthly', text: 'Monthly' },
    ],
    monthlySuffix: '/month',
    giveText: `Give ${money(defaultAmount)}`,
    laterLabel: 'Maybe later',
    gaveLabel: 'I already gave',
    /** "I already gave" hides it this many days; null = until campaignEndsAt. */
    giftHideDays: embed.giftHideDays,
    campaignEndsAt: progress.endsAt,
    privacyUrl: org.privacyUrl,
  };
}

export type BannerModel = ReturnType<typeof bannerModel>;
