// The staff dashboard's gifts by currency and by language, for the campaign on show: every paid
// gift of its window, also those kept outside it because they settled in another currency, with
// what each group counts toward the goal (in the campaign's currency, at what Stripe settled,
// by the counting rule's SQL, figures.ts).
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Campaign } from '../db/schema.ts';
import { COUNTED_SQL } from './figures.ts';

export interface CurrencyRow {
  currency: string;
  gifts: number;
  /** Paid, in the gifts' own currency (before refunds). */
  amountMinor: number;
  /** What they count toward the goal, in the campaign's currency, net of refunds and lost disputes. */
  countedMinor: number;
  /** Paid, waiting for Stripe's balance transaction: not counted yet. */
  awaiting: number;
  /** Settled in another currency than the campaign's: kept, never counted. */
  elsewhere: number;
}

export interface LanguageRow {
  /** Two letters; null: not known (gifts from before languages, or without one). */
  language: string | null;
  gifts: number;
  donors: number;
  countedMinor: number;
}

type Window = Pick<Campaign, 'id' | 'starts_at' | 'ends_at'>;

function paidInCampaign(db: Db, c: Window) {
  return db
    .selectFrom('contributions')
    .where('status', '=', 'paid')
    .where((eb) =>
      eb.or([
        eb('campaign_id', '=', c.id),
        eb.and([eb('campaign_id', 'is', null), eb('paid_at', '>=', c.starts_at), eb('paid_at', '<', c.ends_at)]),
      ]),
    );
}

const counted = (c: Window) =>
  sql<number>`sum(case when campaign_id = ${c.id} then ${sql.raw(COUNTED_SQL)} else 0 end)`.as('counted');

export async function giftsByCurrency(db: Db, c: Window): Promise<CurrencyRow[]> {
  const rows = await paidInCampaign(db, c)
    .select([
      'currency',
      (eb) => eb.fn.countAll<number>().as('gifts'),
      (eb) => eb.fn.sum<number>('amount_minor').as('amount'),
      counted(c),
      sql<number>`sum(case when settled_minor is null then 1 else 0 end)`.as('awaiting'),
      sql<number>`sum(case when campaign_id is null then 1 else 0 end)`.as('elsewhere'),
    ])
    .groupBy('currency')
    .orderBy('currency')
    .execute();
  return rows.map((r) => ({
    currency: r.currency,
    gifts: Number(r.gifts),
    amountMinor: Number(r.amount),
    countedMinor: Number(r.counted),
    awaiting: Number(r.awaiting),
    elsewhere: Number(r.elsewhere),
  }));
}

export async function giftsByLanguage(db: Db, c: Window): Promise<LanguageRow[]> {
  const rows = await paidInCampaign(db, c)
    .select([
      'language',
      (eb) => eb.fn.countAll<number>().as('gifts'),
      (eb) => eb.fn.count<number>('donor_key').distinct().as('donors'),
      counted(c),
    ])
    .groupBy('language')
    .orderBy('language')
    .execute();
  return rows.map((r) => ({
    language: r.language,
    gifts: Number(r.gifts),
    donors: Number(r.donors),
    countedMinor: Number(r.counted),
  }));
}
