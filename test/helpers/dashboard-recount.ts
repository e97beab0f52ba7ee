// The staff dashboard's figures as reports.ts computed them before the rollups (#20): GROUP BY
// queries over every contribution of the campaign. Kept for the tests only, as the reference
// the rollup-read dashboard must equal.
import { sql } from 'kysely';
import type { Db } from '../../lib/db/database.ts';
import { COUNTED_SQL } from '../../lib/ledger/figures.ts';

export async function dashboardByRecount(db: Db, slug: string, currency: string) {
  const c = await db
    .selectFrom('campaigns')
    .select(['id', 'starts_at', 'ends_at'])
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  const gift = sql<number>`amount_minor - fee_cover_minor`;
  const split = await db
    .selectFrom('contributions')
    .select([
      gift.as('gift'),
      'frequency',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.sum<number>('amount_minor').as('gross'),
    ])
    .where('campaign_id', '=', c.id)
    .where('status', '=', 'paid')
    .where('currency', '=', currency)
    .groupBy([gift, 'frequency'])
    .execute();
  const counted = await db
    .selectFrom('contributions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', c.id)
    .where('status', '=', 'paid')
    .where('settled_minor', 'is not', null)
    .executeTakeFirstOrThrow();
  const day = sql<string>`substr(paid_at, 1, 10)`;
  const daily = await db
    .selectFrom('contributions')
    .select([day.as('day'), (eb) => eb.fn.sum<number>(sql.raw(COUNTED_SQL)).as('net')])
    .where('campaign_id', '=', c.id)
    .where('status', '=', 'paid')
    .groupBy(day)
    .orderBy(day)
    .execute();
  const paidInCampaign = () =>
    db
      .selectFrom('contributions')
      .where('status', '=', 'paid')
      .where((eb) =>
        eb.or([
          eb('campaign_id', '=', c.id),
          eb.and([eb('campaign_id', 'is', null), eb('paid_at', '>=', c.starts_at), eb('paid_at', '<', c.ends_at)]),
        ]),
      );
  const countedHere = sql<number>`sum(case when campaign_id = ${c.id} then ${sql.raw(COUNTED_SQL)} else 0 end)`.as(
    'counted',
  );
  const byCurrency = await paidInCampaign()
    .select([
      'currency',
      (eb) => eb.fn.countAll<number>().as('gifts'),
      (eb) => eb.fn.sum<number>('amount_minor').as('amount'),
      countedHere,
      sql<number>`sum(case when settled_minor is null then 1 else 0 end)`.as('awaiting'),
      sql<number>`sum(case when campaign_id is null then 1 else 0 end)`.as('elsewhere'),
    ])
    .groupBy('currency')
    .orderBy('currency')
    .execute();
  const byLanguage = await paidInCampaign()
    .select([
      'language',
      (eb) => eb.fn.countAll<number>().as('gifts'),
      (eb) => eb.fn.count<number>('donor_key').distinct().as('donors'),
      countedHere,
    ])
    .groupBy('language')
    .execute();
  return {
    splitRows: split
      .map((r) => ({ gift: Number(r.gift), frequency: r.frequency, n: Number(r.n), gross: Number(r.gross) }))
      .sort((a, b) => a.frequency.localeCompare(b.frequency) || a.gift - b.gift),
    paidGifts: Number(counted.n),
    daily: daily.map((d) => ({ day: d.day, net: Number(d.net) })),
    byCurrency: byCurrency.map((r) => ({
      currency: r.currency,
      gifts: Number(r.gifts),
      amountMinor: Number(r.amount),
      countedMinor: Number(r.counted),
      awaiting: Number(r.awaiting),
      elsewhere: Number(r.elsewhere),
    })),
    // Unknown last (SQLite sorted NULL first, PostgreSQL last; the rollups put it last on both).
    byLanguage: byLanguage
      .map((r) => ({
        language: r.language,
        gifts: Number(r.gifts),
        donors: Number(r.donors),
        countedMinor: Number(r.counted),
      }))
      .sort((a, b) => (a.language ?? '\uffff').localeCompare(b.language ?? '\uffff')),
  };
}
