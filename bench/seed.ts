// A ledger of N paid gifts for the benchmarks, written straight into the database in one
// transaction (a million gifts through the webhook would take minutes), with the running
// totals and the staff rollups then set from the rows and checked the way checkTotals checks them.
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { loadConfigWith, type Config } from '../lib/config.ts';
import { createDb, migrateToLatest, openDatabase, type Db } from '../lib/db/database.ts';
import { createLedger } from '../lib/ledger/ledger.ts';
import { backfillSql, ROLLUPS } from '../lib/ledger/rollups.ts';
import { addStaff } from '../lib/staff/users.ts';

export const BENCH_STAFF = { email: 'bench@example.org', password: 'bench-password-not-secret' };

export async function seedLedger(config: Config, gifts: number): Promise<{ campaign: string }> {
  // No statement timeout: a million rows in one INSERT ... SELECT takes longer than the app's 10 s.
  const db = createDb(config.database, { statementTimeoutMs: 0 });
  await migrateToLatest(db);
  const now = new Date();
  await createLedger({ db, fundraiser: config.fundraiser, clock: () => now }).syncCampaign();
  await addStaff(db, BENCH_STAFF.email, BENCH_STAFF.password, 'admin', now);
  const campaign = await db
    .selectFrom('campaigns')
    .select(['id', 'slug', 'currency', 'starts_at'])
    .orderBy('starts_at', 'desc')
    .executeTakeFirstOrThrow();
  const seed = { ...campaign, id: Number(campaign.id), gifts, now };
  if (config.database.dialect === 'sqlite') {
    await db.destroy();
    seedSqlite(config.database.path, seed);
  } else {
    try {
      await seedPostgres(db, seed);
    } finally {
      await db.destroy();
    }
  }
  return { campaign: campaign.slug };
}

interface Seed {
  id: number;
  currency: string;
  starts_at: string;
  gifts: number;
  now: Date;
}

// Gift i: its amount (a third $5, a third $25, the rest $10-$59) and its paid time, spread
// evenly from the campaign's start to now, the same on both databases.
const amountOf = (i: number) => (i % 3 === 0 ? 500 : i % 3 === 1 ? 2500 : 1000 + (i % 50) * 100);
const AMOUNT_SQL = 'case when i % 3 = 0 then 500 when i % 3 = 1 then 2500 else 1000 + (i % 50) * 100 end';

// The running totals from the rows, and the staff dashboard's rollups recounted from the gifts
// as migration 0011 fills them.
const TOTALS_SQL = `UPDATE campaign_totals SET
  raised_minor = (SELECT COALESCE(SUM(amount_minor), 0) FROM contributions c WHERE c.campaign_id = campaign_totals.campaign_id),
  gross_minor = (SELECT COALESCE(SUM(amount_minor), 0) FROM contributions c WHERE c.campaign_id = campaign_totals.campaign_id),
  donors = (SELECT COUNT(*) FROM contributions c WHERE c.campaign_id = campaign_totals.campaign_id),
  refunded_minor = 0, disputed_minor = 0, dispute_lost_minor = 0`;
const FIGURES_SQL = ROLLUPS.flatMap((rollup) => [`DELETE FROM ${rollup.table}`, backfillSql(rollup)]);

function seedSqlite(file: string, campaign: Seed): void {
  const conn = new SQLite(file);
  // Seeding only: the benchmark's fixture need not survive a power cut.
  conn.pragma('synchronous = OFF');
  const insertGift = conn.prepare(`INSERT INTO contributions
    (stripe_id, checkout_session_id, subscription_id, donor_key, payment_intent_id, customer_id, email, donor_name, source, note,
     frequency, status, currency, amount_minor, refunded_minor, disputed_minor, dispute_lost_minor, counted_donor, campaign_id,
     paid_at, paid_at_source, created_at, updated_at, settled_minor, settled_currency)
    VALUES (?, ?, NULL, ?, ?, NULL, ?, 'A Reader', 'stripe', NULL, 'once', 'paid', ?, ?, 0, 0, 0, 1, ?, ?, 'stripe', ?, ?, ?, ?)`);
  const insertEvent = conn.prepare(
    `INSERT INTO stripe_events (id, type, object_id, outcome, received_at) VALUES (?, 'checkout.session.completed', ?, 'recorded', ?)`,
  );
  const start = Date.parse(campaign.starts_at);
  const span = Math.max(1, campaign.now.getTime() - start);
  const { gifts, currency } = campaign;
  conn.transaction(() => {
    for (let i = 0; i < gifts; i++) {
      const id = `cs_seed_${i}`;
      const at = new Date(start + Math.floor((span * i) / gifts)).toISOString();
      const amount = amountOf(i);
      insertGift.run(
        id,
        id,
        id,
        `pi_seed_${i}`,
        `reader${i}@example.org`,
        currency,
        amount,
        campaign.id,
        at,
        at,
        at,
        amount,
        currency,
      );
      insertEvent.run(`evt_seed_${i}`, id, at);
    }
    conn.prepare(TOTALS_SQL).run();
    for (const statement of FIGURES_SQL) conn.exec(statement);
  })();
  conn.pragma('wal_checkpoint(TRUNCATE)');
  conn.close();
}

