// The only writer of money. Every change to a gift, its refunds and disputes, and the
// matching change to its campaign's totals happen in one transaction, together with the
// record of the Stripe event that caused them, so a retried or duplicated event can never
// count twice, and events about one gift may arrive in any order. The statements a gift's
// path runs are plain SQL (lib/db/statements.ts): that is the webhook's cost; the rarer
// writes keep Kysely's builder (trx.kysely).
import type { Config } from '../config.ts';
import { displayedWindow } from '../campaign-window.ts';
import { percentOf, toMinor } from '../money.ts';
import type { Contribution, ContributionStatus, Frequency, TimeSource } from '../db/schema.ts';
import { ledgerTransaction, type Db } from '../db/database.ts';
import { batchedWrites } from '../db/write-batch.ts';
import { ledgerTx, statementsFor } from '../db/statements.ts';
import { randomUUID } from 'node:crypto';
import { campaignAt, ensureCampaign } from './campaigns.ts';
import { writeAudit } from './change-log.ts';
import { adjustmentsFor, disputeRank, settleTotals, type Trx } from './figures.ts';

export interface GiftFacts {
  /** Stripe object id the gift is unique on: the Checkout Session (one-off) or the invoice (monthly). */
  stripeId: string;
  checkoutSessionId: string | null;
  subscriptionId: string | null;
  /** Counted as one donor per campaign: the session id (one-off) or subscription id (monthly). */
  donorKey: string;
  paymentIntentId: string | null;
  customerId: string | null;
  email: string | null;
  donorName?: string | null;
  frequency: Frequency;
  status: Exclude<ContributionStatus, 'expired'>;
  currency: string;
  amountMinor: number;
  /** When Stripe says this happened; decides the campaign a payment counts toward. */
  occurredAt: Date;
  /** How trustworthy occurredAt is; a paid gift is re-timed when a better source arrives. */
  timeSource: TimeSource;
}

export interface ChargeFacts {
  chargeId: string;
  paymentIntentId: string | null;
  /** Set for the charge of a monthly pledge's invoice. */
  invoiceId: string | null;
  currency: string;
  amountMinor: number;
  /** Stripe's cumulative refunded amount: stored as is, so replays and reorders are harmless. */
  amountRefundedMinor: number;
  observedAt: Date;
}

export interface DisputeFacts {
  disputeId: string;
  chargeId: string;
  paymentIntentId: string | null;
  invoiceId: string | null;
  amountMinor: number;
  status: string;
  observedAt: Date;
}

export interface PledgeFacts {
  subscriptionId: string;
  checkoutSessionId: string | null;
  customerId: string | null;
  email: string | null;
  currency: string;
  amountMinor: number;
}

export interface EventRef {
  id: string;
  type: string;
}

export type RecordOutcome = { result: 'duplicate-event' } | { result: 'recorded'; changed: boolean; contribution?: Contribution };

export interface Progress {
  campaign: string;
  currency: string;
  goal: number;
  raised: number;
  gross: number;
  refunded: number;
  disputed: number;
  disputeLost: number;
  donors: number;
  percent: number;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
}

export interface Ledger {
  recordGift(facts: GiftFacts, event?: EventRef): Promise<RecordOutcome>;
  /** An abandoned checkout: nothing counts; a pending record is closed. */
  expireSession(checkoutSessionId: string, event?: EventRef): Promise<RecordOutcome>;
  recordCharge(facts: ChargeFacts, event?: EventRef): Promise<RecordOutcome>;
  recordDispute(facts: DisputeFacts, event?: EventRef): Promise<RecordOutcome>;
  /** Links a monthly pledge to its donor; moves no money (each paid invoice does). */
  recordPledge(facts: PledgeFacts, event?: EventRef): Promise<RecordOutcome>;
  endPledge(subscriptionId: string, facts: Omit<PledgeFacts, 'subscriptionId'>, event?: EventRef): Promise<RecordOutcome>;
  /** An offline gift (a cheque, a bank transfer) staff entered, with its reason; audited. */
  recordManualGift(input: { amountMinor: number; receivedAt: Date; reason: string; donorName: string | null; staffEmail: string }): Promise<Contribution>;
  /** Staff set the goal of the campaign on show; audited. It then outlives FUNDRAISER_GOAL. */
  setGoal(goalMinor: number, staffEmail: string): Promise<void>;
  /** How a payment intent the ledger has seen links to its gift (null when unseen). */
  linkOfPayment(paymentIntentId: string): Promise<{ paymentIntentId: string; invoiceId: string | null } | null>;
  knowsInvoice(invoiceId: string): Promise<boolean>;
  noteWebhook(event: EventRef, at: Date): Promise<void>;
  lastWebhook(): Promise<{ at: string; eventId: string; type: string } | null>;
  progress(): Promise<Progress>;
  findGift(stripeId: string): Promise<Contribution | undefined>;
  /** Makes sure the campaign on show exists and carries the configured goal. */
  syncCampaign(): Promise<void>;
}

