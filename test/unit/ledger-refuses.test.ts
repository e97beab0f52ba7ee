// Facts no Stripe object holds, as the signed-webhook fuzz (test/fuzz/) sent them: each failed in
// the database (a NOT NULL, a value it cannot bind, a NUL PostgreSQL text refuses, a duplicate
// key, a time Date cannot print) on every retry. The ledger now refuses them as RefusedFacts
// before writing anything, as it refuses an impossible amount.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { loadConfigWith } from '../../lib/config.ts';
import { RefusedFacts } from '../../lib/ledger/facts-check.ts';
import { createLedger } from '../../lib/ledger/ledger.ts';
import type { GiftFacts, Ledger } from '../../lib/ledger/types.ts';
import { migratedDatabaseForFile } from '../helpers/database.ts';

const file = migratedDatabaseForFile();
let ledger: Ledger;
// Made in the describe's own hook: the file's database opens in a top-level one.
const openLedger = () => {
  const { fundraiser } = loadConfigWith({});
  ledger = createLedger({ db: file.db, fundraiser, clock: () => new Date('2026-06-15T12:00:00Z') });
};

let n = 0;
const event = () => ({ id: `evt_refuses_${++n}`, type: 'checkout.session.completed' });

function gift(fields: Partial<Record<keyof GiftFacts, unknown>> = {}): GiftFacts {
  const id = `cs_test_refuses_${++n}`;
  return {
    stripeId: id,
    checkoutSessionId: id,
    subscriptionId: null,
    donorKey: id,
    paymentIntentId: `pi_test_refuses_${n}`,
    customerId: null,
    email: 'reader@example.org',
    donorName: 'A Reader',
    frequency: 'once',
    status: 'paid',
    currency: 'usd',
    amountMinor: 2500,
    occurredAt: new Date('2026-06-15T11:00:00Z'),
    timeSource: 'stripe',
    ...fields,
  } as GiftFacts;
}

async function rows(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['contributions', 'ledger_charges', 'ledger_disputes', 'pledges', 'stripe_events']) {
    const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(file.db);
    out[t] = Number(r.rows[0]!.n);
  }
  return out;
}

/** The write is refused as RefusedFacts (not a database error) and leaves every table as it was. */
async function refused(write: () => Promise<unknown>, why: RegExp) {
  const before = await rows();
  await assert.rejects(write, (err) => err instanceof RefusedFacts && why.test(err.message));
  assert.deepEqual(await rows(), before);
}

