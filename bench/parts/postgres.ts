// The same ledger on PostgreSQL: a throwaway server (initdb + pg_ctl, as npm test starts one)
// with durable commits (fsync and synchronous_commit on, as in production), the small and the
// large ledger as two databases on it, and the app run as npm start runs it on each.
import pg from 'pg';
import { loadConfigWith } from '../../lib/config.ts';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres.ts';
import { appEnv, launchApp } from '../processes.ts';
import { seedLedger } from '../seed.ts';
import { log, type BenchApp } from '../settings.ts';

export async function startBenchPostgres(): Promise<PostgresServer | null> {
  const server = await startPostgres({ durable: true });
  if (!server) log('  PostgreSQL: initdb/pg_ctl not found, its rows are SKIPPED (install postgresql)');
  return server;
}

/** A new database on `server`, seeded with `gifts`, and the app started on it. */
export async function postgresApp(server: PostgresServer, name: string, gifts: number): Promise<BenchApp> {
  const database = name.replace(/\W+/g, '_');
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  const t0 = Date.now();
  const { campaign } = await seedLedger(loadConfigWith(appEnv(databaseUrl, 0)), gifts);
  log(`seeded ${name}: ${gifts.toLocaleString('en')} gifts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { ...(await launchApp(name, databaseUrl)), databaseUrl, campaign, gifts };
}
