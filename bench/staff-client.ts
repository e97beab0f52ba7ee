// A staff member as the bench plays one: logged in through the real form (CSRF token and all),
// and the CSV export read to the end.
import type { ChildProcess } from 'node:child_process';
import { procStatus } from './processes.ts';
import { BENCH_STAFF } from './seed.ts';
import { MB } from './settings.ts';

export async function staffCookie(baseUrl: string): Promise<string> {
  const form = await fetch(`${baseUrl}/staff/login`);
  const cookies = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error('no CSRF token on the staff login page');
  const res = await fetch(`${baseUrl}/staff/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email: BENCH_STAFF.email, password: BENCH_STAFF.password }).toString(),
  });
  const session = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  if (res.status !== 303 && res.status !== 302) throw new Error(`staff login answered ${res.status}`);
  return [cookies, ...session].join('; ');
}

/** The CSV export read to the end by one client, with the app's peak memory around it. */
export async function csvExport(app: {
  url: string;
  child: ChildProcess;
}): Promise<{ rows: number; mb: number; seconds: number; peakMb: number }> {
  const cookie = await staffCookie(app.url);
  const t0 = Date.now();
  const res = await fetch(`${app.url}/staff/gifts.csv`, { headers: { cookie } });
  if (res.status !== 200 || !res.body) throw new Error(`CSV export answered ${res.status}`);
  let bytes = 0;
  let rows = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (const b of chunk) if (b === 10) rows++;
  }
  return {
    rows: rows - 1,
    mb: bytes / MB,
    seconds: (Date.now() - t0) / 1000,
    peakMb: procStatus(app.child.pid!).peakMb,
  };
}
