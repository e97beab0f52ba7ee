// The emulator's balance transactions, as Stripe's: every successful charge has one in the
// account's currency, with Stripe's fields; a charge in another currency is converted at the
// fixed test rates (balance.ts), rounded to the account currency's minor unit (jpy has none).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { createEmulator, listenEmulator } from '../../emulator/emulator.ts';
import { convertMinor, testExchangeRate } from '../../emulator/balance.ts';
import { settleCharge } from '../../emulator/after-payment.ts';

const metadata = { fundraiser: 'fundraiser' };

async function account(currency: string) {
  const emulator = createEmulator({ webhookUrl: null, webhookSecret: 'whsec_balance', accountCurrency: currency });
  const { server, url } = await listenEmulator(emulator, 0);
  const stripe = new Stripe('sk_test_balance', {
    host: new URL(url).hostname,
    port: Number(new URL(url).port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  return { emulator, stripe, stop: () => new Promise((r) => server.close(r)).then(() => emulator.stop()) };
}

type Account = Awaited<ReturnType<typeof account>>;

/** Pays a one-off checkout in `currency` by card; the payment intent, as the SDK retrieves it with its charge and balance transaction. */
async function pay(a: Account, currency: string, amount: number) {
  const session = await a.stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price_data: { currency, unit_amount: amount, product_data: { name: 'Gift' } }, quantity: 1 }],
    metadata,
    success_url: 'http://localhost/ok',
  });
  const paid = a.emulator.state.pay(session.id, 'card', 'r@example.org');
  return a.stripe.paymentIntents.retrieve(paid.payment_intent as string, {
    expand: ['latest_charge.balance_transaction'],
  });
}

const btOf = (pi: Stripe.PaymentIntent) =>
  (pi.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;

let usd: Account;
let jpy: Account;
before(async () => {
  usd = await account('usd');
  jpy = await account('jpy');
});
after(async () => {
  await usd.stop();
  await jpy.stop();
});

describe('emulator balance transactions', () => {
  it('when a charge is in the account currency, then its balance transaction has the same amount, no exchange rate, a fee and the net', async () => {
    const bt = btOf(await pay(usd, 'usd', 2500));
    assert.equal(bt.object, 'balance_transaction');
    assert.deepEqual(
      [bt.amount, bt.currency, bt.exchange_rate, bt.type, bt.status],
      [2500, 'usd', null, 'charge', 'pending'],
    );
    assert.equal(bt.fee, Math.round(2500 * 0.029) + 30);
    assert.equal(bt.net, bt.amount - bt.fee);
    assert.equal(bt.fee_details[0]!.amount, bt.fee);
    assert.match(String(bt.source), /^ch_test_/);
  });

  it('when a charge is in eur, gbp or jpy, then it settles in usd at the fixed test rates, rounded to the cent', async () => {
    const eur = btOf(await pay(usd, 'eur', 2500));
    assert.deepEqual([eur.amount, eur.currency, eur.exchange_rate], [2700, 'usd', 1.08]);
    const gbp = btOf(await pay(usd, 'gbp', 1999));
    assert.deepEqual([gbp.amount, gbp.exchange_rate], [2539, 1.27], 'GBP 19.99 x 1.27 = USD 25.3873');
    const yen = btOf(await pay(usd, 'jpy', 2500));
    assert.deepEqual([yen.amount, yen.exchange_rate], [1675, 0.0067], 'JPY 2,500 (no minor unit) = USD 16.75');
    assert.equal(eur.fee, Math.round(2700 * 0.039) + 30, 'a converted charge pays 1% more');
  });

  it('when the account is in jpy, then a usd charge settles in whole yen with a rate computed through usd', async () => {
    const bt = btOf(await pay(jpy, 'usd', 2500));
    assert.equal(bt.currency, 'jpy');
    assert.equal(bt.exchange_rate, testExchangeRate('usd', 'jpy'));
    assert.equal(bt.amount, Math.round(25 * testExchangeRate('usd', 'jpy')!), 'USD 25.00 in yen, no decimals');
    assert.equal(bt.fee, Math.round(bt.amount * 0.039), 'no fixed fee in a zero-decimal currency');
    assert.equal(convertMinor(1000, 'eur', 'gbp'), Math.round(10 * Number((1.08 / 1.27).toFixed(6)) * 100));
  });

  it('when a balance transaction is read by id, then GET /v1/balance_transactions/:id answers it, and an unknown id a 404', async () => {
    const pi = await pay(usd, 'eur', 1000);
    const id = (pi.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    const read = await usd.stripe.balanceTransactions.retrieve(id.id);
    assert.deepEqual(read, id);
    await assert.rejects(
      usd.stripe.balanceTransactions.retrieve('txn_test_nope'),
      (err: Stripe.errors.StripeError) => err.statusCode === 404,
    );
    const plain = await usd.stripe.charges.retrieve((pi.latest_charge as Stripe.Charge).id);
    assert.equal(plain.balance_transaction, id.id, 'an id unless expanded');
  });

  it('when balance transactions come later, then the charge has none until settled, which sends charge.updated', async () => {
    usd.emulator.state.balanceLater = true;
    const pi = await pay(usd, 'eur', 1500);
    usd.emulator.state.balanceLater = false;
    const charge = pi.latest_charge as Stripe.Charge;
    assert.equal(charge.balance_transaction, null);
    settleCharge(usd.emulator.state, charge.id);
    const updated = [...usd.emulator.state.events.values()].find((e) => e.type === 'charge.updated');
    assert.equal((updated?.data.object as Stripe.Charge).id, charge.id);
    assert.deepEqual(updated?.data.previous_attributes, { balance_transaction: null });
    assert.throws(() => settleCharge(usd.emulator.state, charge.id), /already has a balance transaction/);
  });

  it('when a session is in a currency without a test rate, then the emulator refuses it rather than make one up', async () => {
    await assert.rejects(
      usd.stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [
          { price_data: { currency: 'thb', unit_amount: 5000, product_data: { name: 'Gift' } }, quantity: 1 },
        ],
        metadata,
        success_url: 'http://localhost/ok',
      }),
      /no test exchange rate from thb to the account's usd/,
    );
  });
});
