// npm run audit: `npm audit --omit=dev`, failing on high or critical advisories in what
// production installs. When the registry's audit endpoint cannot be reached (some networks
// answer 405), it says so plainly and exits 0: it never reports "clean" unchecked.
import { spawnSync } from 'node:child_process';

interface AuditReport {
  statusCode?: number;
  message?: string;
  error?: { summary?: string };
  metadata?: { vulnerabilities?: Record<'info' | 'low' | 'moderate' | 'high' | 'critical', number> };
  vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
}

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let report: AuditReport;
try {
  report = JSON.parse(run.stdout) as AuditReport;
} catch {
  console.error(`npm audit gave no report (exit ${run.status}): ${run.stderr.trim().slice(0, 500)}`);
  process.exit(1);
}
const counts = report.metadata?.vulnerabilities;
if (!counts) {
  console.warn(
    `AUDIT NOT DONE: the registry's audit endpoint failed (${report.statusCode ?? ''} ` +
      `${report.message ?? report.error?.summary ?? 'no details'}); run npm run audit where it is reachable.`,
  );
  process.exit(0);
}
const serious = Object.entries(report.vulnerabilities ?? {}).filter(
  ([, v]) => v.severity === 'high' || v.severity === 'critical',
);
console.log(
  `npm audit --omit=dev: ${Object.entries(counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')}`,
);
for (const [name, v] of serious) console.error(`  ${v.severity}: ${name}`);
process.exit(serious.length ? 1 : 0);
