// The only writer of money. Every change to a contribution and the matching change to its
// campaign's totals happen in one transaction, together with the record of the Stripe
// event that caused them, so a retried or duplicated event can never count twice.
import type { Transaction } from 'kysely';
import type { Config } from '../config.ts';
import { displayedWindow } from '../campaign-window.ts';
import { percentOf, toMinor } from '../money.ts';
import type { Contribution, ContributionStatus, Database, Frequency } from '../db/schema.ts';
import type { Db } from '../db/index.ts';
import { campaignAt, ensureCampaign } from './campaigns.ts';

export interface GiftFacts {
  /** Stripe object id the gift is unique on (the Checkout Session for one-off gifts). */
  stripeId: string;
  checkoutSessionId: string | null;
  subscriptionId: string | null;
  /** Counted as one donor per campaign: the session id (one-off) or subscription id (monthly). */
  donorKey: string;
  paymentIntentId: string | null;
  customerId: string | null;
  email: string | null;
  frequency: Frequency;
  status: Exclude<ContributionStatus, 'expired'>;
  currency: string;
  amountMinor: number;
  /** When Stripe says this happened; decides the campaign a payment counts toward. */
  occurredAt: Date;
}

export interface EventRef {
  id: string;
  type: string;
}

export type RecordOutcome =
  | { result: 'duplicate-event' }
  | { result: 'recorded'; contribution: Contribution; changed: boolean };

export interface PledgeFacts {
  subscriptionId: string;
  checkoutSessionId: string | null;
  customerId: string | null;
  email: string | null;
  currency: string;
  amountMinor: number;
}

export interface Progress {
  campaign: string;
  currency: string;
  goal: number;
  raised: number;
  donors: number;
  percent: number;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
}

export interface Ledger {
  recordGift(facts: GiftFacts, event?: EventRef): Promise<RecordOutcome>;
  /** Links a monthly pledge to its donor; moves no money (each paid invoice does). */
  recordPledge(facts: PledgeFacts, event?: EventRef): Promise<{ result: 'duplicate-event' } | { result: 'pledge-linked' }>;
  /** Marks an event as seen when it changes nothing in the ledger (so replays are cheap). */
  acknowledgeEvent(event: EventRef, objectId: string | null, outcome: string): Promise<boolean>;
  progress(): Promise<Progress>;
  findGift(stripeId: string): Promise<Contribution | undefined>;
  /** Makes sure the campaign on show exists and carries the configured goal. */
  syncCampaign(): Promise<void>;
}

// A gift's status only moves forward: pending -> paid | failed. A late or replayed snapshot
// saying "pending" must never undo a payment Stripe already confirmed.
const RANK: Record<ContributionStatus, number> = { pending: 0, paid: 1, failed: 1, expired: 1 };

