// Reconciliation: asks Stripe what happened in a window and feeds every object through the
// same idempotent functions the webhook uses, so it can only fill gaps, never double count.
import { recordChargeRefunds, recordDispute, type ChargeDeps } from './charges.ts';
import { endPledge, expireCheckoutSession, fulfillCheckoutSession, idOf, recordPaidInvoice, type FulfilOutcome } from './fulfill.ts';

export interface ReconcileOptions {
  since: Date;
  until?: Date;
  /** Called now and then on long runs, with a line for a person. */
  onProgress?: (line: string) => void;
}

export interface Fix {
  kind: 'session' | 'invoice' | 'refund' | 'dispute' | 'pledge';
  id: string;
  what: string;
}

export interface ReconcileReport {
  checked: Record<Fix['kind'], number>;
  fixed: Fix[];
}

export async function reconcile(deps: ChargeDeps & { clock: () => Date }, opts: ReconcileOptions): Promise<ReconcileReport> {
  const { stripe } = deps;
  const created = { gte: Math.floor(opts.since.getTime() / 1000), ...(opts.until ? { lt: Math.floor(opts.until.getTime() / 1000) } : {}) };
  const report: ReconcileReport = { checked: { session: 0, invoice: 0, refund: 0, dispute: 0, pledge: 0 }, fixed: [] };
  const now = () => ({ occurredAt: deps.clock() });
  const note = (kind: Fix['kind'], id: string, what: string, outcome: FulfilOutcome) => {
    report.checked[kind]++;
    if (outcome.result === 'recorded' && outcome.changed) report.fixed.push({ kind, id, what });
    const n = report.checked[kind];
    if (n % 100 === 0) opts.onProgress?.(`${n} ${kind}s checked, ${report.fixed.length} fixes so far`);
  };

  for await (const session of stripe.checkout.sessions.list({ created, limit: 100, expand: ['data.payment_intent.latest_charge'] })) {
    if (session.status === 'open') continue;
    let outcome: FulfilOutcome;
    if (session.status === 'expired') {
      outcome = await expireCheckoutSession(deps, session, now());
    } else {
      const pi = typeof session.payment_intent === 'object' ? session.payment_intent : null;
      const charge = pi && typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
      const failed = session.payment_status === 'unpaid' && (pi?.status === 'requires_payment_method' || pi?.status === 'canceled');
      // The charge's time is when the money moved, which picks the campaign.
      const occurredAt = charge ? new Date(charge.created * 1000) : deps.clock();
      outcome = await fulfillCheckoutSession(deps, { session: session, occurredAt, failed });
    }
    note('session', session.id, `${session.mode} session ${session.status}/${session.payment_status}`, outcome);
  }

  for await (const invoice of stripe.invoices.list({ created, status: 'paid', limit: 100 })) {
    note('invoice', invoice.id, `invoice paid ${invoice.amount_paid} ${invoice.currency}`, await recordPaidInvoice(deps, { invoice, occurredAt: deps.clock() }));
  }

  const seenCharges = new Set<string>();
  for await (const refund of stripe.refunds.list({ created, limit: 100, expand: ['data.charge'] })) {
    const chargeId = idOf(refund.charge);
    if (!chargeId || seenCharges.has(chargeId)) continue;
    seenCharges.add(chargeId);
    const charge = typeof refund.charge === 'object' && refund.charge ? refund.charge : await stripe.charges.retrieve(chargeId);
    note('refund', charge.id, `charge refunded ${charge.amount_refunded} of ${charge.amount}`, await recordChargeRefunds(deps, charge, now()));
  }

  for await (const dispute of stripe.disputes.list({ created, limit: 100 })) {
    note('dispute', dispute.id, `dispute ${dispute.status} ${dispute.amount}`, await recordDispute(deps, dispute, now()));
  }

  for await (const sub of stripe.subscriptions.list({ status: 'canceled', created, limit: 100 })) {
    note('pledge', sub.id, 'pledge ended', await endPledge(deps, sub, now()));
  }
  return report;
}
