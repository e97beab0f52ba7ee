// Gifts in another currency than the campaign's count at what Stripe settled in the account's
// currency (the charge's balance transaction), so each gift keeps that amount and currency, null
// until Stripe has it. A charge seen before its gift keeps it too (ledger_charges), like its
// refunds. `language` is the reader's language from the checkout's metadata (null: unknown).
// Gifts already in their campaign's currency need no lookup: they settled at their own amount.
// A paid gift in another currency was kept outside every campaign; it now belongs to the
// campaign of its payment time and waits for its settlement (npm run reconcile reads it).
import { sql, type Kysely } from 'kysely';

const ADDED = {
  contributions: [
    ['settled_minor', 'bigint'],
    ['settled_currency', 'text'],
    ['language', 'text'],
  ],
  ledger_charges: [
    ['settled_minor', 'bigint'],
    ['settled_currency', 'text'],
  ],
} as const;

export async function up(db: Kysely<any>): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE takes one.
  for (const [table, columns] of Object.entries(ADDED)) {
    for (const [name, type] of columns) await db.schema.alterTable(table).addColumn(name, type).execute();
  }
  await sql`update contributions set settled_minor = amount_minor, settled_currency = currency
    where campaign_id is not null or currency in (select currency from campaigns)`.execute(db);
  await sql`update contributions set campaign_id = (
      select c.id from campaigns c where c.starts_at <= contributions.paid_at and contributions.paid_at < c.ends_at
      order by c.id limit 1)
    where campaign_id is null and settled_minor is null and paid_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Gifts in another currency already counted at their settled amount would stay in the totals
  // once moved out of their campaign: the totals would no longer match a recount. Refused then.
  const counted = await sql<{ n: number | string }>`select count(*) as n from contributions
    where settled_minor is not null and campaign_id is not null
    and currency <> (select currency from campaigns c where c.id = contributions.campaign_id)`.execute(db);
  const n = Number(counted.rows[0]?.n ?? 0);
  if (n > 0)
    throw new Error(
      `cannot roll back 0010: ${n} gifts in other currencies count toward a campaign at their settled amount`,
    );
  // Back to the old rule: money not in its campaign's currency stays outside the campaign.
  await sql`update contributions set campaign_id = null where campaign_id is not null
    and currency <> (select currency from campaigns c where c.id = contributions.campaign_id)`.execute(db);
  for (const [table, columns] of Object.entries(ADDED)) {
    for (const [name] of columns) await db.schema.alterTable(table).dropColumn(name).execute();
  }
}