/** The same rows made by PostgreSQL itself (generate_series): a million in seconds, not a million round trips. */
async function seedPostgres(db: Db, campaign: Seed): Promise<void> {
  const start = Date.parse(campaign.starts_at);
  const span = Math.max(1, campaign.now.getTime() - start);
  const moment = sql`${new Date(start).toISOString()}::timestamptz
    + floor(${span}::float8 * i / ${campaign.gifts}) * interval '1 millisecond'`;
  // The ISO form JavaScript's toISOString() writes, which every other row of the ledger has.
  const at = sql`to_char((${moment}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  await db.transaction().execute(async (trx) => {
    await sql`INSERT INTO contributions
      (stripe_id, checkout_session_id, donor_key, payment_intent_id, email, donor_name, source, frequency, status, currency,
       amount_minor, refunded_minor, disputed_minor, dispute_lost_minor, counted_donor, campaign_id,
       paid_at, paid_at_source, created_at, updated_at, settled_minor, settled_currency)
      SELECT 'cs_seed_' || i, 'cs_seed_' || i, 'cs_seed_' || i, 'pi_seed_' || i, 'reader' || i || '@example.org', 'A Reader',
        'stripe', 'once', 'paid', ${campaign.currency}, amount, 0, 0, 0, 1, ${campaign.id}, paid, 'stripe', paid, paid,
        amount, ${campaign.currency}
      FROM (SELECT i, ${sql.raw(AMOUNT_SQL)} AS amount, ${at} AS paid
            FROM generate_series(0, ${campaign.gifts - 1}::int) AS i) AS g`.execute(trx);
    await sql`INSERT INTO stripe_events (id, type, object_id, outcome, received_at)
      SELECT 'evt_seed_' || i, 'checkout.session.completed', 'cs_seed_' || i, 'recorded', ${at}
      FROM generate_series(0, ${campaign.gifts - 1}::int) AS i`.execute(trx);
    await sql.raw(TOTALS_SQL).execute(trx);
    for (const statement of FIGURES_SQL) await sql.raw(statement).execute(trx);
  });
  await sql`VACUUM ANALYZE`.execute(db);
}

/** After a run: every gift the webhook acknowledged is in the ledger once, and the totals equal the rows. */
export async function checkLedger(
  databaseUrl: string,
  acknowledged: { id: string; amount: number }[],
): Promise<{ lost: number; doubled: number; totalsMatch: boolean; gifts: number }> {
  const db = openDatabase(loadConfigWith({ DATABASE_URL: databaseUrl }));
  try {
    // The bench's own gifts only (cs_bench_...), in one read rather than one per event.
    const recorded = await sql<{ stripe_id: string; n: number; amount: number }>`
      SELECT stripe_id, COUNT(*) AS n, COALESCE(SUM(amount_minor), 0) AS amount FROM contributions
      WHERE stripe_id LIKE 'cs_bench_%' GROUP BY stripe_id`.execute(db);
    const byId = new Map(recorded.rows.map((r) => [r.stripe_id, { n: Number(r.n), amount: Number(r.amount) }]));
    let lost = 0;
    let doubled = 0;
    for (const a of new Map(acknowledged.map((x) => [x.id, x])).values()) {
      const row = byId.get(a.id);
      if (!row || row.amount !== a.amount) lost++;
      if (row && row.n > 1) doubled++;
    }
    const totals = await sql<{
      raised: number;
      donors: number;
      rows_raised: number;
      rows_donors: number;
      gifts: number;
    }>`
      SELECT t.raised_minor AS raised, t.donors AS donors,
        (SELECT COALESCE(SUM(amount_minor - refunded_minor - dispute_lost_minor), 0) FROM contributions c
          WHERE c.campaign_id = t.campaign_id AND c.status = 'paid') AS rows_raised,
        (SELECT COALESCE(SUM(counted_donor), 0) FROM contributions c WHERE c.campaign_id = t.campaign_id) AS rows_donors,
        (SELECT COUNT(*) FROM contributions c WHERE c.campaign_id = t.campaign_id) AS gifts
       FROM campaign_totals t`.execute(db);
    return {
      lost,
      doubled,
      totalsMatch: totals.rows.every(
        (t) => Number(t.raised) === Number(t.rows_raised) && Number(t.donors) === Number(t.rows_donors),
      ),
      gifts: totals.rows.reduce((s, t) => s + Number(t.gifts), 0),
    };
  } finally {
    await db.destroy();
  }
}
