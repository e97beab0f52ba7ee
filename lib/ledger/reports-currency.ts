// The staff dashboard's gifts by currency and by language, for the campaign on show: every paid
// gift of its window, also those kept outside it because they settled in another currency, with
// what each group counts toward the goal (in the campaign's currency, at what Stripe settled).
// The campaign's own gifts are read from the rollups by kind of gift (rollups.ts); the
// few kept outside every campaign from the contributions, by the (campaign_id, paid_at) index.
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Campaign } from '../db/schema.ts';

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

/** Paid gifts outside every campaign whose payment falls in the window. */
function keptOutside(db: Db, c: Window) {
  return db
    .selectFrom('contributions')
    .where('campaign_id', 'is', null)
    .where('paid_at', '>=', c.starts_at)
    .where('paid_at', '<', c.ends_at)
    .where('status', '=', 'paid');
}

function rollups(db: Db, c: Window) {
  return db.selectFrom('gift_figures').where('campaign_id', '=', c.id);
}

const byName =
  <T>(name: (r: T) => string | null) =>
  (a: T, b: T) => {
    // Unknown (null) last, the others in code order.
    const x = name(a) ?? '\uffff';
    const y = name(b) ?? '\uffff';
    return x < y ? -1 : x > y ? 1 : 0;
  };

export async function giftsByCurrency(db: Db, c: Window): Promise<CurrencyRow[]> {
  const held = await rollups(db, c)
    .select([
      'currency',
      (eb) => eb.fn.sum<number>('gifts').as('gifts'),
      (eb) => eb.fn.sum<number>('amount_minor').as('amount'),
      (eb) => eb.fn.sum<number>('counted_minor').as('counted'),
      sql<number>`sum(gifts - counted_gifts)`.as('awaiting'),
    ])
    .groupBy('currency')
    .execute();
  const outside = await keptOutside(db, c)
    .select([
      'currency',
      (eb) => eb.fn.countAll<number>().as('gifts'),
      (eb) => eb.fn.sum<number>('amount_minor').as('amount'),
      sql<number>`sum(case when settled_minor is null then 1 else 0 end)`.as('awaiting'),
    ])
    .groupBy('currency')
    .execute();
  const rows = new Map<string, CurrencyRow>();
  const row = (currency: string) => {
    const r = rows.get(currency) ?? { currency, gifts: 0, amountMinor: 0, countedMinor: 0, awaiting: 0, elsewhere: 0 };
    rows.set(currency, r);
    return r;
  };
  for (const h of held) {
    const r = row(h.currency);
    r.gifts += Number(h.gifts);
    r.amountMinor += Number(h.amount);
    r.countedMinor += Number(h.counted);
    r.awaiting += Number(h.awaiting);
  }
  for (const o of outside) {
    const r = row(o.currency);
    r.gifts += Number(o.gifts);
    r.amountMinor += Number(o.amount);
    r.awaiting += Number(o.awaiting);
    r.elsewhere += Number(o.gifts);
  }
  return [...rows.values()].filter((r) => r.gifts > 0).sort(byName((r) => r.currency));
}

export async function giftsByLanguage(db: Db, c: Window): Promise<LanguageRow[]> {
  const held = await rollups(db, c)
    .select([
      'language',
      (eb) => eb.fn.sum<number>('gifts').as('gifts'),
      (eb) => eb.fn.sum<number>('donors').as('donors'),
      (eb) => eb.fn.sum<number>('counted_minor').as('counted'),
    ])
    .groupBy('language')
    .execute();
  // A donor kept outside who also gave in the campaign in that language is counted there already.
  const outside = await keptOutside(db, c)
    .select([
      'language',
      (eb) => eb.fn.countAll<number>().as('gifts'),
      sql<number>`count(distinct case when not exists (select 1 from contributions d
        where d.donor_key = contributions.donor_key and d.campaign_id = ${c.id} and d.status = 'paid'
        and coalesce(d.language, '') = coalesce(contributions.language, '')) then donor_key end)`.as('donors'),
    ])
    .groupBy('language')
    .execute();
  const rows = new Map<string, LanguageRow>();
  const row = (language: string | null) => {
    const r = rows.get(language ?? '') ?? { language: language || null, gifts: 0, donors: 0, countedMinor: 0 };
    rows.set(language ?? '', r);
    return r;
  };
  for (const h of held) {
    const r = row(h.language);
    r.gifts += Number(h.gifts);
    r.donors += Number(h.donors);
    r.countedMinor += Number(h.counted);
  }
  for (const o of outside) {
    const r = row(o.language);
    r.gifts += Number(o.gifts);
    r.donors += Number(o.donors);
  }
  return [...rows.values()].filter((r) => r.gifts > 0).sort(byName((r) => r.language));
}
