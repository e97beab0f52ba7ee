// Refunds and disputes: Stripe's snapshots of a charge (its cumulative refunded amount) and of
// a dispute (its status), stored as they are and then folded into the gifts they belong to.
// Snapshots may arrive in any order and any number of times: the newest wins, a dispute moves
// only forward through its stages (see disputeStage), and a gift's figures are always
// re-derived from what is stored.
import type { SqlTx } from '../db/statements.ts';
import type { Contribution } from '../db/schema.ts';
import type { LedgerContext } from './context.ts';
import { checkChargeFacts, checkDisputeFacts } from './facts-check.ts';
import { firstTimeSeen } from './stripe-events.ts';
import { settleTotals } from './totals.ts';
import type { ChargeFacts, DisputeFacts, EventRef, RecordOutcome } from './types.ts';
import { campaignOnceSettled, settlementOf, type Settlement } from './settlement.ts';

// Stripe's dispute statuses (API 2026-10-28.endive). Open and appealed disputes keep the money
// counted and flag it; "lost" takes it off; the other closed ones leave it.
const OPEN = new Set(['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review']);
const CLOSED = new Set(['won', 'lost', 'warning_closed', 'prevented']);
const APPEALED = new Set(['appeal_needs_response', 'appeal_under_review']);

/** A status this site knows; any other is kept as open (counted, flagged), never taken as won. */
export const knownDisputeStatus = (status: string) => OPEN.has(status) || CLOSED.has(status) || APPEALED.has(status);

/**
 * A dispute's stages: opened (0), closed (1), reopened by an appeal after a loss (2), whose
 * decision is a closed status again. A late "needs_response" never undoes a decision; an
 * appeal reopens one unless it was observed before it (then it is the appeal's own decision);
 * a decision observed after an appeal closes it again.
 */
function disputeStage(status: string): number {
  return CLOSED.has(status) ? 1 : APPEALED.has(status) ? 2 : 0;
}

function disputeMovesOn(from: { status: string; observed: string }, to: { status: string; observed: string }): boolean {
  const a = disputeStage(from.status);
  const b = disputeStage(to.status);
  // An appeal observed before the decision on file came before it: that decision ended the appeal.
  if (b > a) return a !== 1 || to.observed >= from.observed;
  if (b === a) return to.observed > from.observed;
  // Back from an appeal to a decision: only the decision made after it.
  return a === 2 && b === 1 && to.observed >= from.observed;
}

// A gift's charges (their refunds and settlement) and disputes, in one statement. A null
// payment intent matches nothing.
const ADJUSTMENTS =
  "select 'charge' as kind, amount_refunded_minor as amount, '' as status, settled_minor, settled_currency " +
  'from ledger_charges where invoice_id = ? or payment_intent_id = ? ' +
  "union all select 'dispute' as kind, amount_minor as amount, status, null, null from ledger_disputes " +
  'where invoice_id = ? or payment_intent_id = ?';

export interface Adjustments {
  refunded_minor: number;
  disputed_minor: number;
  dispute_lost_minor: number;
}

type LinkedRow = { kind: 'charge' | 'dispute'; amount: number; status: string } & Settlement;

/**
 * Refunded, disputed and lost amounts from the charges and disputes linked to a gift, and what
 * its charge settled at when a charge event said so first (null: not known from a charge).
 */
export async function linkedFacts(
  trx: SqlTx,
  link: { paymentIntentId: string | null; stripeId: string },
): Promise<{ adjustments: Adjustments; settlement: Settlement | null }> {
  const { stripeId, paymentIntentId } = link;
  const rows = await trx.all<LinkedRow>(ADJUSTMENTS, [stripeId, paymentIntentId, stripeId, paymentIntentId]);
  const out: Adjustments = { refunded_minor: 0, disputed_minor: 0, dispute_lost_minor: 0 };
  let settlement: Settlement | null = null;
  for (const r of rows) {
    const amount = Number(r.amount);
    if (r.kind === 'charge') {
      out.refunded_minor += amount;
      settlement ??= settlementOf({
        settledMinor: nullableNumber(r.settled_minor),
        settledCurrency: r.settled_currency,
      });
    } else if (r.status === 'lost') out.dispute_lost_minor += amount;
    else if (!CLOSED.has(r.status)) out.disputed_minor += amount;
  }
  return { adjustments: out, settlement };
}

const nullableNumber = (v: number | null) => (v === null ? null : Number(v));

/** Re-reads a gift's refunds, disputes and settlement and moves the totals by the difference. */
async function recompute(trx: SqlTx, before: Contribution, at: string): Promise<boolean> {
  const link = { paymentIntentId: before.payment_intent_id, stripeId: before.stripe_id };
  const { adjustments: adj, settlement } = await linkedFacts(trx, link);
  // A settlement, once known, never changes (a balance transaction is final).
  const learnt = before.settled_minor === null ? settlement : null;
  const same =
    !learnt &&
    Number(before.refunded_minor) === adj.refunded_minor &&
    Number(before.disputed_minor) === adj.disputed_minor &&
    Number(before.dispute_lost_minor) === adj.dispute_lost_minor;
  if (same) return false;
  const settled = learnt
    ? { ...learnt, campaign_id: await campaignOnceSettled(trx, before.campaign_id, learnt.settled_currency!) }
    : {};
  const after = await trx.update('contributions', before.id, { ...adj, ...settled, updated_at: at });
  await settleTotals(trx, before, after, at);
  return true;
}