// A gift's status only moves forward: pending -> paid | failed | expired. A late or replayed
// snapshot saying "pending" must never undo a payment Stripe already confirmed.
const RANK: Record<ContributionStatus, number> = { pending: 0, paid: 1, failed: 1, expired: 1 };
const TIME_RANK: Record<TimeSource, number> = { clock: 0, charge: 1, stripe: 2 };

function sameFigures(a: Progress, b: Progress): boolean {
  return (Object.keys(b) as (keyof Progress)[]).every((k) => a[k] === b[k]);
}

class DryRunRollback extends Error {
  constructor(readonly value: unknown) {
    super('dry run');
  }
}

export interface LedgerDeps {
  db: Db;
  fundraiser: Config['fundraiser'];
  clock: () => Date;
  dryRun?: boolean;
  /**
   * How long progress() may answer from memory. Writes through this ledger drop the copy at
   * once; writes by other instances show within this time. 0 reads the database every time.
   */
  progressMaxAgeMs?: number;
}

export function createLedger(deps: LedgerDeps): Ledger {
  const { db, fundraiser, clock } = deps;
  const maxAge = deps.progressMaxAgeMs ?? 0;
  // Bumped after every write, so a copy read before a write is never kept or served after it.
  let writes = 0;
  let cached: { progress: Progress; writes: number; at: number } | null = null;
  let reading: { promise: Promise<Progress>; writes: number } | null = null;

  const write = batchedWrites(db);
  const statements = statementsFor(db);

  /** One write, committed with whatever others arrive meanwhile; in a dry run it is rolled back and only the answer kept. */
  async function tx<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    try {
      return await write(async (trx) => {
        const value = await fn(ledgerTx(statements, trx));
        if (deps.dryRun) throw new DryRunRollback(value);
        return value;
      });
    } catch (err) {
      if (err instanceof DryRunRollback) return err.value as T;
      throw err;
    } finally {
      writes++;
    }
  }

  /**
   * The figures on show, shared by concurrent callers. Unchanged figures keep the same
   * (frozen) object, so pages rendered from it can be kept as long as it is returned.
   */
  function currentProgress(): Promise<Progress> {
    const slug = displayedWindow(fundraiser.window, clock()).slug;
    const c = cached;
    if (c && c.writes === writes && c.progress.campaign === slug && performance.now() - c.at < maxAge) return Promise.resolve(c.progress);
    if (reading && reading.writes === writes) return reading.promise;
    const startedAt = writes;
    const promise = readProgress()
      .then((fresh) => {
        const progress = cached && sameFigures(cached.progress, fresh) ? cached.progress : Object.freeze(fresh);
        if (writes === startedAt) cached = { progress, writes: startedAt, at: performance.now() };
        return progress;
      })
      .finally(() => {
        if (reading?.promise === promise) reading = null;
      });
    reading = { promise, writes: startedAt };
    return promise;
  }

  async function readProgress(): Promise<Progress> {
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
          'campaign_totals.gross_minor',
          'campaign_totals.refunded_minor',
          'campaign_totals.disputed_minor',
          'campaign_totals.dispute_lost_minor',
          'campaign_totals.donors',
          'campaign_totals.updated_at',
        ])
        .where('campaigns.slug', '=', window.slug)
        .executeTakeFirst();
    let row = await read();
    if (!row) {
      await ledgerTransaction(db, (trx) => ensureCampaign(trx, fundraiser, window, now));
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
      gross: Number(row.gross_minor),
      refunded: Number(row.refunded_minor),
      disputed: Number(row.disputed_minor),
      disputeLost: Number(row.dispute_lost_minor),
      donors: Number(row.donors),
      percent: percentOf(raised, goal),
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      updatedAt: row.updated_at,
    };
  }

  async function insertEvent(trx: Trx, event: EventRef | undefined, objectId: string | null, outcome: string): Promise<boolean> {
    if (!event) return true;
    const inserted = await trx.run('insert into stripe_events (id, type, object_id, outcome, received_at) values (?, ?, ?, ?, ?) on conflict (id) do nothing', [
      event.id,
      event.type,
      objectId,
      outcome,
      clock().toISOString(),
    ]);
    return inserted > 0;
  }

  async function insertPledge(trx: Trx, facts: PledgeFacts, status: 'active' | 'ended', at: string) {
    await trx.kysely
      .insertInto('pledges')
      .values({
        subscription_id: facts.subscriptionId,
        checkout_session_id: facts.checkoutSessionId,
        customer_id: facts.customerId,
        email: facts.email,
        currency: facts.currency,
        amount_minor: facts.amountMinor,
        status,
        created_at: at,
        updated_at: at,
      })
      .execute();
  }

  /** Re-reads a gift's refunds and disputes and moves the totals by the difference. */
  async function recompute(trx: Trx, before: Contribution, at: string): Promise<boolean> {
    const adj = await adjustmentsFor(trx, { paymentIntentId: before.payment_intent_id, stripeId: before.stripe_id });
    if (
      Number(before.refunded_minor) === adj.refunded_minor &&
      Number(before.disputed_minor) === adj.disputed_minor &&
      Number(before.dispute_lost_minor) === adj.dispute_lost_minor
    ) {
      return false;
    }
    const after = await trx.update('contributions', before.id, { ...adj, updated_at: at });
    await settleTotals(trx, before, after, at);
    return true;
  }

  async function recomputeLinked(trx: Trx, link: { paymentIntentId: string | null; invoiceId: string | null }, at: string): Promise<boolean> {
    // A null id matches nothing.
    const rows = await trx.all<Contribution>('select * from contributions where payment_intent_id = ? or stripe_id = ? order by id', [link.paymentIntentId, link.invoiceId]);
    let changed = false;
    for (const row of rows) changed = (await recompute(trx, row, at)) || changed;
    return changed;
  }

  return {
    async recordGift(facts, event) {
      return tx(async (trx): Promise<RecordOutcome> => {
        if (!(await insertEvent(trx, event, facts.stripeId, facts.status))) return { result: 'duplicate-event' };
        const now = clock();
        const at = now.toISOString();
        const existing = await trx.first<Contribution>('select * from contributions where stripe_id = ?', [facts.stripeId]);
        const status = existing && RANK[existing.status] >= RANK[facts.status] ? existing.status : facts.status;
        const learnsPayment = existing && !existing.payment_intent_id && facts.paymentIntentId;
        const becomesPaid = status === 'paid' && existing?.status !== 'paid';
        // A gift first recorded with our own clock (the thank-you page) moves to the campaign
        // of the moment Stripe says it was paid, when Stripe's word arrives.
        const betterTime =
          existing?.status === 'paid' && facts.status === 'paid' && TIME_RANK[facts.timeSource] > TIME_RANK[existing.paid_at_source ?? 'clock'];
        if (existing && status === existing.status && !learnsPayment && !betterTime) return { result: 'recorded', changed: false, contribution: existing };

        let campaignId = existing?.campaign_id ?? null;
        let paidAt = existing?.paid_at ?? null;
        let paidAtSource = existing?.paid_at_source ?? null;
        if (!existing || becomesPaid || betterTime) {
          const campaign = await campaignAt(trx, fundraiser, facts.occurredAt, now);
          // Money in another currency than the campaign's is kept but not added to its bar.
          campaignId = campaign && campaign.currency === facts.currency ? campaign.id : null;
          if (becomesPaid || betterTime) {
            paidAt = facts.occurredAt.toISOString();
            paidAtSource = facts.timeSource;
          }
        }
        const paymentIntentId = existing?.payment_intent_id ?? facts.paymentIntentId;
        const adj = await adjustmentsFor(trx, { paymentIntentId, stripeId: facts.stripeId });
        const values = {
          status,
          paid_at: paidAt,
          paid_at_source: paidAtSource,
          campaign_id: campaignId,
          payment_intent_id: paymentIntentId,
          customer_id: existing?.customer_id ?? facts.customerId,
          email: existing?.email ?? facts.email,
          ...adj,
          updated_at: at,
        };
        const row = existing
          ? await trx.update('contributions', existing.id, values)
          : await trx.insert('contributions', {
              ...values,
              source: 'stripe',
              donor_name: facts.donorName ?? null,
              note: null,
              stripe_id: facts.stripeId,
              checkout_session_id: facts.checkoutSessionId,
              subscription_id: facts.subscriptionId,
              donor_key: facts.donorKey,
              frequency: facts.frequency,
              currency: facts.currency,
              amount_minor: facts.amountMinor,
              counted_donor: 0,
              created_at: at,
            });
        await settleTotals(trx, existing, row, at);
        // Only a better time that left the gift where it was is not worth reporting as a fix.
        const changed = !(betterTime && status === existing?.status && row.campaign_id === existing.campaign_id && !learnsPayment);
        return { result: 'recorded', changed, contribution: row };
      });
    },

    async expireSession(checkoutSessionId, event) {
      return tx(async (trx): Promise<RecordOutcome> => {
        if (!(await insertEvent(trx, event, checkoutSessionId, 'expired'))) return { result: 'duplicate-event' };
        const existing = await trx.first<Contribution>('select * from contributions where stripe_id = ?', [checkoutSessionId]);
        if (!existing || existing.status !== 'pending') return { result: 'recorded', changed: false, contribution: existing };
        const at = clock().toISOString();
        const row = await trx.update('contributions', existing.id, { status: 'expired', updated_at: at });
        await settleTotals(trx, existing, row, at);
        return { result: 'recorded', changed: true, contribution: row };
      });
    },

    async recordCharge(facts, event) {
      return tx(async (trx): Promise<RecordOutcome> => {
        if (!(await insertEvent(trx, event, facts.chargeId, `refunded ${facts.amountRefundedMinor}`))) return { result: 'duplicate-event' };
        const at = clock().toISOString();
        const observed = facts.observedAt.toISOString();
        const existing = await trx.kysely.selectFrom('ledger_charges').selectAll().where('id', '=', facts.chargeId).executeTakeFirst();
        if (!existing) {
          await trx.kysely
            .insertInto('ledger_charges')
            .values({
              id: facts.chargeId,
              payment_intent_id: facts.paymentIntentId,
              invoice_id: facts.invoiceId,
              currency: facts.currency,
              amount_minor: facts.amountMinor,
              amount_refunded_minor: facts.amountRefundedMinor,
              observed_at: observed,
              updated_at: at,
            })
            .execute();
        } else {
          // The newest snapshot wins; at the same second the larger (refunds only add up).
          const newer =
            observed > existing.observed_at || (observed === existing.observed_at && facts.amountRefundedMinor > Number(existing.amount_refunded_minor));
          const learnsLink = (!existing.invoice_id && facts.invoiceId) || (!existing.payment_intent_id && facts.paymentIntentId);
          if (!newer && !learnsLink) return { result: 'recorded', changed: false };
          await trx.kysely
            .updateTable('ledger_charges')
            .set({
              payment_intent_id: existing.payment_intent_id ?? facts.paymentIntentId,
              invoice_id: existing.invoice_id ?? facts.invoiceId,
              ...(newer ? { amount_refunded_minor: facts.amountRefundedMinor, observed_at: observed } : {}),
              updated_at: at,
            })
            .where('id', '=', facts.chargeId)
            .execute();
        }
        const changed = await recomputeLinked(trx, { paymentIntentId: existing?.payment_intent_id ?? facts.paymentIntentId, invoiceId: existing?.invoice_id ?? facts.invoiceId }, at);
        return { result: 'recorded', changed };
      });
    },

    async recordDispute(facts, event) {
      return tx(async (trx): Promise<RecordOutcome> => {
        if (!(await insertEvent(trx, event, facts.disputeId, facts.status))) return { result: 'duplicate-event' };
        const at = clock().toISOString();
        const observed = facts.observedAt.toISOString();
        const existing = await trx.kysely.selectFrom('ledger_disputes').selectAll().where('id', '=', facts.disputeId).executeTakeFirst();
        if (!existing) {
          await trx.kysely
            .insertInto('ledger_disputes')
            .values({
              id: facts.disputeId,
              charge_id: facts.chargeId,
              payment_intent_id: facts.paymentIntentId,
              invoice_id: facts.invoiceId,
              amount_minor: facts.amountMinor,
              status: facts.status,
              observed_at: observed,
              updated_at: at,
            })
            .execute();
        } else {
          const closes = disputeRank(facts.status) > disputeRank(existing.status);
          const newerWhileOpen = disputeRank(facts.status) === 0 && disputeRank(existing.status) === 0 && observed > existing.observed_at;
          if (!closes && !newerWhileOpen) return { result: 'recorded', changed: false };
          await trx.kysely
            .updateTable('ledger_disputes')
            .set({
              status: facts.status,
              amount_minor: facts.amountMinor,
              payment_intent_id: existing.payment_intent_id ?? facts.paymentIntentId,
              invoice_id: existing.invoice_id ?? facts.invoiceId,
              observed_at: observed,
              updated_at: at,
            })
            .where('id', '=', facts.disputeId)
            .execute();
        }
        const changed = await recomputeLinked(trx, { paymentIntentId: existing?.payment_intent_id ?? facts.paymentIntentId, invoiceId: existing?.invoice_id ?? facts.invoiceId }, at);
        return { result: 'recorded', changed };
      });
    },

    async recordPledge(facts, event) {
      return tx(async (trx): Promise<RecordOutcome> => {
        if (!(await insertEvent(trx, event, facts.subscriptionId, 'pledge'))) return { result: 'duplicate-event' };
        const at = clock().toISOString();
        const existing = await trx.kysely.selectFrom('pledges').selectAll().where('subscription_id', '=', facts.subscriptionId).executeTakeFirst();
        if (existing) {
          if (existing.checkout_session_id && existing.email) return { result: 'recorded', changed: false };
          await trx.kysely
            .updateTable('pledges')
            .set({
              checkout_session_id: existing.checkout_session_id ?? facts.checkoutSessionId,
              customer_id: existing.customer_id ?? facts.customerId,
              email: existing.email ?? facts.email,
              amount_minor: facts.amountMinor,
              updated_at: at,
            })
            .where('subscription_id', '=', facts.subscriptionId)
            .execute();
        } else {
          await insertPledge(trx, facts, 'active', at);
        }
        return { result: 'recorded', changed: true };
      });
    },

    async endPledge(subscriptionId, facts, event) {
      return tx(async (trx): Promise<RecordOutcome> => {
        if (!(await insertEvent(trx, event, subscriptionId, 'pledge ended'))) return { result: 'duplicate-event' };
        const at = clock().toISOString();
        const existing = await trx.kysely.selectFrom('pledges').select('status').where('subscription_id', '=', subscriptionId).executeTakeFirst();
        if (existing?.status === 'ended') return { result: 'recorded', changed: false };
        if (existing) {
          await trx.kysely.updateTable('pledges').set({ status: 'ended', updated_at: at }).where('subscription_id', '=', subscriptionId).execute();
        } else {
          await insertPledge(trx, { subscriptionId, ...facts }, 'ended', at);
        }
        return { result: 'recorded', changed: true };
      });
    },

    async recordManualGift(input) {
      return tx(async (trx) => {
        const now = clock();
        const at = now.toISOString();
        const id = `manual_${randomUUID()}`;
        const campaign = await campaignAt(trx, fundraiser, input.receivedAt, now);
        const row = await trx.kysely
          .insertInto('contributions')
          .values({
            stripe_id: id,
            checkout_session_id: null,
            subscription_id: null,
            donor_key: id,
            payment_intent_id: null,
            customer_id: null,
            email: null,
            donor_name: input.donorName,
            source: 'manual',
            note: input.reason,
            frequency: 'once',
            status: 'paid',
            currency: fundraiser.currency,
            amount_minor: input.amountMinor,
            refunded_minor: 0,
            disputed_minor: 0,
            dispute_lost_minor: 0,
            counted_donor: 0,
            campaign_id: campaign && campaign.currency === fundraiser.currency ? campaign.id : null,
            paid_at: input.receivedAt.toISOString(),
            paid_at_source: 'stripe',
            created_at: at,
            updated_at: at,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await settleTotals(trx, undefined, row, at);
        await writeAudit(trx.kysely, input.staffEmail, 'offline gift', `${row.amount_minor} ${row.currency} received ${row.paid_at} (${id}): ${input.reason}`, at);
        return row;
      });
    },

    async setGoal(goalMinor, staffEmail) {
      await tx(async (trx) => {
        const now = clock();
        const campaign = await ensureCampaign(trx.kysely, fundraiser, displayedWindow(fundraiser.window, now), now);
        await trx.kysely.updateTable('campaigns').set({ goal_minor: goalMinor, goal_set_by: staffEmail, updated_at: now.toISOString() }).where('id', '=', campaign.id).execute();
        await writeAudit(trx.kysely, staffEmail, 'goal', `campaign ${campaign.slug}: ${campaign.goal_minor} -> ${goalMinor} ${campaign.currency}`, now.toISOString());
      });
    },


    async linkOfPayment(paymentIntentId) {
      const gift = await db.selectFrom('contributions').select(['stripe_id', 'frequency']).where('payment_intent_id', '=', paymentIntentId).executeTakeFirst();
      if (gift) return { paymentIntentId, invoiceId: gift.frequency === 'monthly' ? gift.stripe_id : null };
      const charge = await db.selectFrom('ledger_charges').select('invoice_id').where('payment_intent_id', '=', paymentIntentId).executeTakeFirst();
      return charge ? { paymentIntentId, invoiceId: charge.invoice_id } : null;
    },

    async knowsInvoice(invoiceId) {
      return (await db.selectFrom('contributions').select('id').where('stripe_id', '=', invoiceId).executeTakeFirst()) !== undefined;
    },

    async noteWebhook(event, at) {
      if (deps.dryRun) return;
      await db
        .insertInto('webhook_status')
        .values({ id: 1, last_received_at: at.toISOString(), last_event_id: event.id, last_event_type: event.type })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({ last_received_at: at.toISOString(), last_event_id: event.id, last_event_type: event.type }),
        )
        .execute();
    },

    async lastWebhook() {
      const row = await db.selectFrom('webhook_status').selectAll().where('id', '=', 1).executeTakeFirst();
      return row ? { at: row.last_received_at, eventId: row.last_event_id, type: row.last_event_type } : null;
    },

    progress: currentProgress,

    async findGift(stripeId) {
      return db.selectFrom('contributions').selectAll().where('stripe_id', '=', stripeId).executeTakeFirst();
    },

    async syncCampaign() {
      const now = clock();
      // Not through tx(): a dry run must still see the campaign on show.
      await ledgerTransaction(db, async (trx) => {
        const campaign = await ensureCampaign(trx, fundraiser, displayedWindow(fundraiser.window, now), now);
        if (campaign.currency !== fundraiser.currency) {
          throw new Error(
            `FUNDRAISER_CURRENCY is ${fundraiser.currency} but campaign ${campaign.slug} already holds gifts in ${campaign.currency}; ` +
              'a campaign cannot change currency',
          );
        }
        const goalMinor = toMinor(fundraiser.goal, campaign.currency);
        // A goal staff set in the staff area wins over the configured default.
        if (campaign.goal_set_by === null && Number(campaign.goal_minor) !== goalMinor) {
          await trx.updateTable('campaigns').set({ goal_minor: goalMinor, updated_at: now.toISOString() }).where('id', '=', campaign.id).execute();
        }
      });
      writes++;
    },
  };
}
