// What Stripe settled for a payment in the account's currency: the gross `amount` and
// `currency` of its charge's balance transaction. Stripe may set the balance transaction a
// moment after the payment (asynchronous capture: the charge's `balance_transaction` is null,
// and `charge.updated` says when it is set), so every reader here may answer null: the gift is
// then recorded paid and waits, uncounted, for charge.updated or npm run reconcile.
import type Stripe from 'stripe';

/** The reader's language, which the site puts in the Checkout Session's and subscription's metadata. */
export const METADATA_LANGUAGE = 'lang';

export interface SettlementFacts {
  settledMinor: number;
  settledCurrency: string;
}

/** The reader's language from metadata: two letters (lower-cased); anything else is unknown (null). */
export function languageOf(metadata: Stripe.Metadata | null | undefined): string | null {
  const value = metadata?.[METADATA_LANGUAGE]?.trim().toLowerCase();
  return value && /^[a-z]{2}$/.test(value) ? value : null;
}

/**
 * The gross amount, not `net`: the bar counts what donors gave, before Stripe's fee, for a gift
 * in the campaign's currency too (its `amount`), so both kinds count alike.
 */
function ofTransaction(bt: Stripe.BalanceTransaction): SettlementFacts {
  return { settledMinor: bt.amount, settledCurrency: bt.currency };
}

/** What a charge settled at, when its balance transaction came expanded; null otherwise. */
export function settlementOfCharge(charge: string | Stripe.Charge | null | undefined): SettlementFacts | null {
  const bt = charge && typeof charge === 'object' ? charge.balance_transaction : null;
  return bt && typeof bt === 'object' ? ofTransaction(bt) : null;
}

/** A charge's settlement, its balance transaction read from Stripe unless it came expanded; null while it has none. */
export async function readChargeSettlement(stripe: Stripe, charge: Stripe.Charge): Promise<SettlementFacts | null> {
  const bt = charge.balance_transaction;
  if (!bt) return null;
  return ofTransaction(typeof bt === 'object' ? bt : await stripe.balanceTransactions.retrieve(bt));
}

/**
 * What a payment intent's latest charge settled at. An intent that came with its charge
 * expanded is answered from it (null when the charge has no balance transaction yet); else the
 * intent is retrieved with `latest_charge.balance_transaction` expanded.
 */
export async function readPaymentSettlement(
  stripe: Stripe,
  payment: string | Stripe.PaymentIntent | null | undefined,
): Promise<SettlementFacts | null> {
  if (!payment) return null;
  if (typeof payment === 'object' && payment.latest_charge && typeof payment.latest_charge === 'object') {
    return settlementOfCharge(payment.latest_charge);
  }
  const id = typeof payment === 'string' ? payment : payment.id;
  const intent = await stripe.paymentIntents.retrieve(id, { expand: ['latest_charge.balance_transaction'] });
  return settlementOfCharge(intent.latest_charge);
}

/** What a paid invoice's payment settled at (its invoice payment's payment intent). */
export async function readInvoiceSettlement(stripe: Stripe, invoiceId: string): Promise<SettlementFacts | null> {
  const payments = await stripe.invoicePayments.list({ invoice: invoiceId, limit: 10 });
  for (const p of payments.data) {
    if (p.status !== 'paid') continue;
    const settled = await readPaymentSettlement(stripe, p.payment.payment_intent);
    if (settled) return settled;
  }
  return null;
}
