// npm run reconcile -- --since 2026-01-01 [--until 2026-02-01] [--dry-run]
// Heals a ledger that missed webhooks: lists Stripe's sessions, invoices, refunds, disputes
// and ended pledges for the window and records what is missing, through the webhook's path.
import 'dotenv/config';
import { runCommand } from './command.ts';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { openDatabase, migrateToLatest } from '../lib/db/database.ts';
import { createLedger } from '../lib/ledger/ledger.ts';
import { createStripeClient } from '../lib/payments/stripe.ts';
import { reconcile } from '../lib/payments/reconcile.ts';

const usage = 'usage: npm run reconcile -- --since <YYYY-MM-DD> [--until <YYYY-MM-DD>] [--dry-run]';

function parseDate(name: string, v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) throw new Error(`--${name} is not a date: ${v}\n${usage}`);
  return d;
}

async function main() {
  const { values } = parseArgs({
    options: { since: { type: 'string' }, until: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  const since = parseDate('since', values.since);
  if (!since) throw new Error(`--since is required\n${usage}`);
  const until = parseDate('until', values.until);
  const dryRun = values['dry-run'] ?? false;

  const config = loadConfig();
  const db = openDatabase(config);
  await migrateToLatest(db);
  const clock = () => new Date();
  const ledger = createLedger({ db, fundraiser: config.fundraiser, clock, dryRun });
  const stripe = createStripeClient(config.stripe);
  try {
    console.log(
      `${dryRun ? '[dry run] ' : ''}reconciling ${since.toISOString()} .. ${until?.toISOString() ?? 'now'} against ${config.stripe.apiUrl ?? 'Stripe'}`,
    );
    const report = await reconcile(
      { ledger, stripe, fundraiser: config.fundraiser, clock },
      { since, until, onProgress: (l) => console.error(l) },
    );
    for (const f of report.fixed) console.log(`${dryRun ? 'would fix' : 'fixed'}: ${f.kind} ${f.id}: ${f.what}`);
    const checked = Object.entries(report.checked)
      .map(([k, n]) => `${n} ${k}s`)
      .join(', ');
    for (const f of report.refused) console.log(`refused: ${f.kind} ${f.id}: ${f.what}`);
    const refused = report.refused.length ? `; ${report.refused.length} refused (see above)` : '';
    console.log(
      `checked ${checked}; ${report.fixed.length} ${dryRun ? 'would be fixed (nothing written)' : 'fixed'}${refused}`,
    );
  } finally {
    await db.destroy();
  }
}

runCommand(main);
