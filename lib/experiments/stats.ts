// The arithmetic behind appeal experiments: which variant raises more money per 1,000 readers,
// and how sure we can be. Pure: counts in, numbers and a sentence for staff out.
//
// Method:
// - Conversion (donors / impressions): Wilson score interval at the chosen confidence (it stays
//   inside 0..1 and behaves at 0 donors, where the textbook p ± z·se does not). Two variants'
//   conversions are compared with the pooled two-proportion z-test, two-sided, unadjusted.
// - Money per impression: each impression is worth its donor's net total, or 0 when it brought no
//   gift. Per variant, the mean over impressions and the sample variance (n − 1) come from the donor
//   totals alone: the n − donors zeros add (n − donors)·mean² to the squared deviations.
//   Interval: mean ± z·sd/√n. Everything is shown per 1,000 impressions.
// - The leader is the variant with the most money per impression (ties go to the earlier variant,
//   so the control keeps a tie). Its lead over each other variant gets Welch's interval,
//   difference ± z·√(s₁²/n₁ + s₂²/n₂), with the normal quantile for z instead of Student's t: with
//   the thousand-plus impressions a verdict needs, t's quantile differs from it in the third decimal.
//   (The larger error is the skew of a mean made of a few big gifts; minDonors keeps it in bounds.)
// - Bonferroni: with k variants the leader is compared k − 1 times, each at confidence
//   1 − (1 − confidence)/(k − 1), so "95% sure" holds for the claim as a whole.
// - Impressions are taken as at least the donor count (counts are written a little after gifts).
// - Verdict: 'not-enough-data' while any variant has fewer than minImpressions impressions (at least
//   2, for a variance) or minDonors donors; 'winner' when every one of the leader's intervals lies
//   above 0; otherwise 'no-difference'.
// The confidence holds for one look at the numbers: checking every day and stopping at the first
// 'winner' makes a false winner likelier, which the minimums only partly offset.
// The verdict text names variants by their key in capitals ("B"), short enough for a sentence and
// matching staff's names ("B: the long letter"); options.label changes that.
import { errorFunction, probit } from 'simple-statistics';
import { formatNumber } from '../money.ts';

export interface VariantInput {
  key: string; // 'a'..'d'
  name: string; // staff's label, e.g. "A: the short letter"
  impressions: number;
  clicks: number;
  checkouts: number;
  /** Net money per donor, minor units (one entry per donor). donors = donorTotals.length */
  donorTotals: number[];
}

export interface Interval {
  value: number;
  low: number;
  high: number;
}

export interface VariantResult {
  key: string;
  name: string;
  /** Readers shown it, raised to the donor count when the impressions counted lag behind the gifts. */
  impressions: number;
  clicks: number;
  checkouts: number;
  donors: number;
  /** Sum of donorTotals. */
  raisedMinor: number;
  /** donors / impressions with its Wilson interval; null with 0 impressions. */
  conversion: Interval | null;
  /** clicks / impressions; null with 0 impressions. */
  clickRate: number | null;
  /** Money (minor units) per 1,000 impressions with its interval (low no less than 0); null under 2 impressions. */
  perThousand: Interval | null;
  /** raisedMinor / donors; null with no donors. */
  averageGift: number | null;
}

export type VerdictKind = 'not-enough-data' | 'no-difference' | 'winner';

export interface Verdict {
  kind: VerdictKind;
  /** The leading variant's key by money per 1,000 impressions; null while no variant has raised anything. */
  leader: string | null;
  /** Confidence of the verdict as a whole, e.g. 0.95 (each comparison uses the Bonferroni share). */
  confidence: number;
  /** Plain words for staff, English. */
  text: string;
  /**
   * Per other variant with at least 2 impressions, in input order: the leader's lead in money per
   * 1,000 impressions with its Welch interval, and the two-proportion z-test's p-value on conversion
   * (null when neither or both variants convert everyone, where the test is undefined).
   */
  comparisons: Array<{ against: string; lead: Interval; conversionPValue: number | null }>;
}

