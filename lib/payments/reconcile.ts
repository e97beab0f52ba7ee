// Reconciliation: asks Stripe what happened in a window and feeds every object through the
// same idempotent functions the webhook uses, so it can only fill gaps, never double count.
import { recordChargeRefunds, recordDispute, type ChargeDeps } from './record-charges.ts';
import type Stripe from 'stripe';
import { HANDLED_EVENT_TYPES, handleStripeEvent } from './events.ts';
import { endPledge, idOf, recordPaidInvoice, type FulfilOutcome } from './record-gifts.ts';
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
}

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
  };
  const now = () => ({ occurredAt: deps.clock() });
  const note = (kind: Fix['kind'], id: string, what: string, outcome: FulfilOutcome) => {
    report.checked[kind]++;
    if (outcome.result === 'recorded' && outcome.changed) report.fixed.push({ kind, id, what });
    const n = report.checked[kind];
    if (n % 100 === 0) opts.onProgress?.(`${n} ${kind}s checked, ${report.fixed.length} fixes so far`);
  };

  // First Stripe's own events of the window (it keeps 30 days): they carry Stripe's times
  // and cover objects created before the window that changed inside it. Events the webhook
  // already recorded are skipped by their ids.
  for await (const event of stripe.events.list({ created, types: HANDLED_EVENT_TYPES, limit: 100 })) {
    const outcome = await handleStripeEvent(deps, event);
    if (outcome.result !== 'unhandled-type') note('event', event.id, event.type, outcome);
  }

  // Then the objects themselves, for history older than Stripe keeps events.
  for await (const session of stripe.checkout.sessions.list({
    created,
    limit: 100,
    expand: ['data.payment_intent.latest_charge'],
  })) {
    if (session.status === 'open') continue;
    const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
    const charge = intent && typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
    // The charge's time is when the money moved, which picks the campaign.
    const observed = charge
      ? { occurredAt: new Date(charge.created * 1000), timeSource: 'charge' as const }
      : { occurredAt: deps.clock(), timeSource: 'clock' as const };
    const { recorded } = await recordSessionState(deps, session, observed);
    if (recorded)
      note('session', session.id, `${session.mode} session ${session.status}/${session.payment_status}`, recorded);
  }

  for await (const invoice of stripe.invoices.list({ created, status: 'paid', limit: 100 })) {
    note(
      'invoice',
      invoice.id,
      `invoice paid ${invoice.amount_paid} ${invoice.currency}`,
      await recordPaidInvoice(deps, { invoice, occurredAt: deps.clock() }),
    );
  }

  // A charge's cumulative refund, timed by its latest refund (Stripe's clock, not ours).
  const refunded = new Map<string, { charge: Stripe.Charge | null; latest: number }>();
  for await (const refund of stripe.refunds.list({ created, limit: 100, expand: ['data.charge'] })) {
    const chargeId = idOf(refund.charge);
    if (!chargeId) continue;
    const seen = refunded.get(chargeId);
    const charge = typeof refund.charge === 'object' ? refund.charge : null;
    refunded.set(chargeId, { charge: seen?.charge ?? charge, latest: Math.max(seen?.latest ?? 0, refund.created) });
  }
  for (const [chargeId, { charge, latest }] of refunded) {
    const current = charge ?? (await stripe.charges.retrieve(chargeId));
    const outcome = await recordChargeRefunds(deps, current, { occurredAt: new Date(latest * 1000) });
    note('refund', chargeId, `charge refunded ${current.amount_refunded} of ${current.amount}`, outcome);
  }

  for await (const dispute of stripe.disputes.list({ created, limit: 100 })) {
    note(
      'dispute',
      dispute.id,
      `dispute ${dispute.status} ${dispute.amount}`,
      await recordDispute(deps, dispute, now()),
    );
  }

  for await (const sub of stripe.subscriptions.list({ status: 'canceled', created, limit: 100 })) {
    note('pledge', sub.id, 'pledge ended', await endPledge(deps, sub, now()));
  }
  return report;
}
