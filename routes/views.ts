// Functions the templates use (formatting happens here and nowhere earlier), views rendered
// to a string for the responses the fast lane keeps, and what a client asked to be sent.
import type { Application, Request } from 'express';
import type { Config } from '../lib/config.ts';
import { formatMoney, formatNumber, minorDigits, toMinor } from '../lib/money.ts';
import type { PledgeStatus } from '../lib/ledger/types.ts';
import { translator } from '../lib/i18n/translator.ts';
import { escapeHtml } from './i18n.ts';

export function viewHelpers(config: Config, asset: (name: string) => string) {
  const currency = config.fundraiser.currency;
  return {
    /** A static file's fingerprinted URL (cached a year): h.asset('site.css'). */
    asset,
    /** This site's absolute URL for a path (canonical link, Open Graph). */
    absoluteUrl: (p: string) => new URL(p, config.baseUrl).href,
    orgName: config.fundraiser.orgName,
    /** The meta description of a page that gives none of its own. */
    siteDescription: `${config.fundraiser.orgName}'s annual fundraiser: give once or monthly, and see every gift on the live progress bar.`,
    money: (minor: number, cur: string = currency) => formatMoney(minor, cur),
    wholeMoney: (major: number) => formatMoney(toMinor(major, currency), currency),
    /** Minor units as a plain number of major units, for form fields. */
    major: (minor: number, cur: string = currency) => minor / 10 ** minorDigits(cur),
    number: (n: number) => formatNumber(n),
    currencySymbol: currencySymbol(currency),
    /** The staff pages' share of the goal (in English; readers' pages use their Translator's percent). */
    percentText: (p: number) => translator('en').percent(p),
    /** For markup built around a message's words (tHtml's slots). */
    escape: escapeHtml,
    barWidth: (p: number) => Math.min(100, Math.max(0, p)),
    /** The true share of the goal raised, unrounded (the text rounds it down, never up). */
    share: (raised: number, goal: number) => (goal > 0 ? (raised / goal) * 100 : 0),
    barFill,
    pledgeStates: PLEDGE_STATE_WORDS,
    /** The organisation's details for the public footer (views/partials/org.ejs). */
    organisation: config.org,
    changeDetail,
  };
}

/**
 * A change log entry's detail for people. The ledger writes amounts as minor units and a
 * currency ("25000 usd received ...", "campaign 2026: 100000 -> 250000 usd"), as it has from
 * the start, so they are formatted here, at render time: old entries read right too.
 */
export function changeDetail(action: string, detail: string): string {
  if (action === 'goal') {
    const m = /^(campaign \S+): (\d+) -> (\d+) ([a-z]{3})$/.exec(detail);
    if (m) return `${m[1]}: ${formatMoney(Number(m[2]), m[4]!)} → ${formatMoney(Number(m[3]), m[4]!)}`;
  }
  if (action === 'offline gift') {
    const m = /^(\d+) ([a-z]{3}) received (\d{4}-\d{2}-\d{2})\S* (\(\S+\)): ([\s\S]*)$/.exec(detail);
    if (m) return `${formatMoney(Number(m[1]), m[2]!)} received ${m[3]} ${m[4]}: ${m[5]}`;
  }
  return detail;
}

/** The staff dashboard's words for each pledge state, in the order it lists them. */
const PLEDGE_STATE_WORDS: ReadonlyArray<{ status: PledgeStatus; label: string; means: string }> = [
  { status: 'active', label: 'Active', means: 'Giving every month' },
  { status: 'ending', label: 'Ending', means: 'Cancelled; ends when the paid month is over' },
  { status: 'past_due', label: 'Past due', means: 'A renewal failed; Stripe is retrying the card' },
  { status: 'unpaid', label: 'Unpaid', means: "Stripe's retries gave up; no further charges until the donor pays" },
  { status: 'paused', label: 'Paused', means: 'Collection paused; nothing is charged meanwhile' },
  { status: 'ended', label: 'Ended', means: 'Cancelled by the donor, staff, or after failed payments' },
];

/** A first gift on a big goal would fill no visible pixel: from the first cent the bar shows this much. */
const MIN_FILL_PERCENT = 2;

function barFill(p: number): number {
  if (!(p > 0)) return 0;
  return Math.min(100, Math.max(MIN_FILL_PERCENT, Math.round(p * 100) / 100));
}

function currencySymbol(currency: string): string {
  const parts = new Intl.NumberFormat('en-US', { style: 'currency', currency }).formatToParts(0);
  return parts.find((p) => p.type === 'currency')?.value ?? currency.toUpperCase();
}

/** Renders a view to a string, with the app's locals (as res.render does). */
export type RenderView = (view: string, locals: object) => Promise<string>;

export function viewRenderer(app: Application): RenderView {
  return (view, locals) =>
    new Promise((resolve, reject) => app.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
}

/** The client asked for JSON rather than a page (the form's fetch, an API client). */
export const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json';