export interface Analysis {
  variants: VariantResult[];
  verdict: Verdict;
}

export interface AnalysisOptions {
  /** Between 0.5 and 0.9999; default 0.95. */
  confidence?: number;
  /** Per variant; default 1,000. */
  minImpressions?: number;
  /** Per variant; default 10. */
  minDonors?: number;
  /** Formats whole minor units for the verdict text, e.g. (m) => '$1.23'. Default: (m) => (m/100).toFixed(2) */
  money?: (minor: number) => string;
  /** A variant's name in the verdict text. Default: its key in capitals. */
  label?: (variant: VariantInput) => string;
}

const DEFAULTS = {
  confidence: 0.95,
  minImpressions: 1000,
  minDonors: 10,
  money: (minor: number) => (minor / 100).toFixed(2),
  label: (variant: VariantInput) => variant.key.toUpperCase(),
};

/** Below this the per-impression variance (n − 1) is undefined. */
const LEAST_IMPRESSIONS = 2;

export function analyse(variants: VariantInput[], options: AnalysisOptions = {}): Analysis {
  if (!Array.isArray(variants) || variants.length < 2) {
    throw new Error(`an experiment needs at least 2 variants to compare (got ${variants?.length ?? 0})`);
  }
  const settings = settingsOf(options);
  const keys = new Set<string>();
  for (const v of variants) {
    checkVariant(v);
    if (keys.has(v.key)) throw new Error(`variant key "${v.key}" appears twice`);
    keys.add(v.key);
  }

  // Every donor was shown the variant; impression counts reach the database a little later than
  // gifts do (and lose what an instance had not yet written when it crashed), so they are raised
  // to the donor count rather than let conversion pass 100%.
  const counted = variants.map((v) => ({ ...v, impressions: Math.max(v.impressions, v.donorTotals.length) }));
  const results = counted.map((v) => resultOf(v, settings.confidence));
  const moments = counted.map(momentsOf);
  const label = new Map(variants.map((v) => [v.key, settings.label(v)]));

  const leaderIndex = leaderOf(moments);
  const comparisons: Verdict['comparisons'] = [];
  if (leaderIndex !== null) {
    // Bonferroni: k − 1 comparisons share the error rate.
    const z = twoSidedZ(1 - (1 - settings.confidence) / (variants.length - 1));
    moments.forEach((other, i) => {
      if (i === leaderIndex || other.n < LEAST_IMPRESSIONS) return;
      const leader = moments[leaderIndex]!;
      comparisons.push({
        against: variants[i]!.key,
        lead: scaled(welch(leader, other, z)),
        conversionPValue: twoProportionP(leader.donors, leader.n, other.donors, other.n),
      });
    });
  }
  const leader = leaderIndex === null ? null : variants[leaderIndex]!.key;
  const name = (key: string) => label.get(key)!;

  const base = { leader, confidence: settings.confidence, comparisons };
  const lacking = lackingText(results, settings, name);
  if (lacking) return { variants: results, verdict: { ...base, kind: 'not-enough-data', text: lacking } };
  if (leader === null) {
    return {
      variants: results,
      verdict: { ...base, kind: 'no-difference', text: 'No clear difference yet: no variant has raised any money.' },
    };
  }

  const sure = `(${percent(settings.confidence)} sure)`;
  const clear = comparisons.filter((c) => c.lead.low > 0);
  if (clear.length === comparisons.length && comparisons.length === variants.length - 1) {
    const others = listOf(comparisons.map((c) => name(c.against)));
    const text = `${name(leader)} raises more money per 1,000 readers than ${others} ${sure}.`;
    return { variants: results, verdict: { ...base, kind: 'winner', text } };
  }
  const leads = listOf(comparisons.map((c) => `${name(c.against)} by ${settings.money(Math.round(c.lead.value))}`));
  const unclear = comparisons.filter((c) => c.lead.low <= 0).map((c) => name(c.against));
  const text =
    clear.length === 0
      ? `No clear difference yet: ${name(leader)} leads ${leads} per 1,000 readers, but it could be chance.`
      : `No clear winner yet: ${name(leader)} leads ${leads} per 1,000 readers; its lead over ` +
        `${listOf(clear.map((c) => name(c.against)))} is clear ${sure}, but over ${listOf(unclear)} it could be chance.`;
  return { variants: results, verdict: { ...base, kind: 'no-difference', text } };
}

