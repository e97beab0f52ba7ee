// Yearly statements: one row per donor (their e-mail) and currency for a calendar year (UTC),
// for non-profits that send tax receipts. Money is what was paid in the year, net of refunds
// and lost disputes by the one counting rule (figures.ts). Read in pages of donors, so a year
// of a big fundraiser never sits in memory.
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { minorDigits } from '../money.ts';
import { NET_SQL } from './figures.ts';

export const STATEMENT_COLUMNS = [
  'year',
  'email',
  'donor_name',
  'currency',
  'payments',
  'gross',
  'refunded',
  'net',
  'first_paid_at',
  'last_paid_at',
] as const;

type StatementRecord = Record<(typeof STATEMENT_COLUMNS)[number], string>;

const PAGE = 500;

async function* donorsOfYear(db: Db, year: number) {
  const donor = sql<string>`lower(email)`;
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('contributions')
      .select([
        donor.as('donor'),
        'currency',
        sql<string | null>`max(donor_name)`.as('donor_name'),
        (eb) => eb.fn.countAll<number>().as('payments'),
        (eb) => eb.fn.sum<number>('amount_minor').as('gross'),
        (eb) => eb.fn.sum<number>('refunded_minor').as('refunded'),
        (eb) => eb.fn.sum<number>(sql.raw(NET_SQL)).as('net'),
        (eb) => eb.fn.min('paid_at').as('first_paid_at'),
        (eb) => eb.fn.max('paid_at').as('last_paid_at'),
      ])
      .where('status', '=', 'paid')
      .where('email', 'is not', null)
      .where('paid_at', '>=', `${year}-01-01T00:00:00.000Z`)
      .where('paid_at', '<', `${year + 1}-01-01T00:00:00.000Z`)
      .where(donor, '>', after)
      .groupBy([donor, 'currency'])
      .orderBy(donor)
      .orderBy('currency')
      .limit(PAGE)
      .execute();
    // A page may end inside one donor's currencies: the last donor is read again whole.
    const last = rows.length === PAGE ? rows[rows.length - 1]!.donor : null;
    yield* last === null ? rows : rows.filter((r) => r.donor !== last);
    if (last === null) return;
    if (rows.every((r) => r.donor === last)) {
      // One donor in more currencies than a page holds: impossible with ISO codes and PAGE=500.
      throw new Error(`statement page holds only ${last}`);
    }
    after = rows.filter((r) => r.donor !== last).at(-1)!.donor;
  }
}

export function statementRecords(db: Db, year: number): Readable {
  return Readable.from(
    (async function* () {
      for await (const r of donorsOfYear(db, year)) {
        const major = (minor: number) =>
          (Number(minor) / 10 ** minorDigits(r.currency)).toFixed(minorDigits(r.currency));
        const record: StatementRecord = {
          year: String(year),
          email: r.donor,
          donor_name: r.donor_name ?? '',
          currency: r.currency,
          payments: String(r.payments),
          gross: major(r.gross),
          refunded: major(r.refunded),
          net: major(r.net),
          first_paid_at: String(r.first_paid_at ?? ''),
          last_paid_at: String(r.last_paid_at ?? ''),
        };
        yield record;
      }
    })(),
  );
}
