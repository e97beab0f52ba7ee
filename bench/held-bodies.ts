// npm run bench:held-bodies: memory of the app (npm start's build and node flags) while 1,000
// connections each announce a 512 KB webhook body and send one byte short (issue #17), with
// the defaults (at most WEBHOOK_MAX_PENDING_BODIES read at once, cut at WEBHOOK_BODY_DEADLINE_MS)
// and with both lifted, as before. RSS from /proc before, while held, just after the cut and
// 10 s later; the answers the held connections got. Not part of npm test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/config.ts';
import { holdBodies, type Held } from '../test/helpers/held-bodies.ts';
import { killAll, launchApp, procStatus, stop, tmp } from './processes.ts';

const HELD = Number(process.env.BENCH_HELD ?? 1000);
const BYTES = 512 * 1024;
const DEADLINE_MS = 10_000;
const log = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scenario(name: string, env: Record<string, string>, waitMs: number) {
  const app = await launchApp(name, path.join(tmp, `${name}.sqlite`), env);
  // Ready for real (its own answer, not another listener's), before anything is measured.
  for (let i = 0; ; i++) {
    const ok = await fetch(`${app.url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (i >= 200) throw new Error(`${name}: not ready within 20 s`);
    await sleep(100);
  }
  log(`${name}: app at ${app.url}`);
  const pid = app.child.pid!;
  const rss = () => Math.round(procStatus(pid).rssMb);
  const port = Number(new URL(app.url).port);
  await sleep(1000);
  const before = rss();
  // In batches, a batch tried again if a connect was refused (a thousand at once overflow the
  // listen backlog).
  const held: Held[] = [];
  for (let i = 0; i < HELD; i += 50) {
    const n = Math.min(50, HELD - i);
    held.push(
      ...(await holdBodies(port, '/webhooks/stripe', n, BYTES).catch(async () => {
        await sleep(500);
        return holdBodies(port, '/webhooks/stripe', n, BYTES);
      })),
    );
  }
  await sleep(2000);
  const during = rss();
  const statuses = new Map<string, number>();
  const closed = held.map((h) =>
    h.closed.then((o) => statuses.set(String(o.status ?? 'none'), (statuses.get(String(o.status ?? 'none')) ?? 0) + 1)),
  );
  await Promise.race([Promise.all(closed), sleep(waitMs)]);
  const cut = rss();
  for (const h of held) h.socket.destroy();
  await Promise.all(closed);
  await sleep(10_000);
  const after = rss();
  stop(app);
  const answers = [...statuses].map(([s, n]) => `${n}x ${s}`).join(', ');
  return { name, before, during, cut, after, answers };
}

async function main() {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  const rows = [
    await scenario('defaults', {}, DEADLINE_MS + 3000),
    // As before #17: no cap, Node's five-minute request timeout (measured at the same moment).
    await scenario(
      'uncapped',
      { WEBHOOK_MAX_PENDING_BODIES: '100000', WEBHOOK_BODY_DEADLINE_MS: '300000' },
      DEADLINE_MS + 3000,
    ),
  ];
  const lines = [
    `${HELD} held webhook bodies of ${BYTES / 1024} KB (one byte short), app RSS in MB; ${os.cpus().length} CPUs, Node ${process.version}.`,
    '',
    '| setting | before | while held | at 13 s | 10 s after closing | what the held connections got |',
    '|---|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.name} | ${r.before} | ${r.during} | ${r.cut} | ${r.after} | ${r.answers} |`),
  ];
  log(`\n${lines.join('\n')}`);
  const file = path.join(PROJECT_ROOT, 'bench/results', `held-bodies-${new Date().toISOString().slice(0, 10)}.md`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  log(`\nwritten to ${path.relative(PROJECT_ROOT, file)}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(killAll);