interface Settings {
  confidence: number;
  minImpressions: number;
  minDonors: number;
  money: (minor: number) => string;
  label: (variant: VariantInput) => string;
}

function settingsOf(options: AnalysisOptions): Settings {
  const s = { ...DEFAULTS, ...definedOnly(options) };
  // Beyond 99.99% the quantile would rest on the far tail of an approximation.
  if (!(s.confidence >= 0.5 && s.confidence <= 0.9999)) {
    throw new RangeError(`confidence must be between 0.5 and 0.9999 (got ${s.confidence})`);
  }
  for (const key of ['minImpressions', 'minDonors'] as const) {
    if (!Number.isSafeInteger(s[key]) || s[key] < 0) {
      throw new RangeError(`${key} must be a whole number, 0 or more (got ${s[key]})`);
    }
  }
  return s;
}

// `{ confidence: undefined }` means the default, as an omitted key does.
function definedOnly(options: AnalysisOptions): AnalysisOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function checkVariant(v: VariantInput): void {
  const what = `variant "${String(v?.key)}"`;
  if (typeof v?.key !== 'string' || v.key === '') throw new Error('every variant needs a key');
  if (typeof v.name !== 'string') throw new Error(`${what} needs a name`);
  for (const field of ['impressions', 'clicks', 'checkouts'] as const) {
    if (!isCount(v[field]))
      throw new RangeError(`${what}: ${field} must be a whole number, 0 or more (got ${v[field]})`);
  }
  if (!Array.isArray(v.donorTotals)) throw new RangeError(`${what}: donorTotals must be an array`);
  const bad = v.donorTotals.find((t) => !isCount(t));
  if (bad !== undefined) {
    throw new RangeError(`${what}: each donor total must be whole minor units, 0 or more (got ${bad})`);
  }
}

function isCount(n: unknown): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** The per-impression money of one variant: n values, donors of them non-zero. */
interface Moments {
  n: number;
  donors: number;
  mean: number;
  /** Sample variance (n − 1); 0 under 2 impressions. */
  variance: number;
}

function momentsOf(v: VariantInput): Moments {
  const n = v.impressions;
  const donors = v.donorTotals.length;
  if (n === 0) return { n, donors, mean: 0, variance: 0 };
  const mean = sum(v.donorTotals) / n;
  // Deviations from the mean, not sum of squares minus n·mean², which loses digits to cancellation
  // once the totals run into millions of minor units.
  let squares = (n - donors) * mean * mean;
  for (const t of v.donorTotals) squares += (t - mean) ** 2;
  return { n, donors, mean, variance: n < LEAST_IMPRESSIONS ? 0 : squares / (n - 1) };
}

function resultOf(v: VariantInput, confidence: number): VariantResult {
  const n = v.impressions;
  const donors = v.donorTotals.length;
  const raisedMinor = sum(v.donorTotals);
  const z = twoSidedZ(confidence);
  const m = momentsOf(v);
  let perThousand: Interval | null = null;
  if (n >= LEAST_IMPRESSIONS) {
    const half = z * Math.sqrt(m.variance / n);
    // No variant can raise less than nothing, whatever the normal approximation says.
    perThousand = scaled({ value: m.mean, low: Math.max(0, m.mean - half), high: m.mean + half });
  }
  return {
    key: v.key,
    name: v.name,
    impressions: n,
    clicks: v.clicks,
    checkouts: v.checkouts,
    donors,
    raisedMinor,
    conversion: n === 0 ? null : wilson(donors, n, z),
    clickRate: n === 0 ? null : v.clicks / n,
    perThousand,
    averageGift: donors === 0 ? null : raisedMinor / donors,
  };
}

