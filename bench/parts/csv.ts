// The CSV export on an instance of its own over the large ledger, so its peak memory is the
// export's own, and the instances measured after it have not just streamed a million rows.
import { launchApp, stop } from '../processes.ts';
import type { Row } from '../report.ts';
import { csvExport } from '../staff-client.ts';
import { log, type BenchApp } from '../settings.ts';

export async function csvRows(large: BenchApp): Promise<Row[]> {
  const exporter = await launchApp(`${large.name}-csv`, large.databaseUrl);
  const csv = await csvExport(exporter);
  stop(exporter);
  log(
    `  CSV export: ${csv.rows.toLocaleString('en')} rows, ${csv.mb.toFixed(0)} MB in ${csv.seconds.toFixed(1)} s, app peak RSS ${csv.peakMb.toFixed(0)} MB`,
  );
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
  ];
}
