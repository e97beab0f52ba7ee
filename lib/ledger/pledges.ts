// Monthly pledges: the subscription behind a monthly gift, linked to its donor when checkout
// completes and ended when Stripe ends it. A pledge moves no money: each paid invoice is a
// gift of its own (gifts.ts), so month one is never counted twice.
import type { SqlTx } from '../db/statements.ts';
import type { LedgerContext } from './context.ts';
import { checkMinor } from './facts-check.ts';
import { firstTimeSeen } from './stripe-events.ts';
import type { EventRef, PledgeFacts, PledgeStatus, RecordOutcome } from './types.ts';

async function insertPledge(trx: SqlTx, facts: PledgeFacts, status: PledgeStatus, at: string): Promise<void> {
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

export function pledgeWrites(ctx: LedgerContext) {
  const { tx, clock } = ctx;
  return {
    async recordPledge(facts: PledgeFacts, event?: EventRef): Promise<RecordOutcome> {
      checkMinor('the monthly amount', facts.amountMinor);
      return tx(async (trx): Promise<RecordOutcome> => {
        const now = clock();
        if (!(await firstTimeSeen(trx, event, facts.subscriptionId, 'pledge', now)))
          return { result: 'duplicate-event' };
        const at = now.toISOString();
        const existing = await trx.kysely
          .selectFrom('pledges')
          .selectAll()
          .where('subscription_id', '=', facts.subscriptionId)
          .executeTakeFirst();
        if (!existing) {
          await insertPledge(trx, facts, 'active', at);
          return { result: 'recorded', changed: true };
        }
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
        return { result: 'recorded', changed: true };
      });
    },

    async endPledge(
      subscriptionId: string,
      facts: Omit<PledgeFacts, 'subscriptionId'>,
      event?: EventRef,
    ): Promise<RecordOutcome> {
      return tx(async (trx): Promise<RecordOutcome> => {
        const now = clock();
        if (!(await firstTimeSeen(trx, event, subscriptionId, 'pledge ended', now)))
          return { result: 'duplicate-event' };
        const at = now.toISOString();
        const existing = await trx.kysely
          .selectFrom('pledges')
          .select('status')
          .where('subscription_id', '=', subscriptionId)
          .executeTakeFirst();
        if (existing?.status === 'ended') return { result: 'recorded', changed: false };
        if (existing) {
          await trx.kysely
            .updateTable('pledges')
            .set({ status: 'ended', updated_at: at })
            .where('subscription_id', '=', subscriptionId)
            .execute();
        } else {
          await insertPledge(trx, { subscriptionId, ...facts }, 'ended', at);
        }
        return { result: 'recorded', changed: true };
      });
    },
  };
}
