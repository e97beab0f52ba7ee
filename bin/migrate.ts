// npm run migrate: applies pending migrations to DATABASE_URL and exits.
import 'dotenv/config';
import { runCommand } from './command.ts';
import { loadConfig } from '../lib/config.ts';
import { migrateToLatest, openDatabase } from '../lib/db/database.ts';

runCommand(async () => {
  const db = openDatabase(loadConfig());
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.destroy();
  }
});
