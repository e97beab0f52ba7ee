// Plays a history on the emulator for the property tests: a clock that stamps each step's
// events two seconds after the previous step's (within one second Stripe's timestamps cannot
// order them), one-off gifts paid in their ways, pledges with their months, and a seeded shuffle.
import type Stripe from 'stripe';
import type { EmulatorState } from '../../emulator/state.ts';
import { settleCharge } from '../../emulator/after-payment.ts';
import { failRenewal, renew } from '../../emulator/renewals.ts';

export type PayHow = 'card' | 'delayed_success' | 'delayed_failure';

export class HistoryPlayer {
  /** Every charge the history made, in order: refunds and disputes pick among them. */
  readonly charges: string[] = [];
  private step = 0;
  private readonly start = Math.floor(Date.now() / 1000);
  private readonly stamped = new Set<string>();

  constructor(readonly st: EmulatorState) {}

  /** Ends a step: its events are stamped two seconds after the step before. */
  nextStep(): void {
    this.step++;
    for (const e of this.st.events.values())
      if (!this.stamped.has(e.id) && this.stamped.add(e.id)) e.created = this.start + 2 * this.step;
  }

  private chargeOfPi(piId: unknown): string | undefined {
    return this.st.paymentIntents.get(String(piId))?.latest_charge as string | undefined;
  }

  /** A one-off gift paid `how`; `late`: its balance transaction comes a step after (charge.updated). */
  payOnce(session: Stripe.Checkout.Session, how: PayHow, late: boolean): void {
    const { st } = this;
    st.balanceLater = late;
    st.pay(session.id, how, 'p@example.org');
    this.nextStep();
    if (how !== 'card') st.settle(session.id, how === 'delayed_success' ? 'succeeded' : 'failed');
    st.balanceLater = false;
    const ch = this.chargeOfPi(session.payment_intent);
    if (ch) this.charges.push(ch);
    if (ch && late) {
      this.nextStep();
      settleCharge(st, ch);
    }
  }

  /**
   * A one-off gift left at Checkout, expired, or paid `how`; false when no payment happened
   * (the step is over: an expiry has had its own).
   */
  oneOff(session: Stripe.Checkout.Session, how: PayHow | 'abandon' | 'expire', late: boolean): boolean {
    if (how === 'abandon') return false;
    if (how === 'expire') {
      this.st.expire(session.id);
      this.nextStep();
      return false;
    }
    this.payOnce(session, how, late);
    return true;
  }

  /** A pledge's first month, then each month paid (true) or its renewal failing (false); returns the subscription. */
  payMonths(session: Stripe.Checkout.Session, months: boolean[]): string {
    const { st } = this;
    st.pay(session.id, 'card', 'm@example.org');
    this.nextStep();
    const sub = session.subscription as string;
    const status = () => st.subscriptions.get(sub)!.status;
    for (const paid of months) {
      if (paid && status() !== 'canceled') renew(st, sub);
      else if (!paid && (status() === 'active' || status() === 'past_due')) failRenewal(st, sub);
      this.nextStep();
    }
    for (const p of st.invoicePayments.values()) {
      const ch = this.chargeOfPi(p.payment.payment_intent);
      if (ch && !this.charges.includes(ch)) this.charges.push(ch);
    }
    return sub;
  }
}

export interface HistoryRefund {
  fraction: number;
  /** The refund fails a step later (refund.failed gives the money back). */
  fails: boolean;
}

/** The charge a refund or dispute step picks (none before the first payment). */
export function pickCharge(h: HistoryPlayer, target: number): Stripe.Charge | undefined {
  return h.charges.length ? h.st.charges.get(h.charges[target % h.charges.length]!) : undefined;
}

/** Refunds a share of what is left on a charge that is not disputed. */
export function refundPart(h: HistoryPlayer, ch: Stripe.Charge, r: HistoryRefund, fail: (id: string) => void): void {
  const left = ch.amount - ch.amount_refunded;
  if (left <= 0 || ch.disputed) return;
  const refund = h.st.refund({ charge: ch.id }, Math.max(1, Math.floor(left * r.fraction)));
  if (r.fails) {
    h.nextStep();
    fail(refund.id);
  }
}

/** The same order for the same seed (xorshift), so a failing history replays as it failed. */
export function shuffle<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let x = seed | 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = Math.abs(x) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
