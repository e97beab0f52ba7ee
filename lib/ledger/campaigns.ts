// Campaign rows: created on demand for the window that holds a moment, with the goal and
// currency from configuration; the goal staff set, and the sync of the settings at start.
import type { Transaction } from 'kysely';
import type { Config } from '../config.ts';
import { displayedWindow, windowFor, type CampaignWindow } from '../campaign-window.ts';
import { toMinor } from '../money.ts';
import type { Campaign, Database } from '../db/schema.ts';
import { serializedTransaction, type Db } from '../db/database.ts';
import type { SqlTx } from '../db/statements.ts';
import { writeChange } from './change-log.ts';
import type { LedgerContext } from './context.ts';

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
  const campaign = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('slug', '=', window.slug)
    .executeTakeFirstOrThrow();
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
export async function campaignAt(
  trx: SqlTx,
  fundraiser: Config['fundraiser'],
  at: Date,
  now: Date,
): Promise<Pick<Campaign, 'id' | 'currency'> | null> {
  const window = windowFor(fundraiser.window, at);
  if (!window) return null;
  return (
    (await trx.first<Pick<Campaign, 'id' | 'currency'>>('select id, currency from campaigns where slug = ?', [
      window.slug,
    ])) ?? ensureCampaign(trx.kysely, fundraiser, window, now)
  );
}

export function campaignWrites(ctx: LedgerContext) {
  const { db, fundraiser, clock } = ctx;
  return {
    async setGoal(goalMinor: number, staffEmail: string): Promise<void> {
      await ctx.tx(async (trx) => {
        const now = clock();
        const campaign = await ensureCampaign(trx.kysely, fundraiser, displayedWindow(fundraiser.window, now), now);
        await trx.kysely
          .updateTable('campaigns')
          .set({ goal_minor: goalMinor, goal_set_by: staffEmail, updated_at: now.toISOString() })
          .where('id', '=', campaign.id)
          .execute();
        const detail = `campaign ${campaign.slug}: ${campaign.goal_minor} -> ${goalMinor} ${campaign.currency}`;
        await writeChange(trx.kysely, staffEmail, 'goal', detail, now.toISOString());
      });
    },

    async setStretchMessage(message: string | null, staffEmail: string): Promise<void> {
      await ctx.tx(async (trx) => {
        const now = clock();
        const campaign = await ensureCampaign(trx.kysely, fundraiser, displayedWindow(fundraiser.window, now), now);
        await trx.kysely
          .updateTable('campaigns')
          .set({ stretch_message: message, updated_at: now.toISOString() })
          .where('id', '=', campaign.id)
          .execute();
        const detail = `campaign ${campaign.slug}: ${message === null ? 'cleared' : JSON.stringify(message)}`;
        await writeChange(trx.kysely, staffEmail, 'stretch message', detail, now.toISOString());
      });
    },

    async syncCampaign(): Promise<void> {
      const now = clock();
      // Not through tx(): a dry run must still see the campaign on show.
      await serializedTransaction(db, async (trx) => {
        const campaign = await ensureCampaign(trx, fundraiser, displayedWindow(fundraiser.window, now), now);
        if (campaign.currency !== fundraiser.currency) {
          throw new Error(
            `FUNDRAISER_CURRENCY is ${fundraiser.currency} but campaign ${campaign.slug} already holds gifts in ` +
              `${campaign.currency}; a campaign cannot change currency`,
          );
        }
        const goalMinor = toMinor(fundraiser.goal, campaign.currency);
        // A goal staff set in the staff area wins over the configured default.
        if (campaign.goal_set_by === null && Number(campaign.goal_minor) !== goalMinor) {
          await trx
            .updateTable('campaigns')
            .set({ goal_minor: goalMinor, updated_at: now.toISOString() })
            .where('id', '=', campaign.id)
            .execute();
        }
      });
      ctx.noteWrite();
    },
  };
}
