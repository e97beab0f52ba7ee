// What the staff pages show: figures first (from the ledger's running totals), then the
// breakdowns and the chart from the rollups kept with them (rollups.ts), and the lists,
// read from the contributions themselves, newest first by id (keyset, never OFFSET).
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { apiVersionDrift, refusedEventsWarning, refusedSince, webhookSilence } from '../monitoring.ts';
import { STRIPE_API_VERSION } from '../payments/stripe.ts';
import { formatMoney, minorDigits, toMinor } from '../money.ts';
import { netOf } from './figures.ts';
import { giftsByCurrency, giftsByLanguage, type CurrencyRow, type LanguageRow } from './reports-currency.ts';
import {
  PLEDGE_STATUSES,
  type ContributionStatus,
  type Frequency,
  type LastWebhook,
  type PledgeStatus,
  type Progress,
  type RefusedEvents,
} from './types.ts';

export interface Dashboard {
  progress: Progress;
  averageGift: number;
  paidGifts: number;
  split: Array<{ label: string; frequency: Frequency; count: number; gross: number }>;
  pledges: PledgeSummary;
  daily: Array<{ day: string; net: number }>;
  recent: GiftRow[];
  byCurrency: CurrencyRow[];
  byLanguage: LanguageRow[];
  lastWebhook: { at: string; type: string } | null;
  webhookWarning: string | null;
  apiVersionWarning: string | null;
  refusedWarning: string | null;
}

/**
 * Monthly pledges by state (all campaigns); `monthlyMinor` is what the giving ones pay each
 * month in the campaign's currency. Pledges in other currencies are counted, never added to
 * it (their months count at what Stripe settles, as they are paid): `elsewhere` says how many.
 */
export interface PledgeSummary {
  active: number;
  monthlyMinor: number;
  byStatus: Record<PledgeStatus, { count: number; monthlyMinor: number; elsewhere: number }>;
}

async function pledgeSummary(db: Db, currency: string): Promise<PledgeSummary> {
  const rows = await db
    .selectFrom('pledges')
    .select([
      'status',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) =>
        eb.fn
          .sum<number>(eb.case().when('currency', '=', currency).then(eb.ref('amount_minor')).else(0).end())
          .as('monthly'),
      (eb) => eb.fn.sum<number>(eb.case().when('currency', '=', currency).then(0).else(1).end()).as('elsewhere'),
    ])
    .groupBy('status')
    .execute();
  const byStatus = Object.fromEntries(
    PLEDGE_STATUSES.map((status) => {
      const r = rows.find((x) => x.status === status);
      const elsewhere = Number(r?.elsewhere ?? 0);
      return [status, { count: Number(r?.n ?? 0), monthlyMinor: Number(r?.monthly ?? 0), elsewhere }];
    }),
  ) as PledgeSummary['byStatus'];
  return { active: byStatus.active.count, monthlyMinor: byStatus.active.monthlyMinor, byStatus };
}

function gifts(db: Db) {
  return db
    .selectFrom('contributions')
    .leftJoin('campaigns', 'campaigns.id', 'contributions.campaign_id')
    .leftJoin('pledges', 'pledges.subscription_id', 'contributions.subscription_id')
    .select([
      'contributions.id',
      'contributions.created_at',
      'contributions.paid_at',
      'contributions.status',
      'contributions.frequency',
      'contributions.source',
      'contributions.currency',
      'contributions.amount_minor',
      'contributions.fee_cover_minor',
      'contributions.refunded_minor',
      'contributions.disputed_minor',
      'contributions.dispute_lost_minor',
      'contributions.settled_minor',
      'contributions.settled_currency',
      'contributions.language',
      'contributions.email',
      'contributions.donor_name',
      'contributions.note',
      'contributions.stripe_id',
      'contributions.checkout_session_id',
      'contributions.payment_intent_id',
      'contributions.subscription_id',
      'campaigns.slug as campaign',
      'pledges.status as pledge_status',
    ]);
}

export type GiftRow = Awaited<ReturnType<ReturnType<typeof gifts>['execute']>>[number];

