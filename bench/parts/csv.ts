// The CSV export on an instance of its own over the large ledger, so its peak memory is the
// export's own, and the instances measured after it have not just streamed a million rows.
// Then the readers' figures on that instance right after the export against an instance
// started beside it on the same database that has not exported (issue #20).
import { compare, pairedP50Ratio } from '../compare.ts';
import { launchApp, stop } from '../processes.ts';
import { pick, type Row } from '../report.ts';
import { csvExport } from '../staff-client.ts';
import { log, spec, type BenchApp } from '../settings.ts';

const AFTER_EXPORT_TARGET = 0.9;

export async function csvRows(large: BenchApp): Promise<Row[]> {
  const exporter = await launchApp(`${large.name}-csv`, large.databaseUrl);
  // Started before the export, so the two differ by the export alone.
  const fresh = await launchApp(`${large.name}-fresh`, large.databaseUrl);
  const csv = await csvExport(exporter);
  log(
    `  CSV export: ${csv.rows.toLocaleString('en')} rows, ${csv.mb.toFixed(0)} MB in ${csv.seconds.toFixed(1)} s, app peak RSS ${csv.peakMb.toFixed(0)} MB`,
  );
  const r = await compare('GET /api/progress right after the CSV export', {
    exported: spec(`${exporter.url}/api/progress`),
    fresh: spec(`${fresh.url}/api/progress`),
  });
  stop(exporter);
  stop(fresh);
  const ratio = r.exported!.rps / r.fresh!.rps;
  const p50 = pairedP50Ratio(r.exported!, r.fresh!);
  return [
    {
      scenario: `CSV export, ${csv.rows.toLocaleString('en')} gifts`,
      rps: csv.rows / csv.seconds,
      p50: NaN,
      p99: NaN,
      target: 'peak RSS < 150 MB',
      pass: csv.peakMb < 150,
      note: `${csv.mb.toFixed(0)} MB in ${csv.seconds.toFixed(1)} s, peak RSS ${csv.peakMb.toFixed(0)} MB`,
    },
    {
      scenario: `GET /api/progress right after the CSV export of ${csv.rows.toLocaleString('en')} gifts`,
      ...pick(r.exported!),
      baseline: 'a fresh instance on the same database',
      ratio,
      target: `>= ${AFTER_EXPORT_TARGET} x the fresh instance`,
      pass: ratio >= AFTER_EXPORT_TARGET,
      note: `p50 ${p50.toFixed(2)} x the fresh instance's, round by round`,
    },
  ];
}
