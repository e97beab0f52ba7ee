// npm run db:copy -- --to postgres://user:pass@host/db [--from sqlite:./data/fundraiser.sqlite]
// Moves the ledger to another database (normally SQLite -> PostgreSQL), then checks that
// every campaign's totals still equal its gifts. Stop the site first so nothing is written
// to the old database meanwhile.
import 'dotenv/config';
import { runCommand } from './command.ts';
import { parseArgs } from 'node:util';
import { loadConfigWith } from '../lib/config.ts';
import { migrateToLatest, openDatabase } from '../lib/db/database.ts';
import { copyDatabase } from '../lib/db/copy.ts';
import { checkTotals } from '../lib/ledger/check-totals.ts';

async function main() {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
  if (!values.to)
    throw new Error(
      'usage: npm run db:copy -- --to <DATABASE_URL> [--from <DATABASE_URL>]  (--from defaults to DATABASE_URL)',
    );
  const source = loadConfigWith(values.from ? { DATABASE_URL: values.from } : {});
  const target = loadConfigWith({ DATABASE_URL: values.to });
  const from = openDatabase(source);
  const to = openDatabase(target);
  try {
    await migrateToLatest(from);
    await migrateToLatest(to);
    const report = await copyDatabase(from, to, { onProgress: (l) => console.error(l) });
    for (const [table, n] of Object.entries(report.rows)) console.log(`${table}: ${n} rows`);
    const mismatches = await checkTotals(to);
    if (mismatches.length) {
      for (const m of mismatches)
        console.error(`MISMATCH ${m.campaign} ${m.field}: stored ${m.stored}, gifts add up to ${m.recomputed}`);
      throw new Error('the copy is inconsistent: do not switch to it');
    }
    console.log(
      'copied; every campaign total matches its gifts. Point DATABASE_URL at the new database and start the site.',
    );
  } finally {
    await from.destroy();
    await to.destroy();
  }
}

runCommand(main);