export interface ReportDeps {
  db: Db;
  clock: () => Date;
  progress: () => Promise<Progress>;
  lastWebhook: () => Promise<LastWebhook | null>;
  refusedEvents: (since: Date) => Promise<RefusedEvents>;
  webhookWarningHours: number;
  /** The donate form's preset amounts per frequency (whole units): the dashboard's split. */
  presets: Readonly<Record<Frequency, readonly number[]>>;
}

export async function dashboard(deps: ReportDeps): Promise<Dashboard> {
  const { db } = deps;
  const progress = await deps.progress();
  const campaign = await db
    .selectFrom('campaigns')
    .select(['id', 'starts_at', 'ends_at'])
    .where('slug', '=', progress.campaign)
    .executeTakeFirstOrThrow();
  // All from the rollups (rollups.ts), never the gifts themselves: O(days + kinds of gift).
  const kinds = db.selectFrom('gift_figures').where('campaign_id', '=', campaign.id);
  // By the tile the donor chose: the gift without what was added for fees, against the
  // frequency's configured presets; every other gift is an "other amount". Only gifts in the
  // campaign's currency (the presets' own): the others are under "Gifts by currency".
  const splitRows = await kinds
    .select([
      'gift_minor as gift',
      'frequency',
      (eb) => eb.fn.sum<number>('gifts').as('n'),
      (eb) => eb.fn.sum<number>('amount_minor').as('gross'),
    ])
    .where('currency', '=', progress.currency)
    .groupBy(['gift_minor', 'frequency'])
    .execute();
  const split = (['once', 'monthly'] as const).flatMap((frequency) => {
    const presets = deps.presets[frequency].map((p) => toMinor(p, progress.currency));
    const rows = splitRows.filter((r) => r.frequency === frequency);
    const sum = (of: typeof rows) => ({
      count: of.reduce((a, r) => a + Number(r.n), 0),
      gross: of.reduce((a, r) => a + Number(r.gross), 0),
    });
    return [
      ...presets.map((p) => ({
        label: formatMoney(p, progress.currency),
        frequency,
        ...sum(rows.filter((r) => Number(r.gift) === p)),
      })),
      { label: 'other amounts', frequency, ...sum(rows.filter((r) => !presets.includes(Number(r.gift)))) },
    ];
  });
  // The payments the gross figure holds (in any currency, once settled): the average is theirs.
  const counted = await kinds.select((eb) => eb.fn.sum<number>('counted_gifts').as('n')).executeTakeFirstOrThrow();
  const paidGifts = Number(counted.n ?? 0);

  // What counts toward the goal per paid day: in the campaign's currency, at what Stripe settled.
  const daily = await db
    .selectFrom('daily_figures')
    .select(['day', 'counted_minor as net'])
    .where('campaign_id', '=', campaign.id)
    .where('gifts', '>', 0)
    .orderBy('day')
    .execute();

  const recent = await gifts(db).orderBy('contributions.id', 'desc').limit(10).execute();
  const last = await deps.lastWebhook();
  const webhookWarning = webhookSilence(progress, last, deps.clock(), deps.webhookWarningHours);

  return {
    progress,
    averageGift: paidGifts ? Math.round(progress.gross / paidGifts) : 0,
    paidGifts,
    split,
    pledges: await pledgeSummary(db, progress.currency),
    daily: daily.map((d) => ({ day: d.day, net: Number(d.net) })),
    recent,
    byCurrency: await giftsByCurrency(db, campaign),
    byLanguage: await giftsByLanguage(db, campaign),
    lastWebhook: last ? { at: last.at, type: last.type } : null,
    webhookWarning,
    apiVersionWarning: apiVersionDrift(last, deps.clock(), STRIPE_API_VERSION),
    refusedWarning: refusedEventsWarning(await deps.refusedEvents(refusedSince(deps.clock()))),
  };
}

export interface GiftFilter {
  status?: ContributionStatus;
  frequency?: Frequency;
  /** Inclusive day, YYYY-MM-DD (UTC), on the paid date or else the created date. */
  from?: string;
  to?: string;
  minMinor?: number;
  maxMinor?: number;
}

