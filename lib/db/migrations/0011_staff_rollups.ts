// The staff dashboard's figures as rollups (lib/ledger/rollups.ts), so it no longer sums every
// gift on each refresh: per campaign and paid day (the chart), and per campaign and kind of gift
// (frequency, currency, language, tile), each filled from the gifts already recorded in one statement.
// Numbered migrations are never edited: the backfills are the rollups' recount SQL as it was at
// 0011, written out (the rule may change later; a test holds them equal to the recount today).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('daily_figures')
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('gifts', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('counted_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('daily_figures_pk', ['campaign_id', 'day'] as never)
    .execute();
  let kinds = db.schema
    .createTable('gift_figures')
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('frequency', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('gift_minor', 'bigint', (c) => c.notNull());
  for (const sum of ['gifts', 'amount_minor', 'counted_minor', 'counted_gifts', 'donors'])
    kinds = kinds.addColumn(sum, 'bigint', (c) => c.notNull().defaultTo(0));
  await kinds
    .addPrimaryKeyConstraint('gift_figures_pk', [
      'campaign_id',
      'frequency',
      'currency',
      'language',
      'gift_minor',
    ] as never)
    .execute();
  await sql.raw(DAILY_BACKFILL).execute(db);
  await sql.raw(KINDS_BACKFILL).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('gift_figures').execute();
  await db.schema.dropTable('daily_figures').execute();
}

// The counted figure is COUNTED_SQL (figures.ts) as it was; the donors column counts each
// donor on their first paid gift per campaign and language.
const OFF_HERE =
  'case when refunded_minor + dispute_lost_minor < amount_minor then refunded_minor + dispute_lost_minor else amount_minor end';
const COUNTED =
  "case when status = 'paid' and settled_minor is not null then settled_minor - (case when amount_minor = settled_minor " +
  `then ${OFF_HERE} when amount_minor <= 0 then 0 else (2 * (${OFF_HERE}) * settled_minor + amount_minor) / (2 * amount_minor) end) else 0 end`;
const HELD = "from contributions c where status = 'paid' and campaign_id is not null";
const DAILY_BACKFILL = `insert into daily_figures (campaign_id, day, gifts, counted_minor)
  select campaign_id, substr(coalesce(paid_at, ''), 1, 10) as day, count(*) as gifts,
  sum(${COUNTED}) as counted_minor ${HELD}
  group by campaign_id, substr(coalesce(paid_at, ''), 1, 10)`;
const KINDS_BACKFILL = `insert into gift_figures
    (campaign_id, frequency, currency, language, gift_minor, gifts, amount_minor, counted_minor, counted_gifts, donors)
  select campaign_id, frequency, currency, coalesce(language, '') as language,
  amount_minor - fee_cover_minor as gift_minor, count(*) as gifts, sum(amount_minor) as amount_minor,
  sum(${COUNTED}) as counted_minor, sum(case when settled_minor is null then 0 else 1 end) as counted_gifts,
  sum(case when id = (select min(d.id) from contributions d where d.donor_key = c.donor_key
    and d.campaign_id = c.campaign_id and d.status = 'paid'
    and coalesce(d.language, '') = coalesce(c.language, '')) then 1 else 0 end) as donors
  ${HELD}
  group by campaign_id, frequency, currency, coalesce(language, ''), amount_minor - fee_cover_minor`;