describe('facts no Stripe object holds', () => {
  before(openLedger);

  it('when a gift is paid at a time a Date cannot hold, then it is refused and nothing is written', async () => {
    await refused(() => ledger.recordGift(gift({ occurredAt: new Date(NaN) }), event()), /time paid/);
    await refused(() => ledger.recordGift(gift({ occurredAt: new Date(1e12 * 1000) }), event()), /time paid/);
  });

  it('when a gift has no id, an id of another type or one with a NUL, then it is refused and nothing is written', async () => {
    for (const stripeId of [undefined, null, '', { id: 'cs_test_x' }, 'cs_test_\u0000'])
      await refused(() => ledger.recordGift(gift({ stripeId }), event()), /gift id/);
    await refused(() => ledger.recordGift(gift({ paymentIntentId: true }), event()), /payment intent id/);
  });

  it('when a gift has no currency, an odd status or a NUL in its e-mail, then it is refused and nothing is written', async () => {
    await refused(() => ledger.recordGift(gift({ currency: null }), event()), /currency/);
    await refused(() => ledger.recordGift(gift({ currency: 'USD' }), event()), /currency/);
    await refused(() => ledger.recordGift(gift({ status: 'refunded' }), event()), /gift status/);
    await refused(() => ledger.recordGift(gift({ email: 'a\u0000@example.org' }), event()), /e-mail/);
  });

  it('when a settled amount is negative or not whole, or its currency not 3 lower-case letters, then it is refused and nothing is written', async () => {
    const eur = { currency: 'eur', amountMinor: 2500 };
    for (const settledMinor of [-1, 2.5, Number.NaN, 2 ** 53, '2700'])
      await refused(
        () => ledger.recordGift(gift({ ...eur, settledMinor, settledCurrency: 'usd' }), event()),
        /settled amount/,
      );
    for (const settledCurrency of ['USD', 'us', 'usdx', 'u$d', 7])
      await refused(
        () => ledger.recordGift(gift({ ...eur, settledMinor: 2700, settledCurrency }), event()),
        /settled currency/,
      );
    await refused(() => ledger.recordGift(gift({ ...eur, settledMinor: 2700 }), event()), /settlement/);
    await refused(() => ledger.recordGift(gift({ ...eur, settledCurrency: 'usd' }), event()), /settlement/);
    const charge = {
      chargeId: 'ch_test_refuses_settled',
      paymentIntentId: null,
      invoiceId: null,
      currency: 'eur',
      amountMinor: 2500,
      amountRefundedMinor: 0,
      observedAt: new Date(),
    };
    await refused(
      () => ledger.recordCharge({ ...charge, settledMinor: -5, settledCurrency: 'usd' }, event()),
      /settled amount/,
    );
    await refused(
      () => ledger.recordCharge({ ...charge, settledMinor: 2700, settledCurrency: 'US' }, event()),
      /settled currency/,
    );
  });

  it("when a gift's language is not two lower-case letters, then it is refused and nothing is written", async () => {
    for (const language of ['deu', 'DE', 'd', 'de-AT', 3])
      await refused(() => ledger.recordGift(gift({ language }), event()), /language/);
  });

  it('when the event id holds a NUL, then nothing is written for it', async () => {
    await refused(
      () => ledger.recordGift(gift(), { id: 'evt_\u0000', type: 'checkout.session.completed' }),
      /event id/,
    );
    await refused(() => ledger.noteWebhook({ id: 'evt_\u0000', type: 'x' }, new Date()), /event id/);
  });

  it('when a second gift names the payment another gift holds, then it is refused and the first keeps it', async () => {
    const first = gift();
    await ledger.recordGift(first, event());
    const second = gift({ paymentIntentId: first.paymentIntentId });
    await refused(() => ledger.recordGift(second, event()), /already belongs to gift/);
    assert.equal((await ledger.findGift(first.stripeId))?.payment_intent_id, first.paymentIntentId);
  });

  it('when a refund or a dispute has no charge, currency or status, then it is refused and nothing is written', async () => {
    const charge = {
      chargeId: 'ch_test_refuses',
      paymentIntentId: null,
      invoiceId: null,
      currency: 'usd',
      amountMinor: 2500,
      amountRefundedMinor: 500,
      observedAt: new Date(),
    };
    await refused(() => ledger.recordCharge({ ...charge, currency: null as unknown as string }, event()), /currency/);
    await refused(() => ledger.recordCharge({ ...charge, chargeId: null as unknown as string }, event()), /charge id/);
    const dispute = {
      disputeId: 'dp_test_refuses',
      chargeId: 'ch_test_refuses',
      paymentIntentId: null,
      invoiceId: null,
      amountMinor: 2500,
      status: 'needs_response',
      observedAt: new Date(),
    };
    await refused(() => ledger.recordDispute({ ...dispute, status: null as unknown as string }, event()), /status/);
    await refused(() => ledger.recordDispute({ ...dispute, chargeId: '' }, event()), /charge id/);
  });

  it('when a failed renewal counts more attempts than an integer column holds, then it is refused', async () => {
    const failure = {
      subscriptionId: 'sub_test_refuses',
      checkoutSessionId: null,
      customerId: null,
      email: null,
      currency: 'usd',
      amountMinor: 1000,
      attempts: 3e231,
      nextRetryAt: null,
      observedAt: new Date(),
    };
    await refused(() => ledger.noteRenewalFailure(failure, event()), /attempts/);
    await refused(() => ledger.noteRenewalFailure({ ...failure, attempts: 1, nextRetryAt: new Date(NaN) }), /retry/);
  });

  it('when a payment or an invoice is looked up by an id with a NUL, then it matches nothing (no database error)', async () => {
    assert.equal(await ledger.linkOfPayment('pi_\u0000'), null);
    assert.equal(await ledger.knowsInvoice('in_\u0000'), false);
    assert.equal(await ledger.findGift('cs_\u0000'), undefined);
  });
});
