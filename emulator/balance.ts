// Balance transactions: what each successful charge adds to the emulated account's balance, in
// the account's currency, as Stripe's do (docs: the Balance Transaction object). A charge in
// another currency is converted at a FIXED table of test rates (below), never a live one, so
// every test sees the same figures. `exchange_rate` is null for the same currency, else the
// rate by which the charge's major units become the account's (EUR 10.00 at 1.08 = USD 10.80),
// and the converted amount is rounded half up to the account currency's minor unit (0
// decimals for jpy). `fee` is a test fee of 2.9% + 30 minor units (none for zero-decimal
// currencies), plus 1% when converted; `net` = amount - fee.
import type Stripe from 'stripe';
import { nowSeconds, stripeId } from './objects.ts';

/** Test rates: one unit of each currency in US dollars. Others are converted through usd. */
export const TEST_USD_RATES: Readonly<Record<string, number>> = Object.freeze({
  usd: 1,
  eur: 1.08,
  gbp: 1.27,
  jpy: 0.0067,
  chf: 1.13,
  cad: 0.73,
  aud: 0.66,
  nzd: 0.6,
  sek: 0.095,
  nok: 0.094,
  dkk: 0.145,
  pln: 0.25,
  czk: 0.043,
  huf: 0.0028,
  inr: 0.012,
  brl: 0.18,
  mxn: 0.055,
  krw: 0.00073,
});

// Decimal places of a currency's minor unit, as Stripe counts them (Intl agrees for these).
const digits = (currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** The test rate from one currency to another (6 decimals, as Stripe shows them); null for the same one. */
export function testExchangeRate(from: string, to: string): number | null {
  if (from === to) return null;
  const a = TEST_USD_RATES[from];
  const b = TEST_USD_RATES[to];
  // Sessions in a currency the table lacks are refused when made (checkout-sessions.ts).
  if (a === undefined || b === undefined) throw new Error(`the emulator has no test rate from ${from} to ${to}`);
  return Number((a / b).toFixed(6));
}

/** Whether the emulator can settle a charge in `from` into an account in `to`. */
export const canSettle = (from: string, to: string) =>
  from === to || (TEST_USD_RATES[from] !== undefined && TEST_USD_RATES[to] !== undefined);

/** `amount` minor units of `from` in minor units of `to`, at the test rate, rounded half up. */
export function convertMinor(amount: number, from: string, to: string): number {
  const rate = testExchangeRate(from, to);
  if (rate === null) return amount;
  // toFixed first: 2500 * 1.08 is 2700.0000000000005 in floating point.
  return Math.round(Number((amount * rate * 10 ** (digits(to) - digits(from))).toFixed(6)));
}

/** The balance transaction of a successful charge, in the account's currency. */
export function chargeBalanceTransaction(charge: Stripe.Charge, accountCurrency: string): Stripe.BalanceTransaction {
  const amount = convertMinor(charge.amount, charge.currency, accountCurrency);
  const converted = charge.currency !== accountCurrency;
  const fixed = digits(accountCurrency) === 0 ? 0 : 30;
  const fee = Math.min(amount, Math.round(amount * (converted ? 0.039 : 0.029)) + fixed);
  const created = nowSeconds();
  return {
    id: stripeId('txn'),
    object: 'balance_transaction',
    amount,
    available_on: created + 2 * 86_400,
    balance_type: 'payments',
    created,
    currency: accountCurrency,
    description: charge.description,
    exchange_rate: testExchangeRate(charge.currency, accountCurrency),
    fee,
    fee_details: [
      {
        amount: fee,
        application: null,
        currency: accountCurrency,
        description: 'Stripe processing fees',
        type: 'stripe_fee',
      },
    ],
    net: amount - fee,
    reporting_category: 'charge',
    source: charge.id,
    status: 'pending',
    type: 'charge',
  };
}

/** Makes a successful charge's balance transaction, keeps it and names it on the charge. */
export function attachBalanceTransaction(
  account: { accountCurrency: string; balanceTransactions: Map<string, Stripe.BalanceTransaction> },
  charge: Stripe.Charge,
): Stripe.BalanceTransaction {
  const bt = chargeBalanceTransaction(charge, account.accountCurrency);
  account.balanceTransactions.set(bt.id, bt);
  charge.balance_transaction = bt.id;
  return bt;
}
