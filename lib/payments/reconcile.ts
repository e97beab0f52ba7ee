// Reconciliation: asks Stripe what happened in a window and feeds every object through the
// same idempotent functions the webhook uses, so it can only fill gaps, never double count.
import { recordChargeRefunds, recordDispute, type ChargeDeps } from './record-charges.ts';
import type Stripe from 'stripe';
import { HANDLED_EVENT_TYPES, handleStripeEvent } from './events.ts';
import { RefusedFacts } from '../ledger/facts-check.ts';
import { idOf, recordPaidInvoice, type FulfilOutcome } from './record-gifts.ts';
import type { EventRef } from '../ledger/types.ts';
import { recordSubscriptionState } from './record-pledges.ts';
import { recordSessionState } from './confirm.ts';

export interface ReconcileOptions {
  since: Date;
  until?: Date;
  /** Called now and then on long runs, with a line for a person. */
  onProgress?: (line: string) => void;
}

export interface Fix {
  kind: 'event' | 'session' | 'invoice' | 'refund' | 'dispute' | 'pledge';
  id: string;
  what: string;
}

export interface ReconcileReport {
  checked: Record<Fix['kind'], number>;
  fixed: Fix[];
  /** Events whose facts the ledger refuses (kept for the dashboard's warning, as the webhook does). */
  refused: Fix[];
}

const DAY = 86_400;
/**
 * How long before the window an object may have been made and still change inside it:
 * Stripe retries a renewal for up to two months; a dispute is decided up to ~75 days after
 * it opens (later still when appealed); a refund fails within weeks. Objects made that much
 * earlier are read again; each is recorded idempotently, so re-reading costs nothing but time.
 */
const LATE_CHANGE = { invoice: 62 * DAY, dispute: 120 * DAY, refund: 45 * DAY } as const;

