// Interleaved rounds: each side of a comparison is loaded in turn, five rounds each by default,
// in alternating order, so drift in this machine's speed hits all sides alike; medians kept.
import { load } from './processes.ts';
import type { LoadResult, LoadSpec } from './load.ts';
import { log, median, ROUNDS } from './settings.ts';

export type Round = LoadResult & { roundP50s: number[]; roundRps: number[] };

function summarise(rs: LoadResult[]): Round {
  return {
    requests: rs.reduce((s, x) => s + x.requests, 0),
    rps: median(rs.map((x) => x.rps)),
    p50: median(rs.map((x) => x.p50)),
    p99: median(rs.map((x) => x.p99)),
    non2xx: rs.reduce((s, x) => s + x.non2xx, 0),
    errors: rs.reduce((s, x) => s + x.errors, 0),
    timeouts: rs.reduce((s, x) => s + x.timeouts, 0),
    roundP50s: rs.map((x) => x.p50),
    roundRps: rs.map((x) => x.rps),
  };
}

/**
 * Each side's rounds; a side is one spec, or several loaded at once (two instances, each from
 * its own load process), whose round is then their sum. `fresh` sides are built anew per round
 * (webhook rounds need new event ids).
 */
export async function compare(
  label: string,
  sides: Record<string, LoadSpec | (() => LoadSpec[])>,
): Promise<Record<string, Round>> {
  const names = Object.keys(sides);
  const specsOf = (n: string) => {
    const side = sides[n]!;
    return typeof side === 'function' ? side() : [side];
  };
  const once = async (n: string, seconds?: number): Promise<LoadResult> => {
    const results = await Promise.all(specsOf(n).map((s) => load(seconds ? { ...s, seconds } : s)));
    if (results.length === 1) return results[0]!;
    const sum = (k: 'requests' | 'rps' | 'non2xx' | 'errors' | 'timeouts') => results.reduce((a, r) => a + r[k], 0);
    return {
      requests: sum('requests'),
      rps: sum('rps'),
      non2xx: sum('non2xx'),
      errors: sum('errors'),
      timeouts: sum('timeouts'),
      p50: median(results.map((r) => r.p50)),
      p99: Math.max(...results.map((r) => r.p99)),
    };
  };
  for (const n of names) await once(n, 1); // warm-up, not counted
  const rounds: Record<string, LoadResult[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const n of order) rounds[n]!.push(await once(n));
  }
  const out = Object.fromEntries(names.map((n) => [n, summarise(rounds[n]!)]));
  log(`  ${label}: ${names.map((n) => `${n} ${Math.round(out[n]!.rps)}/s`).join(', ')}`);
  return out;
}

/**
 * a's p50 against b's, round by round (the two measured seconds apart), the median of those
 * ratios: this machine's speed drifts during a run, and a ratio of two medians can pair a fast
 * stretch with a slow one.
 */
export function pairedP50Ratio(a: Round, b: Round): number {
  return median(a.roundP50s.map((p50, i) => p50 / b.roundP50s[i]!));
}

/** a's requests per second against b's, round by round, the median of those ratios (as pairedP50Ratio). */
export function pairedRpsRatio(a: Round, b: Round): number {
  return median(a.roundRps.map((rps, i) => rps / b.roundRps[i]!));
}