/** The index of the variant with the most money per impression; null while none has raised anything. */
function leaderOf(moments: Moments[]): number | null {
  let best: number | null = null;
  moments.forEach((m, i) => {
    if (m.n >= LEAST_IMPRESSIONS && m.mean > 0 && (best === null || m.mean > moments[best]!.mean)) best = i;
  });
  return best;
}

/** Wilson score interval for x successes in n trials. */
function wilson(x: number, n: number, z: number): Interval {
  const p = x / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Welch's interval for mean(a) − mean(b), per impression. */
function welch(a: Moments, b: Moments, z: number): Interval {
  const difference = a.mean - b.mean;
  const half = z * Math.sqrt(a.variance / a.n + b.variance / b.n);
  return { value: difference, low: difference - half, high: difference + half };
}

/** Pooled two-proportion z-test, two-sided; null when the pooled rate is 0 or 1 (no variance to test against). */
function twoProportionP(x1: number, n1: number, x2: number, n2: number): number | null {
  if (n1 === 0 || n2 === 0) return null;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return null;
  return twoSidedP((x1 / n1 - x2 / n2) / se);
}

/**
 * P(|Z| ≥ |z|) = erfc(|z|/√2), from the library's erf (fractional error under 1.2e-7). Its
 * cumulativeStdNormalProbability is a 4-decimal table that stops at 0.999, too coarse for p-values.
 */
function twoSidedP(z: number): number {
  return Math.min(1, Math.max(0, 1 - errorFunction(Math.abs(z) / Math.SQRT2)));
}

/**
 * The z for a two-sided interval at this confidence: the normal quantile at 1 − (1 − c)/2.
 * The library's probit is a closed-form approximation (1.9572 where the quantile is 1.95996,
 * intervals 0.14% too narrow), so Newton's method on its erf takes it the rest of the way.
 */
function twoSidedZ(confidence: number): number {
  const p = 1 - (1 - confidence) / 2;
  let z = probit(p);
  for (let i = 0; i < 20; i++) {
    const step = (0.5 * (1 + errorFunction(z / Math.SQRT2)) - p) / (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI));
    z -= step;
    if (Math.abs(step) < 1e-12) break;
  }
  if (!Number.isFinite(z)) throw new RangeError(`no normal quantile for confidence ${confidence}`);
  return z;
}

function scaled(i: Interval): Interval {
  return { value: i.value * 1000, low: i.low * 1000, high: i.high * 1000 };
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** What keeps the verdict from being given, or null when every variant has enough. */
function lackingText(results: VariantResult[], s: Settings, name: (key: string) => string): string | null {
  const minImpressions = Math.max(s.minImpressions, LEAST_IMPRESSIONS);
  const short = results.flatMap((r) => {
    const missing = [
      r.impressions < minImpressions ? count(r.impressions, 'impression') : null,
      r.donors < s.minDonors ? count(r.donors, 'donor') : null,
    ].filter((m) => m !== null);
    return missing.length === 0 ? [] : [`${name(r.key)} has ${listOf(missing)}`];
  });
  if (short.length === 0) return null;
  const needs = [count(minImpressions, 'impression'), s.minDonors > 0 ? count(s.minDonors, 'donor') : null];
  const need = listOf(needs.filter((n) => n !== null));
  return `Not enough data yet: each variant needs at least ${need}; ${short.join(', ')}.`;
}

function count(n: number, noun: string): string {
  return `${formatNumber(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** "A", "A and C", "A, C and D". */
function listOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** 0.95 → "95%", 0.995 → "99.5%". */
function percent(confidence: number): string {
  return `${Number((confidence * 100).toFixed(2))}%`;
}