export function createLedger(deps: { db: Db; fundraiser: Config['fundraiser']; clock: () => Date }): Ledger {
  const { db, fundraiser, clock } = deps;

  async function insertEvent(trx: Transaction<Database>, event: EventRef, objectId: string | null, outcome: string) {
    const inserted = await trx
      .insertInto('stripe_events')
      .values({ id: event.id, type: event.type, object_id: objectId, outcome, received_at: clock().toISOString() })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async function applyToTotals(trx: Transaction<Database>, campaignId: number | null, deltaMinor: number, deltaDonors: number) {
    if (campaignId === null || (deltaMinor === 0 && deltaDonors === 0)) return;
    await trx
      .updateTable('campaign_totals')
      .set((eb) => ({
        raised_minor: eb('raised_minor', '+', deltaMinor),
        donors: eb('donors', '+', deltaDonors),
        updated_at: clock().toISOString(),
      }))
      .where('campaign_id', '=', campaignId)
      .execute();
  }

  async function donorCounted(trx: Transaction<Database>, donorKey: string, campaignId: number, exceptId: number | undefined) {
    let q = trx
      .selectFrom('contributions')
      .select('id')
      .where('donor_key', '=', donorKey)
      .where('campaign_id', '=', campaignId)
      .where('counted_donor', '=', 1);
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
    return (await q.executeTakeFirst()) !== undefined;
  }

  return {
    async recordPledge(facts, event) {
      return db.transaction().execute(async (trx) => {
        if (event && !(await insertEvent(trx, event, facts.subscriptionId, 'pledge'))) return { result: 'duplicate-event' as const };
        const at = clock().toISOString();
        await trx
          .insertInto('pledges')
          .values({
            subscription_id: facts.subscriptionId,
            checkout_session_id: facts.checkoutSessionId,
            customer_id: facts.customerId,
            email: facts.email,
            currency: facts.currency,
            amount_minor: facts.amountMinor,
            status: 'active',
            created_at: at,
            updated_at: at,
          })
          .onConflict((oc) =>
            oc.column('subscription_id').doUpdateSet((eb) => ({
              checkout_session_id: eb.fn.coalesce('pledges.checkout_session_id', eb.ref('excluded.checkout_session_id')),
              customer_id: eb.fn.coalesce('pledges.customer_id', eb.ref('excluded.customer_id')),
              email: eb.fn.coalesce('pledges.email', eb.ref('excluded.email')),
              updated_at: at,
            })),
          )
          .execute();
        return { result: 'pledge-linked' as const };
      });
    },

    async recordGift(facts, event) {
      return db.transaction().execute(async (trx): Promise<RecordOutcome> => {
        if (event && !(await insertEvent(trx, event, facts.stripeId, facts.status))) {
          return { result: 'duplicate-event' };
        }
        const now = clock();
        const existing = await trx.selectFrom('contributions').selectAll().where('stripe_id', '=', facts.stripeId).executeTakeFirst();

        const status = existing && RANK[existing.status] >= RANK[facts.status] ? existing.status : facts.status;
        if (existing && status === existing.status) {
          return { result: 'recorded', contribution: existing, changed: false };
        }
        const becamePaid = status === 'paid';
        const paidAt = becamePaid ? facts.occurredAt.toISOString() : null;
        const campaign = await campaignAt(trx, fundraiser, facts.occurredAt, now);
        // Money in another currency than the campaign's is kept but not added to its bar.
        const counts = becamePaid && campaign !== null && campaign.currency === facts.currency;
        const countedMinor = counts ? facts.amountMinor : 0;
        // A monthly pledge is one donor per campaign however many months it pays.
        const countedDonor = counts && !(await donorCounted(trx, facts.donorKey, campaign.id, existing?.id)) ? 1 : 0;

        let row: Contribution;
        if (existing) {
          row = await trx
            .updateTable('contributions')
            .set({
              status,
              paid_at: paidAt,
              campaign_id: campaign?.id ?? existing.campaign_id,
              counted_minor: countedMinor,
              counted_donor: countedDonor,
              payment_intent_id: existing.payment_intent_id ?? facts.paymentIntentId,
              customer_id: existing.customer_id ?? facts.customerId,
              email: existing.email ?? facts.email,
              updated_at: now.toISOString(),
            })
            .where('id', '=', existing.id)
            .returningAll()
            .executeTakeFirstOrThrow();
          if (existing.campaign_id !== null && existing.campaign_id !== row.campaign_id) {
            await applyToTotals(trx, existing.campaign_id, -existing.counted_minor, -existing.counted_donor);
            await applyToTotals(trx, row.campaign_id, countedMinor, countedDonor);
          } else {
            await applyToTotals(trx, row.campaign_id, countedMinor - existing.counted_minor, countedDonor - existing.counted_donor);
          }
        } else {
          row = await trx
            .insertInto('contributions')
            .values({
              stripe_id: facts.stripeId,
              checkout_session_id: facts.checkoutSessionId,
              subscription_id: facts.subscriptionId,
              donor_key: facts.donorKey,
              payment_intent_id: facts.paymentIntentId,
              customer_id: facts.customerId,
              email: facts.email,
              frequency: facts.frequency,
              status,
              currency: facts.currency,
              amount_minor: facts.amountMinor,
              counted_minor: countedMinor,
              counted_donor: countedDonor,
              campaign_id: campaign?.id ?? null,
              paid_at: paidAt,
              created_at: now.toISOString(),
              updated_at: now.toISOString(),
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await applyToTotals(trx, row.campaign_id, countedMinor, countedDonor);
        }
        return { result: 'recorded', contribution: row, changed: true };
      });
    },

    async acknowledgeEvent(event, objectId, outcome) {
      return db.transaction().execute((trx) => insertEvent(trx, event, objectId, outcome));
    },

    async progress() {
      const now = clock();
      const window = displayedWindow(fundraiser.window, now);
      const read = () =>
        db
          .selectFrom('campaigns')
          .innerJoin('campaign_totals', 'campaign_totals.campaign_id', 'campaigns.id')
          .select([
            'campaigns.slug',
            'campaigns.goal_minor',
            'campaigns.currency',
            'campaigns.starts_at',
            'campaigns.ends_at',
            'campaign_totals.raised_minor',
            'campaign_totals.donors',
            'campaign_totals.updated_at',
          ])
          .where('campaigns.slug', '=', window.slug)
          .executeTakeFirst();
      let row = await read();
      if (!row) {
        await db.transaction().execute((trx) => ensureCampaign(trx, fundraiser, window, now));
        row = await read();
      }
      if (!row) throw new Error(`campaign ${window.slug} could not be created`);
      const raised = Number(row.raised_minor);
      const goal = Number(row.goal_minor);
      return {
        campaign: row.slug,
        currency: row.currency,
        goal,
        raised,
        donors: Number(row.donors),
        percent: percentOf(raised, goal),
        startsAt: row.starts_at,
        endsAt: row.ends_at,
        updatedAt: row.updated_at,
      };
    },

    async findGift(stripeId) {
      return db.selectFrom('contributions').selectAll().where('stripe_id', '=', stripeId).executeTakeFirst();
    },

    async syncCampaign() {
      const now = clock();
      await db.transaction().execute(async (trx) => {
        const campaign = await ensureCampaign(trx, fundraiser, displayedWindow(fundraiser.window, now), now);
        if (campaign.currency !== fundraiser.currency) {
          throw new Error(
            `FUNDRAISER_CURRENCY is ${fundraiser.currency} but campaign ${campaign.slug} already holds gifts in ${campaign.currency}; ` +
              'a campaign cannot change currency',
          );
        }
        const goalMinor = toMinor(fundraiser.goal, campaign.currency);
        if (Number(campaign.goal_minor) !== goalMinor) {
          await trx.updateTable('campaigns').set({ goal_minor: goalMinor, updated_at: now.toISOString() }).where('id', '=', campaign.id).execute();
        }
      });
    },
  };
}
