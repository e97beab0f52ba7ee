// What a bench run reports: the table (printed, and written as Markdown), the chart of the
// ratios, and the results files for a whole run (bench/results/<date>.json, .md, .svg).
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/config.ts';
import { chartSvg } from './chart.ts';
import type { LoadResult } from './load.ts';

export interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  baseline?: string;
  ratio?: number;
  vsNode?: number;
  target?: string;
  pass?: boolean;
  note?: string;
}

/** The figures of a load result a row shows. */
export const pick = (r: LoadResult) => ({ rps: r.rps, p50: r.p50, p99: r.p99 });

/** Throughput ratios, and the flatness rows labelled as the latency ratio they are. */
function chartBars(rows: Row[]) {
  return rows
    .filter((r) => r.ratio !== undefined)
    .map((r) => ({
      label: r.target?.startsWith('p50') ? `${r.scenario}: p50 / p50 at fewer gifts` : r.scenario,
      ratio: r.ratio!,
      target: r.target ?? '',
      pass: r.pass !== false,
    }));
}

export function markdownTable(rows: Row[]): string {
  const f = (n: number, d = 0) =>
    Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d }) : '';
  const lines = [
    '| Scenario | req/s | p50 ms | p99 ms | Ratio | vs node:http | Target | Result |',
    '|---|--:|--:|--:|--:|--:|---|---|',
  ];
  for (const r of rows) {
    const result = r.pass === undefined ? (r.note ?? '') : `${r.pass ? 'PASS' : 'FAIL'}${r.note ? ` (${r.note})` : ''}`;
    lines.push(
      `| ${r.scenario} | ${f(r.rps)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ` +
        `${r.ratio === undefined ? '' : f(r.ratio, 2)} | ${r.vsNode === undefined ? '' : f(r.vsNode, 2)} | ` +
        `${r.target ?? ''} | ${result} |`,
    );
  }
  return lines.join('\n');
}

/** Writes the results files of a whole run; returns their date stamp. */
export function writeResults(rows: Row[], machine: string, settings: Record<string, number>, elapsed: number): string {
  const table = markdownTable(rows);
  const resultsDir = path.join(PROJECT_ROOT, 'bench/results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 10);
  fs.writeFileSync(
    path.join(resultsDir, `${stamp}.json`),
    `${JSON.stringify({ date: new Date().toISOString(), machine, settings, elapsedSeconds: elapsed, rows }, null, 2)}\n`,
  );
  fs.writeFileSync(
    path.join(resultsDir, `${stamp}.md`),
    `Machine: ${machine}. Settings: ${JSON.stringify(settings)}.\n\n${table}\n`,
  );
  fs.writeFileSync(path.join(resultsDir, `${stamp}.svg`), chartSvg(chartBars(rows), machine));
  return stamp;
}