function filtered(db: Db, f: GiftFilter) {
  const when = sql<string>`coalesce(contributions.paid_at, contributions.created_at)`;
  let q = gifts(db);
  if (f.status) q = q.where('contributions.status', '=', f.status);
  if (f.frequency) q = q.where('contributions.frequency', '=', f.frequency);
  if (f.from) q = q.where(when, '>=', `${f.from}T00:00:00.000Z`);
  if (f.to) q = q.where(when, '<', nextDay(f.to));
  if (f.minMinor !== undefined) q = q.where('contributions.amount_minor', '>=', f.minMinor);
  if (f.maxMinor !== undefined) q = q.where('contributions.amount_minor', '<=', f.maxMinor);
  return q;
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

export interface GiftPage {
  rows: GiftRow[];
  /** The id to ask for the next (older) page with, `before=<id>`; null on the last page. */
  next: number | null;
}

/** One page of matching gifts, newest first, older than the gift `before` (keyset: as cheap on page 1,000 as on page 1). */
export async function giftPage(db: Db, f: GiftFilter, before: number | null, perPage = 50): Promise<GiftPage> {
  let q = filtered(db, f);
  if (before !== null) q = q.where('contributions.id', '<', before);
  const rows = await q
    .orderBy('contributions.id', 'desc')
    .limit(perPage + 1)
    .execute();
  const page = rows.slice(0, perPage);
  return { rows: page, next: rows.length > perPage ? Number(page[page.length - 1]!.id) : null };
}

/** Every matching gift, newest first, read in batches so a million rows never sit in memory. */
async function* allGifts(db: Db, f: GiftFilter, batch = 1000) {
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows = await filtered(db, f)
      .where('contributions.id', '<', before)
      .orderBy('contributions.id', 'desc')
      .limit(batch)
      .execute();
    if (rows.length === 0) return;
    yield* rows;
    before = Number(rows[rows.length - 1]!.id);
  }
}

export const CSV_COLUMNS = [
  'id',
  'created_at',
  'paid_at',
  'status',
  'frequency',
  'source',
  'currency',
  'amount',
  'refunded',
  'disputed',
  'dispute_lost',
  'net',
  'campaign',
  'donor_name',
  'email',
  'stripe_id',
  'checkout_session_id',
  'payment_intent_id',
  'subscription_id',
  'note',
  // Added last, so existing spreadsheets keep their columns where they were.
  'pledge_status',
  // Part of `amount` the donor added to cover fees (already in amount and net, not extra).
  'fee_cover',
  // The reader's language, and what Stripe settled the payment at in the account's currency
  // (what counts toward the goal; empty while Stripe has not settled it).
  'language',
  'settled_amount',
  'settled_currency',
] as const;

const majorOf = (minor: number, currency: string) =>
  (minor / 10 ** minorDigits(currency)).toFixed(minorDigits(currency));

/** One CSV record; money in major units with the currency's decimals ("25.00"). */
function csvRecord(r: GiftRow, withEmail: boolean): Record<(typeof CSV_COLUMNS)[number], string> {
  const major = (minor: number) => majorOf(minor, r.currency);
  return {
    id: String(r.id),
    created_at: r.created_at,
    paid_at: r.paid_at ?? '',
    status: r.status,
    frequency: r.frequency,
    source: r.source,
    currency: r.currency,
    amount: major(Number(r.amount_minor)),
    refunded: major(Number(r.refunded_minor)),
    disputed: major(Number(r.disputed_minor)),
    dispute_lost: major(Number(r.dispute_lost_minor)),
    net: major(netOf(r)),
    campaign: r.campaign ?? '',
    donor_name: r.donor_name ?? '',
    email: withEmail ? (r.email ?? '') : '',
    stripe_id: r.stripe_id,
    checkout_session_id: r.checkout_session_id ?? '',
    payment_intent_id: r.payment_intent_id ?? '',
    subscription_id: r.subscription_id ?? '',
    note: r.note ?? '',
    pledge_status: r.pledge_status ?? '',
    fee_cover: major(Number(r.fee_cover_minor)),
    language: r.language ?? '',
    settled_amount:
      r.settled_minor === null || r.settled_currency === null
        ? ''
        : majorOf(Number(r.settled_minor), r.settled_currency),
    settled_currency: r.settled_currency ?? '',
  };
}

export function giftRecords(db: Db, f: GiftFilter, withEmail: boolean): Readable {
  return Readable.from(
    (async function* () {
      for await (const r of allGifts(db, f)) yield csvRecord(r, withEmail);
    })(),
  );
}
