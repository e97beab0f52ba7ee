// Gifts: a one-off gift (unique on its Checkout Session) or one month of a pledge (unique on
// its invoice), recorded from Stripe's word, plus offline gifts staff enter, and the lookups
// the payments module needs to tie refunds and disputes to a gift. This is the webhook's
// path, so its statements are plain SQL (lib/db/statements.ts).
import { randomUUID } from 'node:crypto';
import type { Contribution } from '../db/schema.ts';
import { lockKeys } from '../db/database.ts';
import { linkedFacts } from './adjustments.ts';
import { campaignAt } from './campaigns.ts';
import { writeChange } from './change-log.ts';
import type { LedgerContext } from './context.ts';
import { checkEventRef, checkGiftFacts, checkId, isStripeId, RefusedFacts } from './facts-check.ts';
import { firstTimeSeen } from './stripe-events.ts';
import { settleTotals } from './totals.ts';
import { campaignOnceSettled, countsIn, settlementOf, UNSETTLED, type Settlement } from './settlement.ts';
import type { ContributionStatus, EventRef, GiftFacts, ManualGift, RecordOutcome, TimeSource } from './types.ts';

// A gift's status only moves forward: pending -> paid | failed | expired. A late or replayed
// snapshot saying "pending" must never undo a payment Stripe already confirmed.
const RANK: Record<ContributionStatus, number> = { pending: 0, paid: 1, failed: 1, expired: 1 };
const TIME_RANK: Record<TimeSource, number> = { clock: 0, charge: 1, stripe: 2 };

const GIFT_BY_STRIPE_ID = 'select * from contributions where stripe_id = ?';

/**
 * What a gift settled at: once known it stays (a balance transaction is final); else Stripe's
 * figure from these facts or from a charge event that came first; a gift in the campaign's
 * currency settles at its own amount, with no lookup.
 */
function settledAt(
  existing: Contribution | undefined,
  facts: GiftFacts,
  fromCharge: Settlement | null,
  campaignCurrency: string,
): Settlement {
  if (existing && existing.settled_minor !== null) {
    return { settled_minor: existing.settled_minor, settled_currency: existing.settled_currency };
  }
  const known = settlementOf(facts) ?? fromCharge;
  if (known) return known;
  if (facts.currency === campaignCurrency)
    return { settled_minor: facts.amountMinor, settled_currency: facts.currency };
  return UNSETTLED;
}
// A gift's variant, once per experiment. An experiment the database does not hold, or a variant
// it does not have (metadata is anyone's to write), is none. The variants column is the
// JSON.stringify of rules.ts's variants, and a key is one of a-d, so a plain LIKE finds it.
const ATTRIBUTE =
  'insert into experiment_gifts (experiment_id, contribution_id, variant) select ?, ?, ? ' +
  'where exists (select 1 from experiments where id = ? and variants like ?) on conflict do nothing';
const GIFT_BY_PAYMENT = 'select stripe_id from contributions where payment_intent_id = ?';

/** The identities a gift's write reads rows by: its session or invoice, its payment, its donor. */
const giftKeys = (facts: GiftFacts): string[] =>
  [facts.stripeId, facts.paymentIntentId, facts.donorKey].filter((k): k is string => !!k);

