// What the banner shows, for both embeds: the iframe page renders it, and the script embed
// gets it as /embed/banner.json (fields are only ever added to that contract). Built once per
// revision of the figures and language by the fast lane; its words are in the reader's language.
import type { AppDeps } from '../lib/wiring.ts';
import { parseDonation } from '../lib/appeal/donation-options.ts';
import { appealNumbers, fillCopy } from '../lib/appeal/copy.ts';
import { toMinor } from '../lib/money.ts';
import type { Progress } from '../lib/ledger/types.ts';
import type { Translator } from '../lib/i18n/translator.ts';
import type { Look } from '../lib/experiments/looks.ts';
import { BANNER_QUERY } from '../lib/experiments/assign.ts';

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

function offered(deps: AppDeps, fundraiser: Look['fundraiser'], list: readonly number[]): number[] {
  const ok = (a: number) => parseDonation({ amount: String(a) }, fundraiser).ok;
  const amounts = list.filter(ok);
  return amounts.length ? amounts : namedAmounts(deps);
}

/** The amounts the appeal's words name in the campaign's currency ($5 and $25; ¥500 and ¥3,000). */
function namedAmounts(deps: AppDeps): number[] {
  const main = deps.config.fundraiser.form.currencies[0]!;
  return [main.smallGift, main.averageGift];
}

/** Until when a gift (or "I already gave") hides the banner: EMBED_GIFT_HIDE_DAYS, else the campaign's end. */
export function giftHiddenUntil(deps: AppDeps, now: Date, progress: Progress): Date {
  const days = deps.config.embed.giftHideDays;
  return days ? new Date(now.getTime() + days * DAY_MS) : new Date(progress.endsAt);
}

/**
 * `look`: the words and amounts shown (an experiment's variant or the defaults); `variant`: that
 * variant ("12.b"), which the banner's links and form carry to the appeal and to Checkout.
 */
export function bannerModel(deps: AppDeps, look: Look, progress: Progress, tr: Translator, variant?: string) {
  const { currency } = progress;
  const { baseUrl, embed, org } = deps.config;
  const { fundraiser } = look;
  const { t } = tr;
  const numbers = appealNumbers(deps.config, progress, tr);
  const donors = t('banner.donors', { count: progress.donors });
  const money = (a: number) => tr.money(toMinor(a, currency), currency);
  const appeal = look.texts[tr.lang];
  const amounts = bannerAmounts(fundraiser.form);
  const once = offered(deps, fundraiser, amounts.once);
  const monthly = offered(deps, fundraiser, amounts.monthly);
  const clicked = variant ? `&${BANNER_QUERY}=${variant}` : '';
  const defaultAmount = once.includes(fundraiser.form.defaults.once) ? fundraiser.form.defaults.once : once[0]!;
  return {
    /** The language of the words (the script banner marks its box with it). */
    lang: tr.lang,
    label: t('banner.label', { org: fundraiser.orgName }),
    headline: appeal.headline,
    text: fillCopy(appeal.banner, numbers),
    raisedText: tr.money(progress.raised, currency),
    ofGoalText: t('banner.ofGoal', { goal: tr.money(progress.goal, currency), donors }),
    barPercent: Math.min(100, Math.max(0, progress.percent)),
    // The drawn width: from the first gift at least a sliver, so a reader sees the bar move
    // (barPercent and the text keep the true figure).
    fillPercent: progress.raised > 0 ? Math.min(100, Math.max(1.5, progress.percent)) : 0,
    // Links to the appeal with an amount chosen (the first contract; kept for old embeds).
    links: namedAmounts(deps).map((a) => ({
      text: t('banner.give', { amount: money(a) }),
      href: `${baseUrl}/?amount=${a}&lang=${tr.lang}${clicked}#main`,
    })),
    closeLabel: t('banner.close'),
    closeDays: embed.closeDays,
    // The choice inside the banner: a form posted to donateUrl in the top window.
    donateUrl: `${baseUrl}/donate`,
    otherAmountUrl: `${baseUrl}/?lang=${tr.lang}${clicked}#main`,
    /** The experiment's variant shown, for the form to post (absent: no banner experiment runs). */
    ...(variant ? { variant } : {}),
    amounts: once.map((a) => ({ value: a, text: money(a), monthly: monthly.includes(a) })),
    defaultAmount,
    frequencies: [
      { value: 'once', text: t('banner.once') },
      { value: 'monthly', text: t('banner.monthly') },
    ],
    monthlySuffix: t('banner.perMonth'),
    giveText: t('banner.give', { amount: money(defaultAmount) }),
    // The script fills in the amount chosen: "Give {amount} monthly".
    giveOnceTemplate: t('banner.giveOnce', { amount: '{amount}' }),
    giveMonthlyTemplate: t('banner.giveMonthly', { amount: '{amount}' }),
    howOftenLabel: t('banner.howOften'),
    amountLabel: t('banner.amount'),
    otherAmountText: t('banner.otherAmount'),
    privacyText: t('banner.privacy'),
    laterLabel: t('banner.later'),
    gaveLabel: t('banner.gave'),
    /** "I already gave" hides it this many days; null = until campaignEndsAt. */
    giftHideDays: embed.giftHideDays,
    campaignEndsAt: progress.endsAt,
    privacyUrl: org.privacyUrl,
  };
}

export type BannerModel = ReturnType<typeof bannerModel>;
