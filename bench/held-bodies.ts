// npm run bench:held-bodies: memory of the app (npm start's build, environment and node flags)
// while 1,000 connections each announce a 512 KB webhook body and send one byte short (issue
// #17): with the defaults (at most WEBHOOK_MAX_PENDING_BODIES read at once, cut at
// WEBHOOK_BODY_DEADLINE_MS), with slow senders, without npm start's fixed malloc mmap threshold,
// and with the cap and deadline lifted, as before. Each cell is RSS / V8 heap used / array
// buffers, in MB (the rest of RSS is code, stacks and what malloc keeps), before, while held,
// just after the cut, then 10 s and 30 s after the last connection closed (V8 frees a dropped
// buffer at its next collection, which an idle process makes when it likes). Not part of npm test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/config.ts';
import { holdBodies, type Held } from '../test/helpers/held-bodies.ts';
import { killAll, launchApp, procStatus, stop, tmp, type Proc } from './processes.ts';

const HELD = Number(process.env.BENCH_HELD ?? 1000);
const BYTES = 512 * 1024;
const DEADLINE_MS = 10_000;
const DRIP = { bytes: 8 * 1024, everyMs: 100 };
const log = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 2 ** 20;

interface Scenario {
  name: string;
  env: Record<string, string>;
  drip?: typeof DRIP;
}

/** "RSS / heap used / array buffers" of the app, in MB, from bench/memory-probe.js in it. */
async function memory(app: Proc): Promise<string> {
  const child = app.child;
  const m = await new Promise<NodeJS.MemoryUsage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${app.name}: no memory figures within 5 s`)), 5000);
    child.once('message', (answer) => {
      clearTimeout(timer);
      resolve(answer as NodeJS.MemoryUsage);
    });
    child.send('memory');
  });
  return [m.rss, m.heapUsed, m.arrayBuffers].map((n) => Math.round(n / MB)).join(' / ');
}

async function scenario({ name, env, drip }: Scenario) {
  const probe = path.join(PROJECT_ROOT, 'bench/memory-probe.js');
  const app = await launchApp(name, `sqlite:${path.join(tmp, `${name.replace(/\W+/g, '-')}.sqlite`)}`, env, [probe]);
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
  const port = Number(new URL(app.url).port);
  await sleep(1000);
  const before = await memory(app);
  const start = Date.now();
  // In batches, a batch tried again if a connect was refused (a thousand at once overflow the
  // listen backlog).
  const held: Held[] = [];
  for (let i = 0; i < HELD; i += 50) {
    const n = Math.min(50, HELD - i);
    const hold = () => holdBodies(port, '/webhooks/stripe', n, BYTES, { drip });
    held.push(...(await hold().catch(() => sleep(500).then(hold))));
  }
  // Slow senders need some 6.5 s to send their bodies.
  await sleep(drip ? 7000 : 2000);
  const during = await memory(app);
  const statuses = new Map<string, number>();
  const closed = held.map((h) =>
    h.closed.then((o) => statuses.set(String(o.status ?? 'none'), (statuses.get(String(o.status ?? 'none')) ?? 0) + 1)),
  );
  await Promise.race([Promise.all(closed), sleep(DEADLINE_MS + 3000 - (Date.now() - start))]);
  const cut = await memory(app);
  for (const h of held) h.socket.destroy();
  await Promise.all(closed);
  await sleep(10_000);
  const after10 = await memory(app);
  await sleep(20_000);
  const after30 = await memory(app);
  const peak = Math.round(procStatus(app.child.pid!).peakMb);
  stop(app);
  const answers = [...statuses].map(([s, n]) => `${n}x ${s}`).join(', ');
  return { name, before, during, cut, after10, after30, peak, answers };
}

async function main() {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  const scenarios: Scenario[] = [
    { name: 'defaults', env: {} },
    { name: `defaults, slow senders (${DRIP.bytes / 1024} KB every ${DRIP.everyMs} ms)`, env: {}, drip: DRIP },
    // How `node dist/server.js` without npm start's environment fares: glibc's own threshold,
    // which rises to the size of the largest block freed, so body buffers end up in its heap.
    { name: 'defaults, no GLIBC_TUNABLES', env: { GLIBC_TUNABLES: '' } },
    // As before #17: no cap, Node's five-minute request timeout (measured at the same moments).
    { name: 'uncapped', env: { WEBHOOK_MAX_PENDING_BODIES: '100000', WEBHOOK_BODY_DEADLINE_MS: '300000' } },
  ];
  const rows = [];
  for (const s of scenarios) rows.push(await scenario(s));
  const lines = [
    `${HELD} held webhook bodies of ${BYTES / 1024} KB (one byte short); app RSS / V8 heap used / array buffers in MB; ` +
      `${os.cpus().length} CPUs, Node ${process.version}.`,
    '',
    '| setting | before | while held | when cut (or at 13 s) | 10 s after closing | 30 s after closing | peak RSS | what the held connections got |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.before} | ${r.during} | ${r.cut} | ${r.after10} | ${r.after30} | ${r.peak} | ${r.answers} |`,
    ),
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
