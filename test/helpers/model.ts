// The reference model of the ledger's rules, computed straight from Stripe's final state
// (the emulator's objects), not from events: what the bar must show once every event has
// arrived, whatever their order or number.
import type Stripe from 'stripe';
import type { EmulatorState } from '../../emulator/state.ts';

export interface ExpectedTotals {
  raised: number;
  gross: number;
  refunded: number;
  disputed: number;
  disputeLost: number;
  donors: number;
}

/** The ledger's figures in the model's shape, to compare with expectedTotals. */
export function totalsOf(p: ExpectedTotals): ExpectedTotals {
  const { raised, gross, refunded, disputed, disputeLost, donors } = p;
  return { raised, gross, refunded, disputed, disputeLost, donors };
}

const OPEN = new Set([
  'warning_needs_response',
  'warning_under_review',
  'needs_response',
  'under_review',
  'appeal_needs_response',
  'appeal_under_review',
]);

export function expectedTotals(state: EmulatorState, fundraiserId: string, campaignCurrency = 'usd'): ExpectedTotals {
  const t: ExpectedTotals = { raised: 0, gross: 0, refunded: 0, disputed: 0, disputeLost: 0, donors: 0 };
  const donors = new Set<string>();

  const count = (amount: number, pi: Stripe.PaymentIntent | undefined, donorKey: string) => {
    const charge = pi && typeof pi.latest_charge === 'string' ? state.charges.get(pi.latest_charge) : undefined;
    // The campaign counts in the account's currency (usd here), at what Stripe settled: the
    // charge's balance transaction. Without one yet, nothing counts.
    const bt = state.balanceTransactions.get(String(charge?.balance_transaction));
    if (!bt || bt.currency !== campaignCurrency) return;
    const disputes = charge ? [...state.disputes.values()].filter((d) => d.charge === charge.id) : [];
    const refunded = Math.min(amount, charge?.amount_refunded ?? 0);
    const lost = Math.min(amount - refunded, sum(disputes.filter((d) => d.status === 'lost').map((d) => d.amount)));
    const open = Math.min(
      amount - refunded - lost,
      sum(disputes.filter((d) => OPEN.has(d.status)).map((d) => d.amount)),
    );
    // The README's rule: each part at the gift's own settled/charged ratio, rounded half up, as
    // running sums (refunded, refunded + lost, + open), so the parts add up to what settled.
    const settled = bt.amount;
    const inSettled = (x: number) => (amount === 0 ? 0 : Math.floor((2 * x * settled + amount) / (2 * amount)));
    const off = inSettled(refunded + lost);
    t.gross += settled;
    t.refunded += inSettled(refunded);
    t.disputeLost += off - inSettled(refunded);
    t.disputed += inSettled(refunded + lost + open) - off;
    t.raised += settled - off;
    if (settled - off > 0) donors.add(donorKey);
  };

  for (const s of state.sessions.values()) {
    if (s.metadata?.fundraiser !== fundraiserId || s.mode !== 'payment' || s.payment_status !== 'paid') continue;
    count(s.amount_total!, state.paymentIntents.get(s.payment_intent as string), s.id);
  }
  for (const inv of state.invoices.values()) {
    const details = inv.parent?.subscription_details;
    if (details?.metadata?.fundraiser !== fundraiserId || inv.status !== 'paid') continue;
    const payment = [...state.invoicePayments.values()].find((p) => p.invoice === inv.id);
    count(
      inv.amount_paid,
      state.paymentIntents.get(String(payment?.payment.payment_intent)),
      String(details.subscription),
    );
  }
  t.donors = donors.size;
  return t;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
