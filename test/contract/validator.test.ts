// The contract itself: the committed schema is the one the installed SDK, the pinned version and
// the roots make, and the validator rejects what it should (unknown fields, enum values outside
// the pinned version, missing fields, unknown event types) and accepts what Stripe sends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import * as make from '../../emulator/objects.ts';
import { currentStamp, readSchema, SDK_API_VERSION } from './schema-file.ts';
import { loadContract } from './validator.ts';

const skip = process.env.TEST_DATABASE_URL ? 'needs no database: checked on the SQLite pass' : false;

describe('contract schema and validator', { skip }, () => {
  const contract = loadContract();
  const charge = () => make.charge({ amount: 2500, currency: 'usd', payment_intent: 'pi_test_1' });

  it('when the committed schema is compared with the installed SDK, the pinned version and the roots, then it is current', () => {
    assert.equal(
      SDK_API_VERSION,
      currentStamp().apiVersion,
      'the stripe package speaks another API version than the pin',
    );
    assert.deepEqual(
      readSchema().stamp,
      currentStamp(),
      'test/contract/stripe-schema.json is stale: run `npm run contract:schema` and commit the result',
    );
  });

  it('when an object carries a field its SDK type lacks, at the top or nested or expanded, then each is named by path', () => {
    const bad = { ...charge(), foo: 1, billing_details: { ...charge().billing_details, bar: 2 } };
    assert.deepEqual(contract.check(bad), [
      "Charge /foo: unknown field (not in the SDK's type)",
      "Charge /billing_details/bar: unknown field (not in the SDK's type)",
    ]);
    const session = make.checkoutSession({
      payment_intent: { ...make.paymentIntent({ amount: 2500, currency: 'usd' }), subscription: 'sub_1' } as never,
    });
    assert.deepEqual(contract.check(session), [
      "Checkout.Session /payment_intent/subscription: unknown field (not in the SDK's type)",
    ]);
  });

  it('when an enum holds a value outside the pinned version, then it is rejected with the values allowed', () => {
    // ui_mode "hosted" is the name before 2026-03-25.dahlia; the pinned version says hosted_page.
    const problems = contract.check(make.checkoutSession({ ui_mode: 'hosted' as never }));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^Checkout\.Session \/ui_mode: "hosted" is not one of \[.*"hosted_page".*\]$/);
    // The SDK leaves Dispute.Status open (`| OtherString`); the contract closes it to the pin's values.
    const dispute = make.dispute({ amount: 100, currency: 'usd', charge: 'ch_test_1', status: 'charge_refunded' });
    assert.match(contract.check(dispute).join('\n'), /Dispute \/status: "charge_refunded" is not one of/);
  });

  it('when a field is missing, of the wrong type, or the object unknown, then it is rejected', () => {
    const { livemode: _dropped, ...noLivemode } = charge();
    assert.deepEqual(contract.check(noLivemode), ["Charge (root): must have required property 'livemode'"]);
    assert.deepEqual(contract.check({ ...charge(), amount: '2500' }), ['Charge /amount: must be number, found "2500"']);
    assert.deepEqual(contract.check({ ...charge(), customer: 5 }), [
      'Charge /customer: must be string or object or null, found 5',
    ]);
    assert.match(contract.check({ id: 'x', object: 'teleport' })[0]!, /object "teleport" is not in the contract/);
    assert.match(contract.check({ id: 'x' })[0]!, /has no `object` field/);
  });

  it('when nullable fields are null, optional fields absent, and expandable fields an id or the object, then it is accepted', () => {
    assert.deepEqual(contract.check(charge()), []);
    assert.deepEqual(contract.check({ ...charge(), customer: make.customer() }), []);
    assert.deepEqual(contract.check({ ...charge(), refunds: null, failure_code: null }), []);
    assert.deepEqual(contract.check({ id: 'cus_test_1', object: 'customer', deleted: true }), []);
  });

  it('when an event has an unknown type, an object of another kind, or an object outside the contract, then it says so', () => {
    const refunded = make.stripeEvent('charge.refunded', charge());
    assert.deepEqual(contract.check(refunded), []);
    assert.deepEqual(contract.check({ ...refunded, type: 'charge.teleported' }), [
      'event "charge.teleported" is not an event type of the pinned version',
    ]);
    const wrongObject = { ...refunded, data: { object: make.refund({ amount: 1, currency: 'usd', charge: 'ch_1' }) } };
    assert.ok(contract.check(wrongObject).some((p) => p.startsWith('ChargeRefundedEvent /data/object')));
    const card = make.stripeEvent('issuing_card.created', {} as Stripe.Issuing.Card);
    assert.match(contract.check(card)[0]!, /carries Stripe\.Issuing\.Card, which is not in the contract: add it/);
  });

  it('when a list holds an item that breaks the contract, then the item is named by its index', () => {
    const list = {
      object: 'list',
      data: [charge(), { ...charge(), status: 'lost' }],
      has_more: false,
      url: '/v1/charges',
    };
    assert.deepEqual(contract.check(list), [
      'data[1]: Charge /status: "lost" is not one of ["failed","pending","succeeded"]',
    ]);
    assert.deepEqual(contract.check({ ...list, data: [charge()], total_count: 1 }), [
      "ApiList<unknown> /total_count: unknown field (not in the SDK's type)",
    ]);
  });
});
