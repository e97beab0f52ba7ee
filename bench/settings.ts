// What every part of a bench run shares: its settings (environment variables, so a run can be
// shortened while working on one path), the log line and the shape of one load round.
import type { LoadSpec } from './load.ts';

export const SMALL = Number(process.env.BENCH_SMALL_GIFTS ?? 1_000);
export const LARGE = Number(process.env.BENCH_LARGE_GIFTS ?? 1_000_000);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
export const MB = 1024 * 1024;

export const log = (s: string) => process.stdout.write(`${s}\n`);

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One round against `url` with the run's connections and seconds. */
export const spec = (url: string, extra: Partial<LoadSpec> = {}): LoadSpec => ({
  url,
  connections: CONNECTIONS,
  seconds: SECONDS,
  ...extra,
});

/** The apps a part measures: the same campaign seeded small and large, on one database kind. */
export interface BenchApp {
  name: string;
  url: string;
  child: import('node:child_process').ChildProcess;
  databaseUrl: string;
  campaign: string;
  gifts: number;
}