export function giftWrites(ctx: LedgerContext) {
  const { tx, clock, fundraiser, db } = ctx;
  return {
    async recordGift(facts: GiftFacts, event?: EventRef): Promise<RecordOutcome> {
      checkGiftFacts(facts, event);
      return tx(
        async (trx): Promise<RecordOutcome> => {
          const now = clock();
          if (!(await firstTimeSeen(trx, event, facts.stripeId, facts.status, now)))
            return { result: 'duplicate-event' };
          const at = now.toISOString();
          const existing = await trx.first<Contribution>(GIFT_BY_STRIPE_ID, [facts.stripeId]);
          // The gift as first recorded may name a payment or donor these facts do not: held too.
          if (existing) {
            const held = giftKeys(facts);
            const more = [existing.donor_key, existing.payment_intent_id].filter((k) => k && !held.includes(k));
            if (more.length) await lockKeys(trx.kysely, more as string[]);
          }
          const status = existing && RANK[existing.status] >= RANK[facts.status] ? existing.status : facts.status;
          const learnsPayment = existing && !existing.payment_intent_id && facts.paymentIntentId;
          const becomesPaid = status === 'paid' && existing?.status !== 'paid';
          // A gift first recorded with our own clock (the thank-you page) moves to the campaign
          // of the moment Stripe says it was paid, when Stripe's word arrives.
          const betterTime =
            existing?.status === 'paid' &&
            facts.status === 'paid' &&
            TIME_RANK[facts.timeSource] > TIME_RANK[existing.paid_at_source ?? 'clock'];
          const paymentIntentId = existing?.payment_intent_id ?? facts.paymentIntentId;
          const linked = await linkedFacts(trx, { paymentIntentId, stripeId: facts.stripeId });
          const settlement = settledAt(existing, facts, linked.settlement, fundraiser.currency);
          const learnsSettlement = existing?.settled_minor === null && settlement.settled_minor !== null;
          if (existing && status === existing.status && !learnsPayment && !betterTime && !learnsSettlement) {
            return { result: 'recorded', changed: false, contribution: existing };
          }

          let campaignId = existing?.campaign_id ?? null;
          let paidAt = existing?.paid_at ?? null;
          let paidAtSource = existing?.paid_at_source ?? null;
          if (!existing || becomesPaid || betterTime) {
            const campaign = await campaignAt(trx, fundraiser, facts.occurredAt, now);
            // A campaign counts in its own currency: a gift that settled in another is kept outside it.
            campaignId = campaign && countsIn(campaign.currency, settlement.settled_currency) ? campaign.id : null;
            if (becomesPaid || betterTime) {
              paidAt = facts.occurredAt.toISOString();
              paidAtSource = facts.timeSource;
            }
          } else if (learnsSettlement) {
            campaignId = await campaignOnceSettled(trx, campaignId, settlement.settled_currency!);
          }
          // One payment is one gift: a payment another gift holds cannot be this one's (it would
          // fail the unique index on every retry).
          if (paymentIntentId && paymentIntentId !== existing?.payment_intent_id) {
            const holder = await trx.first<{ stripe_id: string }>(GIFT_BY_PAYMENT, [paymentIntentId]);
            if (holder)
              throw new RefusedFacts(`payment ${paymentIntentId} already belongs to gift ${holder.stripe_id}`);
          }
          const values = {
            status,
            paid_at: paidAt,
            paid_at_source: paidAtSource,
            campaign_id: campaignId,
            payment_intent_id: paymentIntentId,
            customer_id: existing?.customer_id ?? facts.customerId,
            email: existing?.email ?? facts.email,
            ...linked.adjustments,
            ...settlement,
            language: existing?.language ?? facts.language ?? null,
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
                fee_cover_minor: facts.feeCoverMinor ?? 0,
                counted_donor: 0,
                created_at: at,
              });
          // Each paid month of a pledge is a new row with the same metadata, so it is attributed too.
          if (!existing)
            for (const v of facts.variants ?? [])
              await trx.run(ATTRIBUTE, [v.experimentId, row.id, v.variant, v.experimentId, `%"key":"${v.variant}"%`]);
          await settleTotals(trx, existing, row, at);
          // Only a better time that left the gift where it was is not worth reporting as a fix.
          const changed = !(
            betterTime &&
            status === existing?.status &&
            row.campaign_id === existing.campaign_id &&
            !learnsPayment &&
            !learnsSettlement
          );
          return { result: 'recorded', changed, contribution: row };
          // A new gift is the webhook's busiest write: it names every row it reads or changes
          // (the gift by its session or invoice, the payment it holds, the donor it counts), so on
          // PostgreSQL gifts with none in common are written at once. Refunds, disputes, pledges
          // and staff changes find their rows as they go, and hold the whole ledger.
        },
        { keys: giftKeys(facts) },
      );
    },

    async expireSession(checkoutSessionId: string, event?: EventRef): Promise<RecordOutcome> {
      checkEventRef(event);
      checkId('the Checkout Session id', checkoutSessionId);
      return tx(async (trx): Promise<RecordOutcome> => {
        const now = clock();
        if (!(await firstTimeSeen(trx, event, checkoutSessionId, 'expired', now))) return { result: 'duplicate-event' };
        const existing = await trx.first<Contribution>(GIFT_BY_STRIPE_ID, [checkoutSessionId]);
        if (!existing || existing.status !== 'pending')
          return { result: 'recorded', changed: false, contribution: existing };
        const at = now.toISOString();
        const row = await trx.update('contributions', existing.id, { status: 'expired', updated_at: at });
        await settleTotals(trx, existing, row, at);
        return { result: 'recorded', changed: true, contribution: row };
      });
    },

    async recordManualGift(input: ManualGift): Promise<Contribution> {
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
            settled_minor: input.amountMinor,
            settled_currency: fundraiser.currency,
            language: null,
            campaign_id: campaign && campaign.currency === fundraiser.currency ? campaign.id : null,
            paid_at: input.receivedAt.toISOString(),
            paid_at_source: 'stripe',
            created_at: at,
            updated_at: at,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await settleTotals(trx, undefined, row, at);
        const detail = `${row.amount_minor} ${row.currency} received ${row.paid_at} (${id}): ${input.reason}`;
        await writeChange(trx.kysely, input.staffEmail, 'offline gift', detail, at);
        return row;
      });
    },

    async findGift(stripeId: string): Promise<Contribution | undefined> {
      if (!isStripeId(stripeId)) return undefined;
      return db.selectFrom('contributions').selectAll().where('stripe_id', '=', stripeId).executeTakeFirst();
    },

    async linkOfPayment(paymentIntentId: string) {
      if (!isStripeId(paymentIntentId)) return null;
      const gift = await db
        .selectFrom('contributions')
        .select(['stripe_id', 'frequency'])
        .where('payment_intent_id', '=', paymentIntentId)
        .executeTakeFirst();
      if (gift) return { paymentIntentId, invoiceId: gift.frequency === 'monthly' ? gift.stripe_id : null };
      const charge = await db
        .selectFrom('ledger_charges')
        .select('invoice_id')
        .where('payment_intent_id', '=', paymentIntentId)
        .executeTakeFirst();
      return charge ? { paymentIntentId, invoiceId: charge.invoice_id } : null;
    },

    async knowsInvoice(invoiceId: string): Promise<boolean> {
      if (!isStripeId(invoiceId)) return false;
      const row = await db
        .selectFrom('contributions')
        .select('id')
        .where('stripe_id', '=', invoiceId)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
