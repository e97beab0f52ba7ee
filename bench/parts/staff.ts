// Staff: the dashboard's JSON (what the page polls every 15 s) at both ledger sizes. Its
// figures come from the rollups, so the large ledger's p50 must stay near the small one's.
import { load } from '../processes.ts';
import { pick, type Row } from '../report.ts';
import { staffCookie } from '../staff-client.ts';
import { log, spec, type BenchApp } from '../settings.ts';

export async function staffRows(small: BenchApp, large: BenchApp, prefix = ''): Promise<Row[]> {
  const rows: Row[] = [];
  const p50s: number[] = [];
  for (const app of [small, large]) {
    const cookie = await staffCookie(app.url);
    const r = await load(spec(`${app.url}/staff/api/summary`, { headers: { cookie }, connections: 4 }));
    log(`  ${prefix}staff summary at ${app.gifts} gifts: ${r.rps.toFixed(1)}/s, p50 ${r.p50.toFixed(1)} ms`);
    p50s.push(r.p50);
    const ratio = app === large ? r.p50 / p50s[0]! : undefined;
    rows.push({
      scenario: `${prefix}GET /staff/api/summary (dashboard) at ${app.gifts.toLocaleString('en')} gifts`,
      ...pick(r),
      ...(ratio === undefined
        ? { note: 'staff only; read from the rollups' }
        : {
            ratio,
            target: `p50 <= 2 x p50 at ${small.gifts.toLocaleString('en')}`,
            pass: ratio <= 2,
            note: 'ratio: p50 against the row above',
          }),
    });
  }
  return rows;
}