const LINKED_GIFTS = 'select * from contributions where payment_intent_id = ? or stripe_id = ? order by id';

async function recomputeLinked(
  trx: SqlTx,
  link: { paymentIntentId: string | null; invoiceId: string | null },
  at: string,
) {
  // A null id matches nothing.
  const rows = await trx.all<Contribution>(LINKED_GIFTS, [link.paymentIntentId, link.invoiceId]);
  let changed = false;
  for (const row of rows) changed = (await recompute(trx, row, at)) || changed;
  return changed;
}

type Link = { paymentIntentId: string | null; invoiceId: string | null };

/** The gift a snapshot belongs to: what the stored row already knew, else what this snapshot says. */
function mergedLink(
  stored: { payment_intent_id: string | null; invoice_id: string | null } | undefined,
  facts: Link,
): Link {
  return {
    paymentIntentId: stored?.payment_intent_id ?? facts.paymentIntentId,
    invoiceId: stored?.invoice_id ?? facts.invoiceId,
  };
}

export function adjustmentWrites(ctx: LedgerContext) {
  const { tx, clock } = ctx;
  return {
    async recordCharge(facts: ChargeFacts, event?: EventRef): Promise<RecordOutcome> {
      checkChargeFacts(facts, event);
      return tx(async (trx): Promise<RecordOutcome> => {
        const now = clock();
        if (!(await firstTimeSeen(trx, event, facts.chargeId, `refunded ${facts.amountRefundedMinor}`, now))) {
          return { result: 'duplicate-event' };
        }
        const at = now.toISOString();
        const observed = facts.observedAt.toISOString();
        const q = trx.kysely;
        const existing = await q
          .selectFrom('ledger_charges')
          .selectAll()
          .where('id', '=', facts.chargeId)
          .executeTakeFirst();
        const link = mergedLink(existing, facts);
        const settlement = settlementOf(facts);
        if (!existing) {
          await q
            .insertInto('ledger_charges')
            .values({
              id: facts.chargeId,
              payment_intent_id: facts.paymentIntentId,
              invoice_id: facts.invoiceId,
              currency: facts.currency,
              amount_minor: facts.amountMinor,
              amount_refunded_minor: facts.amountRefundedMinor,
              settled_minor: settlement?.settled_minor ?? null,
              settled_currency: settlement?.settled_currency ?? null,
              observed_at: observed,
              updated_at: at,
            })
            .execute();
        } else {
          // The newest snapshot wins; at the same second the larger (refunds only add up).
          const newer =
            observed > existing.observed_at ||
            (observed === existing.observed_at && facts.amountRefundedMinor > Number(existing.amount_refunded_minor));
          const learnsLink =
            (!existing.invoice_id && facts.invoiceId) || (!existing.payment_intent_id && facts.paymentIntentId);
          const learnsSettlement = existing.settled_minor === null && settlement !== null;
          if (!newer && !learnsLink && !learnsSettlement) return { result: 'recorded', changed: false };
          await q
            .updateTable('ledger_charges')
            .set({
              payment_intent_id: link.paymentIntentId,
              invoice_id: link.invoiceId,
              ...(newer ? { amount_refunded_minor: facts.amountRefundedMinor, observed_at: observed } : {}),
              ...(learnsSettlement ? settlement : {}),
              updated_at: at,
            })
            .where('id', '=', facts.chargeId)
            .execute();
        }
        return { result: 'recorded', changed: await recomputeLinked(trx, link, at) };
      });
    },

    async recordDispute(facts: DisputeFacts, event?: EventRef): Promise<RecordOutcome> {
      checkDisputeFacts(facts, event);
      return tx(async (trx): Promise<RecordOutcome> => {
        const now = clock();
        if (!(await firstTimeSeen(trx, event, facts.disputeId, facts.status, now)))
          return { result: 'duplicate-event' };
        const at = now.toISOString();
        const observed = facts.observedAt.toISOString();
        const q = trx.kysely;
        const existing = await q
          .selectFrom('ledger_disputes')
          .selectAll()
          .where('id', '=', facts.disputeId)
          .executeTakeFirst();
        const link = mergedLink(existing, facts);
        if (!existing) {
          await q
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
          const was = { status: existing.status, observed: existing.observed_at };
          if (!disputeMovesOn(was, { status: facts.status, observed })) return { result: 'recorded', changed: false };
          await q
            .updateTable('ledger_disputes')
            .set({
              status: facts.status,
              amount_minor: facts.amountMinor,
              payment_intent_id: link.paymentIntentId,
              invoice_id: link.invoiceId,
              observed_at: observed,
              updated_at: at,
            })
            .where('id', '=', facts.disputeId)
            .execute();
        }
        return { result: 'recorded', changed: await recomputeLinked(trx, link, at) };
      });
    },
  };
}
