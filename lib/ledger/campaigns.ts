// Campaign rows: created on demand for the window that holds a moment, with the goal and
// currency from configuration.
import type { Transaction } from 'kysely';
import type { Config } from '../config.ts';
import { windowFor, type CampaignWindow } from '../campaign-window.ts';
import { toMinor } from '../money.ts';
import type { Campaign, Database } from '../db/schema.ts';
import type { Db } from '../db/database.ts';
import type { LedgerTx } from '../db/statements.ts';

type Executor = Db | Transaction<Database>;

export async function ensureCampaign(
  db: Executor,
  fundraiser: Config['fundraiser'],
  window: CampaignWindow,
  now: Date,
): Promise<Campaign> {
  const found = await db.selectFrom('campaigns').selectAll().where('slug', '=', window.slug).executeTakeFirst();
  if (found) return found;
  const at = now.toISOString();
  await db
    .insertInto('campaigns')
    .values({
      slug: window.slug,
      goal_minor: toMinor(fundraiser.goal, fundraiser.currency),
      goal_set_by: null,
      currency: fundraiser.currency,
      starts_at: window.startsAt.toISOString(),
      ends_at: window.endsAt.toISOString(),
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.column('slug').doNothing())
    .execute();
  const campaign = await db.selectFrom('campaigns').selectAll().where('slug', '=', window.slug).executeTakeFirstOrThrow();
  await db
    .insertInto('campaign_totals')
    .values({
      campaign_id: campaign.id,
      raised_minor: 0,
      gross_minor: 0,
      refunded_minor: 0,
      disputed_minor: 0,
      dispute_lost_minor: 0,
      donors: 0,
      updated_at: at,
    })
    .onConflict((oc) => oc.column('campaign_id').doNothing())
    .execute();
  return campaign;
}

/** The campaign whose window holds `at` (its id and currency), or null when no campaign window does. On every gift's path, so found with plain SQL. */
export async function campaignAt(trx: LedgerTx, fundraiser: Config['fundraiser'], at: Date, now: Date): Promise<Pick<Campaign, 'id' | 'currency'> | null> {
  const window = windowFor(fundraiser.window, at);
  if (!window) return null;
  return (await trx.first<Pick<Campaign, 'id' | 'currency'>>('select id, currency from campaigns where slug = ?', [window.slug])) ?? ensureCampaign(trx.kysely, fundraiser, window, now);
}
