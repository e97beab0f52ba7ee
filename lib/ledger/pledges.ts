// Monthly pledges: the subscription behind a monthly gift, linked to its donor when checkout
// completes, then following the subscription's state (renewals failing and recovering, paused,
// ending at the period's end, ended). A pledge moves no money: each paid invoice is a gift of
// its own (gifts.ts), so month one is never counted twice and no state change touches a total.
//
// Events about one subscription may arrive in any order; each state carries Stripe's time for
// it (`status_at`), and an older snapshot never overwrites a newer one. `ended` is final, as a
// canceled subscription is at Stripe.
import type { SqlTx } from '../db/statements.ts';
import type { PledgesTable } from '../db/schema.ts';
import type { LedgerContext } from './context.ts';
import { checkPledgeFacts, checkPledgeStateFacts, checkRenewalFailureFacts } from './facts-check.ts';
import { firstTimeSeen } from './stripe-events.ts';
import type {
  EventRef,
  PledgeFacts,
  PledgeStateFacts,
  PledgeStatus,
  RecordOutcome,
  RenewalFailureFacts,
} from './types.ts';

type PledgeState = Pick<PledgesTable, 'status' | 'status_at' | 'ends_at' | 'failed_payments' | 'next_retry_at'>;

/** Still giving: a failed renewal, if any, is behind it. */
const GIVING: readonly PledgeStatus[] = ['active', 'ending'];

async function insertPledge(trx: SqlTx, facts: PledgeFacts, state: Partial<PledgeState>, at: string): Promise<void> {
  await trx.kysely
    .insertInto('pledges')
    .values({
      subscription_id: facts.subscriptionId,
      checkout_session_id: facts.checkoutSessionId,
      customer_id: facts.customerId,
      email: facts.email,
      currency: facts.currency,
      amount_minor: facts.amountMinor,
      status: state.status ?? 'active',
      status_at: state.status_at ?? null,
      ends_at: state.ends_at ?? null,
      failed_payments: state.failed_payments ?? 0,
      next_retry_at: state.next_retry_at ?? null,
      created_at: at,
      updated_at: at,
    })
    .execute();
}

function existingPledge(trx: SqlTx, subscriptionId: string) {
  return trx.kysely.selectFrom('pledges').selectAll().where('subscription_id', '=', subscriptionId).executeTakeFirst();
}

/**
 * Writes `next` over the pledge's state; answers whether the pledge itself differs. A newer
 * snapshot of the same state only moves `status_at` on (so an older event cannot undo it),
 * which is not a change anyone would call one.
 */
async function moveTo(
  trx: SqlTx,
  existing: PledgesTable,
  next: PledgeState & { amount_minor: number },
  at: string,
): Promise<RecordOutcome> {
  const keys = Object.keys(next) as Array<keyof typeof next>;
  const differs = keys.filter((k) => existing[k] !== next[k]);
  if (differs.length === 0) return { result: 'recorded', changed: false };
  const changed = differs.some((k) => k !== 'status_at');
  await trx.kysely
    .updateTable('pledges')
    .set(changed ? { ...next, updated_at: at } : { status_at: next.status_at })
    .where('subscription_id', '=', existing.subscription_id)
    .execute();
  return { result: 'recorded', changed };
}

/** The snapshot taken at `observedAt` is older than the state on file (or the pledge has ended). */
function outdated(existing: PledgesTable, observedAt: string, next: PledgeStatus): boolean {
  if (existing.status === 'ended') return true;
  if (next === 'ended') return false;
  return existing.status_at !== null && existing.status_at > observedAt;
}

export function pledgeWrites(ctx: LedgerContext) {
  const { tx, clock } = ctx;
  return {
    async recordPledge(facts: PledgeFacts, event?: EventRef): Promise<RecordOutcome> {
      checkPledgeFacts(facts, event);
      return tx(async (trx): Promise<RecordOutcome> => {
        const now = clock();
        if (!(await firstTimeSeen(trx, event, facts.subscriptionId, 'pledge', now)))
          return { result: 'duplicate-event' };
        const at = now.toISOString();
        const existing = await existingPledge(trx, facts.subscriptionId);
        if (!existing) {
          await insertPledge(trx, facts, { status: 'active' }, at);
          return { result: 'recorded', changed: true };
        }
        if (existing.checkout_session_id && existing.email) return { result: 'recorded', changed: false };
        // Fills in the donor; the state is the subscription events' business.
        await trx.kysely
          .updateTable('pledges')
          .set({
            checkout_session_id: existing.checkout_session_id ?? facts.checkoutSessionId,
            customer_id: existing.customer_id ?? facts.customerId,
            email: existing.email ?? facts.email,
            updated_at: at,
          })
          .where('subscription_id', '=', facts.subscriptionId)
          .execute();
        return { result: 'recorded', changed: true };
      });
    },

    async updatePledge(facts: PledgeStateFacts, event?: EventRef): Promise<RecordOutcome> {
      checkPledgeStateFacts(facts, event);
      return tx(async (trx): Promise<RecordOutcome> => {
        const now = clock();
        if (!(await firstTimeSeen(trx, event, facts.subscriptionId, `pledge ${facts.status}`, now)))
          return { result: 'duplicate-event' };
        const observedAt = facts.observedAt.toISOString();
        const state: PledgeState = {
          status: facts.status,
          status_at: observedAt,
          ends_at: facts.status === 'ending' ? (facts.endsAt?.toISOString() ?? null) : null,
          failed_payments: 0,
          next_retry_at: null,
        };
        const existing = await existingPledge(trx, facts.subscriptionId);
        if (!existing) {
          await insertPledge(trx, facts, state, now.toISOString());
          return { result: 'recorded', changed: true };
        }
        if (outdated(existing, observedAt, facts.status)) return { result: 'recorded', changed: false };
        // A failed renewal stays on file while Stripe still retries or has given up on it.
        if (!GIVING.includes(facts.status) && facts.status !== 'ended') {
          state.failed_payments = existing.failed_payments;
          state.next_retry_at = existing.next_retry_at;
        }
        // The amount follows the subscription (a donor may change it); months already paid keep theirs.
        return moveTo(trx, existing, { ...state, amount_minor: facts.amountMinor }, now.toISOString());
      });
    },

    async noteRenewalFailure(facts: RenewalFailureFacts, event?: EventRef): Promise<RecordOutcome> {
      checkRenewalFailureFacts(facts, event);
      return tx(async (trx): Promise<RecordOutcome> => {
        const now = clock();
        if (!(await firstTimeSeen(trx, event, facts.subscriptionId, 'pledge renewal failed', now)))
          return { result: 'duplicate-event' };
        const observedAt = facts.observedAt.toISOString();
        const failure = {
          failed_payments: facts.attempts,
          next_retry_at: facts.nextRetryAt?.toISOString() ?? null,
          status_at: observedAt,
        };
        const existing = await existingPledge(trx, facts.subscriptionId);
        if (!existing) {
          await insertPledge(trx, facts, { status: 'past_due', ...failure }, now.toISOString());
          return { result: 'recorded', changed: true };
        }
        if (outdated(existing, observedAt, 'past_due')) return { result: 'recorded', changed: false };
        // A renewal that fails moves a giving pledge to past due (Stripe does the same to the
        // subscription); unpaid or paused stay as they are.
        const status = GIVING.includes(existing.status) ? 'past_due' : existing.status;
        return moveTo(
          trx,
          existing,
          { status, ends_at: null, amount_minor: existing.amount_minor, ...failure },
          now.toISOString(),
        );
      });
    },
  };
}