export async function reconcile(
  deps: ChargeDeps & { clock: () => Date },
  opts: ReconcileOptions,
): Promise<ReconcileReport> {
  const { stripe } = deps;
  const created = {
    gte: Math.floor(opts.since.getTime() / 1000),
    ...(opts.until ? { lt: Math.floor(opts.until.getTime() / 1000) } : {}),
  };
  const report: ReconcileReport = {
    checked: { event: 0, session: 0, invoice: 0, refund: 0, dispute: 0, pledge: 0 },
    fixed: [],
    refused: [],
  };
  // What is read from a list is timed by when the listing began: never later than the read
  // itself, so an event Stripe made after it wins, and the snapshot beats every older event.
  const readFrom = () => {
    const at = deps.clock();
    return () => ({ occurredAt: at });
  };
  const note = (kind: Fix['kind'], id: string, what: string, outcome: FulfilOutcome) => {
    report.checked[kind]++;
    if (outcome.result === 'recorded' && outcome.changed) report.fixed.push({ kind, id, what });
    const n = report.checked[kind];
    if (n % 100 === 0) opts.onProgress?.(`${n} ${kind}s checked, ${report.fixed.length} fixes so far`);
  };

  /** Records one thing; facts the ledger refuses are reported (events also kept) and the rest read on. */
  const check = async (
    kind: Fix['kind'],
    id: string,
    what: string,
    record: () => Promise<FulfilOutcome | null>,
    event?: EventRef,
  ) => {
    let outcome: FulfilOutcome | null;
    try {
      outcome = await record();
    } catch (err) {
      if (!(err instanceof RefusedFacts)) throw err;
      report.refused.push({ kind, id, what: `${what}: ${err.message}` });
      if (event) await deps.ledger.noteRefusedEvent(event, err.message, deps.clock());
      return;
    }
    if (outcome) note(kind, id, what, outcome);
  };

  // First Stripe's own events of the window (it keeps 30 days): they carry Stripe's times
  // and cover objects created before the window that changed inside it. Events the webhook
  // already recorded are skipped by their ids.
  // Stripe takes at most 20 types a request.
  for (let i = 0; i < HANDLED_EVENT_TYPES.length; i += 20) {
    const types = HANDLED_EVENT_TYPES.slice(i, i + 20);
    for await (const event of stripe.events.list({ created, types, limit: 100 })) {
      const ref = { id: event.id, type: event.type };
      await check(
        'event',
        event.id,
        event.type,
        async () => {
          const outcome = await handleStripeEvent(deps, event);
          return outcome.result === 'unhandled-type' ? null : outcome;
        },
        ref,
      );
    }
  }

  // Then the objects themselves, for history older than Stripe keeps events.
  for await (const session of stripe.checkout.sessions.list({
    created,
    limit: 100,
    // With its balance transaction: a gift in another currency counts at what it settled at.
    expand: ['data.payment_intent.latest_charge.balance_transaction'],
  })) {
    if (session.status === 'open') continue;
    const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
    const charge = intent && typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
    // The charge's time is when the money moved, which picks the campaign.
    const observed = charge
      ? { occurredAt: new Date(charge.created * 1000), timeSource: 'charge' as const }
      : { occurredAt: deps.clock(), timeSource: 'clock' as const };
    const what = `${session.mode} session ${session.status}/${session.payment_status}`;
    await check('session', session.id, what, async () => (await recordSessionState(deps, session, observed)).recorded);
  }

  const madeSince = (lookback: number) => ({ ...created, gte: created.gte - lookback });
  const paidInWindow = (invoice: Stripe.Invoice) => {
    const paidAt = invoice.status_transitions.paid_at ?? invoice.created;
    return paidAt >= created.gte && (created.lt === undefined || paidAt < created.lt);
  };
  for await (const invoice of stripe.invoices.list({
    created: madeSince(LATE_CHANGE.invoice),
    status: 'paid',
    limit: 100,
  })) {
    // Paid inside the window, though perhaps made before it (a retry that worked at last).
    if (!paidInWindow(invoice)) continue;
    await check('invoice', invoice.id, `invoice paid ${invoice.amount_paid} ${invoice.currency}`, () =>
      recordPaidInvoice(deps, { invoice, occurredAt: deps.clock() }),
    );
  }

  // Each refunded charge once, read as it is now: its cumulative refund is the current one (a
  // refund that failed after it was made is no longer in it), so it is timed by our clock.
  const refunded = new Map<string, Stripe.Charge | null>();
  const refundsRead = readFrom();
  for await (const refund of stripe.refunds.list({
    created: madeSince(LATE_CHANGE.refund),
    limit: 100,
    expand: ['data.charge'],
  })) {
    const chargeId = idOf(refund.charge);
    if (!chargeId) continue;
    refunded.set(chargeId, refunded.get(chargeId) ?? (typeof refund.charge === 'object' ? refund.charge : null));
  }
  for (const [chargeId, charge] of refunded) {
    const readAt = charge ? refundsRead : readFrom();
    const current = charge ?? (await stripe.charges.retrieve(chargeId));
    const what = `charge refunded ${current.amount_refunded} of ${current.amount}`;
    await check('refund', chargeId, what, () => recordChargeRefunds(deps, current, readAt()));
  }

  const disputesRead = readFrom();
  for await (const dispute of stripe.disputes.list({ created: madeSince(LATE_CHANGE.dispute), limit: 100 })) {
    await check('dispute', dispute.id, `dispute ${dispute.status} ${dispute.amount}`, () =>
      recordDispute(deps, dispute, disputesRead()),
    );
  }

  // Stripe filters subscriptions by creation only, and a pledge may change at any time: every
  // one is read and recorded as it is (idempotent; a pledge of another site is ignored).
  const subscriptionsRead = readFrom();
  for await (const sub of stripe.subscriptions.list({ status: 'all', limit: 100 })) {
    await check('pledge', sub.id, `pledge ${sub.status}`, () =>
      recordSubscriptionState(deps, sub, subscriptionsRead()),
    );
  }
  return report;
}
