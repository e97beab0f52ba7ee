// npm test: the whole suite on SQLite, then again on a throwaway PostgreSQL that this script
// starts (initdb + pg_ctl, in a temp folder, on a free port) and removes afterwards.
// REQUIRE_POSTGRES=1 (set by .ci/run) makes a missing PostgreSQL a failure, not a skip.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startPostgres } from './helpers/postgres.ts';
import { PROJECT_ROOT } from '../lib/config.ts';

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : fs
      .readdirSync(path.join(PROJECT_ROOT, 'test'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => path.join('test', f))
      .sort();

interface RunResult {
  label: string;
  pass: number;
  fail: number;
  code: number;
  // The "not ok" lines, so the closing lines (all CI keeps of a long log) name what failed.
  failed: string[];
}

function runSuite(label: string, env: Record<string, string | undefined>): Promise<RunResult> {
  console.log(`\n=== test suite on ${label} ===\n`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=tap', ...files],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let pass = 0;
    let fail = 0;
    const failed: string[] = [];
    let detail = 0; // lines of a failure's YAML block still to keep
    let tail = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const text = tail + chunk.toString();
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^# (pass|fail) (\d+)$/.exec(line);
        if (m) m[1] === 'pass' ? (pass = Number(m[2])) : (fail = Number(m[2]));
        if (/^\s*not ok \d+ - /.test(line)) {
          failed.push(line.trimEnd());
          detail = 14;
        } else if (detail > 0) {
          if (/^\s*\.\.\.$/.test(line)) detail = 0;
          else if (!/^\s*(---|duration_ms:|type:)/.test(line)) {
            failed.push(line.trimEnd());
            detail--;
          }
        }
      }
    });
    child.on('close', (code) => resolve({ label, pass, fail, code: code ?? 1, failed }));
  });
}

const results: RunResult[] = [await runSuite('SQLite', { TEST_DATABASE_URL: undefined })];

let pgServer: Awaited<ReturnType<typeof startPostgres>> = null;
try {
  pgServer = await startPostgres();
} catch (err) {
  console.error(`could not start PostgreSQL: ${(err as Error).message}`);
}
if (pgServer) {
  try {
    results.push(await runSuite('PostgreSQL', { TEST_DATABASE_URL: pgServer.url }));
  } finally {
    pgServer.stop();
  }
} else if (process.env.REQUIRE_POSTGRES === '1') {
  console.error('PostgreSQL is required (REQUIRE_POSTGRES=1) but initdb/pg_ctl could not start one');
  results.push({ label: 'PostgreSQL', pass: 0, fail: 1, code: 1, failed: [] });
} else {
  console.warn('\n!!! initdb/pg_ctl not found: the PostgreSQL run was SKIPPED (install postgresql to run it)\n');
}

const pass = results.reduce((a, r) => a + r.pass, 0);
const fail = results.reduce((a, r) => a + r.fail, 0);
const ok = results.every((r) => r.code === 0) && fail === 0;
for (const r of results.filter((x) => x.failed.length)) {
  console.log(`\nfailed on ${r.label}:\n${r.failed.join('\n')}`);
}
console.log(`\nall: ${pass} passed, ${fail} failed`);
process.exit(ok ? 0 : 1);
