// npm run migrate: applies pending migrations to DATABASE_URL and exits.
import 'dotenv/config';
import { loadConfig } from '../lib/config.ts';
import { createDb, migrateToLatest } from '../lib/db/index.ts';

try {
  const config = loadConfig();
  const db = createDb(config.database, { poolSize: config.databasePool.size, statementTimeoutMs: config.databasePool.statementTimeoutMs });
  const applied = await migrateToLatest(db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  await db.destroy();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
