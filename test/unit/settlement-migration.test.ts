// Migration 0010 (settlement and language): gifts already in their campaign's currency settled at
// their own amount; a paid gift in another currency, kept outside every campaign before, joins
// the campaign of its payment time and waits for its settlement (uncounted until then).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { loadConfig } from '../../lib/config.ts';
import { createDb, type Db } from '../../lib/db/database.ts';
import * as m0001 from '../../lib/db/migrations/0001_initial.ts';
import * as m0002 from '../../lib/db/migrations/0002_rate_limits.ts';
import * as m0003 from '../../lib/db/migrations/0003_staff.ts';
import * as m0004 from '../../lib/db/migrations/0004_drop_unused_index.ts';
import * as m0005 from '../../lib/db/migrations/0005_pledge_states.ts';
import * as m0006 from '../../lib/db/migrations/0006_api_version_warning.ts';
import * as m0007 from '../../lib/db/migrations/0007_write_probe.ts';
import * as m0008 from '../../lib/db/migrations/0008_refused_events.ts';
import * as m0009 from '../../lib/db/migrations/0009_stretch_and_fee_cover.ts';
import * as m0010 from '../../lib/db/migrations/0010_settlement_and_language.ts';
import { figuresOf } from '../../lib/ledger/figures.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';

let database: TestDatabase;
let db: Db;
before(async () => {
  database = await freshDatabase();
  db = createDb(loadConfig({ DATABASE_URL: database.url }).database);
  for (const m of [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009]) await m.up(db);
});
after(async () => {
  await db.destroy();
  await database.drop();
});

const at = '2026-03-01T00:00:00.000Z';

async function gift(id: string, currency: string, status: string, campaign: number | null, paidAt: string | null) {
  await sql`insert into contributions (stripe_id, donor_key, source, frequency, status, currency, amount_minor,
      refunded_minor, disputed_minor, dispute_lost_minor, counted_donor, campaign_id, paid_at, created_at, updated_at)
    values (${id}, ${id}, 'stripe', 'once', ${status}, ${currency}, 2500, 0, 0, 0, 0, ${campaign}, ${paidAt}, ${at}, ${at})`.execute(
    db,
  );
}

describe('migration 0010 (settlement and language)', () => {
  it('when it runs over gifts of before, then same-currency gifts settle at their amount and paid foreign ones wait in their campaign', async () => {
    await sql`insert into campaigns (slug, goal_minor, currency, starts_at, ends_at, created_at, updated_at)
      values ('2026', 100000, 'usd', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', ${at}, ${at})`.execute(db);
    const campaign = Number((await sql<{ id: number }>`select id from campaigns`.execute(db)).rows[0]!.id);
    await gift('cs_usd', 'usd', 'paid', campaign, at);
    await gift('cs_usd_outside', 'usd', 'paid', null, '2025-06-01T00:00:00.000Z');
    await gift('cs_eur_paid', 'eur', 'paid', null, at);
    await gift('cs_eur_pending', 'eur', 'pending', null, null);
    await gift('cs_eur_outside', 'eur', 'paid', null, '2025-06-01T00:00:00.000Z');
    await m0010.up(db);

    const rows = await db
      .selectFrom('contributions')
      .select(['stripe_id', 'campaign_id', 'settled_minor', 'settled_currency', 'language'])
      .orderBy('stripe_id')
      .execute();
    const by = Object.fromEntries(
      rows.map((r) => [
        r.stripe_id,
        {
          ...r,
          settled_minor: r.settled_minor === null ? null : Number(r.settled_minor),
          campaign_id: r.campaign_id === null ? null : Number(r.campaign_id),
        },
      ]),
    );
    assert.deepEqual(by.cs_usd, {
      stripe_id: 'cs_usd',
      campaign_id: campaign,
      settled_minor: 2500,
      settled_currency: 'usd',
      language: null,
    });
    assert.equal(
      by.cs_usd_outside!.settled_minor,
      2500,
      'a gift in the currency settles at its amount, campaign or none',
    );
    assert.deepEqual(by.cs_eur_paid, {
      stripe_id: 'cs_eur_paid',
      campaign_id: campaign,
      settled_minor: null,
      settled_currency: null,
      language: null,
    });
    assert.deepEqual([by.cs_eur_pending!.campaign_id, by.cs_eur_pending!.settled_minor], [null, null]);
    assert.deepEqual([by.cs_eur_outside!.campaign_id, by.cs_eur_outside!.settled_minor], [null, null]);

    // The waiting gift counts nothing until its settlement is known, so the totals stand as they were.
    const full = await db
      .selectFrom('contributions')
      .selectAll()
      .where('stripe_id', '=', 'cs_eur_paid')
      .executeTakeFirstOrThrow();
    assert.equal(figuresOf(full).raised, 0);

    await m0010.down(db);
    const back = await sql<{
      stripe_id: string;
      campaign_id: number | null;
    }>`select stripe_id, campaign_id from contributions where stripe_id = 'cs_eur_paid'`.execute(db);
    assert.equal(back.rows[0]!.campaign_id, null, 'down: money in another currency is outside the campaign again');
    await m0010.up(db);

    // Once a foreign gift counts at its settled amount, rolling back would leave the totals wrong: refused.
    await sql`update contributions set settled_minor = 2700, settled_currency = 'usd' where stripe_id = 'cs_eur_paid'`.execute(
      db,
    );
    await assert.rejects(m0010.down(db), /cannot roll back 0010: 1 gifts in other currencies count/);
  });
});
