// npm run ledger:check
// Recounts every campaign's totals and the staff dashboard's per-day rollups from the gifts and
// says where they differ (exit 1), so drift is found by a command, not by a staff member's eye.
// Only reads (after applying any pending migration, as start-up does).
import 'dotenv/config';
import { runCommand } from './command.ts';
import { loadConfigWith } from '../lib/config.ts';
import { migrateToLatest, openDatabase } from '../lib/db/database.ts';
import { checkTotals } from '../lib/ledger/check-totals.ts';

async function main() {
  const db = openDatabase(loadConfigWith({}));
  try {
    await migrateToLatest(db);
    const mismatches = await checkTotals(db);
    for (const m of mismatches)
      console.error(`MISMATCH ${m.campaign} ${m.field}: stored ${m.stored}, gifts add up to ${m.recomputed}`);
    if (mismatches.length) throw new Error(`${mismatches.length} figures differ from a recount of the gifts`);
    console.log('every campaign total and daily figure equals a recount of its gifts');
  } finally {
    await db.destroy();
  }
}

runCommand(main);
