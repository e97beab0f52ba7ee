// A ledger of N paid gifts for the benchmarks, written straight into SQLite in one
// transaction (a million gifts through the webhook would take minutes), with the running
// totals and the staff rollups then set from the rows and checked the way checkTotals checks them.
import SQLite from 'better-sqlite3';
import type { Config } from '../lib/config.ts';
import { migrateToLatest, openDatabase } from '../lib/db/database.ts';
import { createLedger } from '../lib/ledger/ledger.ts';
import { backfillSql, ROLLUPS } from '../lib/ledger/rollups.ts';
import { addStaff } from '../lib/staff/users.ts';

export const BENCH_STAFF = { email: 'bench@example.org', password: 'bench-password-not-secret' };

export async function seedLedger(config: Config, gifts: number): Promise<{ campaign: string }> {
  if (config.database.dialect !== 'sqlite') throw new Error('the benchmarks seed a SQLite file');
  const db = openDatabase(config);
  await migrateToLatest(db);
  const now = new Date();
  await createLedger({ db, fundraiser: config.fundraiser, clock: () => now }).syncCampaign();
  await addStaff(db, BENCH_STAFF.email, BENCH_STAFF.password, 'admin', now);
  const campaign = await db
    .selectFrom('campaigns')
    .select(['id', 'slug', 'currency', 'starts_at'])
    .orderBy('starts_at', 'desc')
    .executeTakeFirstOrThrow();
  await db.destroy();

  const conn = new SQLite(config.database.path);
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
  const span = Math.max(1, now.getTime() - start);
  conn.transaction(() => {
    for (let i = 0; i < gifts; i++) {
      const id = `cs_seed_${i}`;
      const at = new Date(start + Math.floor((span * i) / gifts)).toISOString();
      const amount = i % 3 === 0 ? 500 : i % 3 === 1 ? 2500 : 1000 + (i % 50) * 100;
      insertGift.run(
        id,
        id,
        id,
        `pi_seed_${i}`,
        `reader${i}@example.org`,
        campaign.currency,
        amount,
        campaign.id,
        at,
        at,
        at,
        amount,
        campaign.currency,
      );
      insertEvent.run(`evt_seed_${i}`, id, at);
    }
    const sums = conn
      .prepare(
        'SELECT COALESCE(SUM(amount_minor), 0) AS gross, COUNT(*) AS donors FROM contributions WHERE campaign_id = ?',
      )
      .get(campaign.id) as { gross: number; donors: number };
    conn
      .prepare(
        'UPDATE campaign_totals SET raised_minor = ?, gross_minor = ?, refunded_minor = 0, disputed_minor = 0, ' +
          'dispute_lost_minor = 0, donors = ?, updated_at = ? WHERE campaign_id = ?',
      )
      .run(sums.gross, sums.gross, sums.donors, now.toISOString(), campaign.id);
    // The staff dashboard's rollups, recounted from the gifts as migration 0011 fills them.
    for (const rollup of ROLLUPS) {
      conn.exec(`DELETE FROM ${rollup.table}`);
      conn.exec(backfillSql(rollup));
    }
  })();
  conn.pragma('wal_checkpoint(TRUNCATE)');
  conn.close();
  return { campaign: campaign.slug };
}

/** After a run: every gift the webhook acknowledged is in the ledger once, and the totals equal the rows. */
export function checkLedger(
  path: string,
  acknowledged: { id: string; amount: number }[],
): { lost: number; doubled: number; totalsMatch: boolean; gifts: number } {
  const conn = new SQLite(path, { readonly: true });
  const find = conn.prepare(
    'SELECT COUNT(*) AS n, COALESCE(SUM(amount_minor), 0) AS amount FROM contributions WHERE stripe_id = ?',
  );
  let lost = 0;
  let doubled = 0;
  for (const a of new Map(acknowledged.map((x) => [x.id, x])).values()) {
    const row = find.get(a.id) as { n: number; amount: number };
    if (row.n === 0 || row.amount !== a.amount) lost++;
    if (row.n > 1) doubled++;
  }
  const totals = conn
    .prepare(
      `SELECT t.raised_minor AS raised, t.donors AS donors,
        (SELECT COALESCE(SUM(amount_minor - refunded_minor - dispute_lost_minor), 0) FROM contributions c
          WHERE c.campaign_id = t.campaign_id AND c.status = 'paid') AS rows_raised,
        (SELECT COALESCE(SUM(counted_donor), 0) FROM contributions c WHERE c.campaign_id = t.campaign_id) AS rows_donors,
        (SELECT COUNT(*) FROM contributions c WHERE c.campaign_id = t.campaign_id) AS gifts
       FROM campaign_totals t`,
    )
    .all() as { raised: number; donors: number; rows_raised: number; rows_donors: number; gifts: number }[];
  conn.close();
  return {
    lost,
    doubled,
    totalsMatch: totals.every((t) => t.raised === t.rows_raised && t.donors === t.rows_donors),
    gifts: totals.reduce((s, t) => s + t.gifts, 0),
  };
}
