// Generated Stripe events for the signed-webhook fuzz: each starts as the object Stripe would
// send (the emulator's builders), then has some of the fields the site reads replaced by odd
// values (null, negative, fractional, huge, of another type, naming objects that do not exist
// or that belong to someone else), now and then a field removed or the object put under
// another event type. Ids are drawn from a pool of objects the emulator really holds, so
// many events reach past "not ours" into the ledger.
import fc from 'fast-check';
import type Stripe from 'stripe';
import { charge, checkoutSession, dispute, refund, stripeEvent } from '../../emulator/objects.ts';
import { invoice, subscription } from '../../emulator/billing-objects.ts';
import { HANDLED_EVENT_TYPES } from '../../lib/payments/events.ts';
import { STRIPE_API_VERSION } from '../../lib/payments/stripe.ts';
import { weirdString } from './kit.ts';

/** Ids of what the emulator holds (the seeded gifts), so events can name real objects. */
export interface KnownIds {
  sessions: string[];
  paymentIntents: string[];
  charges: string[];
  customers: string[];
  subscriptions: string[];
  invoices: string[];
  disputes: string[];
  refunds: string[];
}

type Obj = Record<string, unknown>;
const now = () => Math.floor(Date.now() / 1000);

/** An amount in minor units: mostly plausible, else what no ledger should add up. */
const amount = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 2_000_000 }), weight: 6 },
  {
    arbitrary: fc.constantFrom<unknown>(null, -1, -2500, 0.5, 2500.01, 1e21, 2 ** 53, '2500', true, [], {}),
    weight: 2,
  },
  { arbitrary: fc.double(), weight: 1 },
);

/** A Unix time: around now, or one Date cannot hold, or not a number. */
const time = fc.oneof(
  { arbitrary: fc.integer({ min: -86_400 * 400, max: 86_400 * 400 }).map((d) => now() + d), weight: 4 },
  { arbitrary: fc.constantFrom<unknown>(0, -1, 1e12, 8.64e12, 1.5, null, '2026-01-01', -1e15), weight: 2 },
  { arbitrary: fc.integer(), weight: 1 },
);

const currency = fc.oneof(
  { arbitrary: fc.constant('usd'), weight: 6 },
  { arbitrary: fc.constantFrom<unknown>('USD', 'eur', 'jpy', 'bhd', '', null, 5, 'us d'), weight: 1 },
  { arbitrary: weirdString, weight: 1 },
);

const oneOf = <T>(values: readonly T[]) => fc.constantFrom(...values);

/** A new id as Stripe spells them, drawn by fast-check so that a seed replays it. */
const newId = (prefix: string) =>
  fc
    .string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
      minLength: 16,
      maxLength: 16,
    })
    .map((tail) => `${prefix}_test_${tail}`);

/** A reference to an object: a real one, one Stripe never made, expanded, empty or of the wrong type. */
function ref(known: readonly string[], prefix: string): fc.Arbitrary<unknown> {
  const real = known.length ? oneOf(known) : fc.constant(`${prefix}_test_none`);
  return fc.oneof(
    { arbitrary: real, weight: 5 },
    { arbitrary: newId(prefix), weight: 2 },
    { arbitrary: real.map((id) => ({ id })), weight: 1 },
    { arbitrary: fc.constantFrom<unknown>(null, '', {}, 42, [prefix]), weight: 1 },
    { arbitrary: weirdString, weight: 1 },
  );
}

const status = (values: readonly string[]) =>
  fc.oneof({ arbitrary: oneOf(values), weight: 5 }, { arbitrary: fc.oneof(weirdString, fc.constant(null)), weight: 1 });

/** Odd values for some of an object's fields: each field replaced or not. */
const some = (fields: Record<string, fc.Arbitrary<unknown>>) => fc.record(fields, { requiredKeys: [] });

/** The objects the site reads, and the event types that carry each. */
export function eventObjects(known: KnownIds, ours: Stripe.Metadata) {
  const metadata = fc.oneof(
    { arbitrary: fc.constant(ours), weight: 6 },
    {
      arbitrary: fc.constantFrom<unknown>(
        {},
        null,
        { fundraiser: 'another' },
        { fundraiser: ours.fundraiser, x: 1 },
        'x',
        [],
      ),
      weight: 2,
    },
    { arbitrary: fc.dictionary(weirdString, weirdString, { maxKeys: 2 }), weight: 1 },
  );
  const email = fc.oneof(fc.emailAddress(), weirdString, fc.constant(null));
  const customer = ref(known.customers, 'cus');

  const session = fc
    .tuple(
      some({
        id: ref(known.sessions, 'cs'),
        amount_total: amount,
        currency,
        metadata,
        mode: status(['payment', 'subscription', 'setup']),
        payment_status: status(['paid', 'unpaid', 'no_payment_required']),
        status: status(['complete', 'open', 'expired']),
        payment_intent: ref(known.paymentIntents, 'pi'),
        subscription: ref(known.subscriptions, 'sub'),
        customer,
        customer_details: fc.oneof(
          fc.record({ email, name: fc.oneof(weirdString, fc.constant(null)) }),
          fc.constantFrom<unknown>(null, {}, 'x'),
        ),
        customer_email: email,
      }),
      fc.boolean(),
    )
    .map(([odd, paid]) => ({
      object: {
        ...checkoutSession({ status: 'complete', payment_status: paid ? 'paid' : 'unpaid', metadata: ours }),
        ...odd,
      },
      types: [
        'checkout.session.completed',
        'checkout.session.async_payment_succeeded',
        'checkout.session.async_payment_failed',
        'checkout.session.expired',
      ],
    }));

  const parent = fc.oneof(
    {
      arbitrary: fc.tuple(metadata, ref(known.subscriptions, 'sub')).map(([m, sub]) => ({
        quote_details: null,
        subscription_details: { metadata: m, subscription: sub },
        type: 'subscription_details',
      })),
      weight: 5,
    },
    { arbitrary: fc.constantFrom<unknown>(null, {}, { subscription_details: null }), weight: 1 },
  );
  const invoiceObject = fc
    .tuple(
      parent,
      some({
        id: ref(known.invoices, 'in'),
        amount_paid: amount,
        amount_due: amount,
        currency,
        status: status(['paid', 'open', 'void', 'uncollectible', 'draft']),
        status_transitions: fc.oneof(
          fc.record({ paid_at: time, finalized_at: time }),
          fc.constantFrom<unknown>(null, {}),
        ),
        attempt_count: fc.oneof(fc.nat(10), amount),
        next_payment_attempt: time,
        billing_reason: status(['subscription_cycle', 'subscription_create', 'manual']),
        customer,
        customer_email: email,
      }),
    )
    .map(([parentField, odd]) => {
      const base = invoice({
        customer: 'cus_test_base',
        currency: 'usd',
        subscription: 'sub_test_base',
        subscriptionMetadata: ours,
        amount: 1000,
        billing_reason: 'subscription_cycle',
      });
      return { object: { ...base, parent: parentField, ...odd }, types: ['invoice.paid', 'invoice.payment_failed'] };
    });

  const items = fc.oneof(
    {
      arbitrary: fc
        .record({ unit_amount: amount, quantity: fc.oneof(fc.constant(1), amount), current_period_end: time })
        .map(({ unit_amount, ...item }) => ({
          object: 'list',
          data: [{ id: 'si_test_base', object: 'subscription_item', price: { unit_amount }, ...item }],
          has_more: false,
          url: '/v1/subscription_items',
        })),
      weight: 5,
    },
    { arbitrary: fc.constantFrom<unknown>({ object: 'list', data: [] }, null, {}, { data: null }), weight: 1 },
  );
  const subscriptionObject = fc
    .tuple(
      items,
      some({
        id: ref(known.subscriptions, 'sub'),
        status: status([
          'active',
          'past_due',
          'unpaid',
          'canceled',
          'incomplete',
          'incomplete_expired',
          'trialing',
          'paused',
        ]),
        metadata,
        cancel_at: time,
        cancel_at_period_end: fc.oneof(fc.boolean(), fc.constantFrom<unknown>(null, 'yes')),
        pause_collection: fc.constantFrom<unknown>(null, { behavior: 'void', resumes_at: null }, 'x'),
        currency,
        customer,
      }),
    )
    .map(([itemList, odd]) => ({
      object: {
        ...subscription({ customer: 'cus_test_base', currency: 'usd', metadata: ours }),
        items: itemList,
        ...odd,
      },
      types: [
        'customer.subscription.updated',
        'customer.subscription.paused',
        'customer.subscription.resumed',
        'customer.subscription.deleted',
      ],
    }));

  const chargeObject = some({
    id: ref(known.charges, 'ch'),
    amount,
    amount_refunded: amount,
    currency,
    metadata,
    payment_intent: ref(known.paymentIntents, 'pi'),
  }).map((odd) => ({
    object: { ...charge({ amount: 2500, currency: 'usd', metadata: ours }), ...odd },
    types: ['charge.refunded'],
  }));

  const refundObject = some({
    id: ref(known.refunds, 're'),
    amount,
    status: status(['succeeded', 'pending', 'failed', 'canceled']),
    charge: ref(known.charges, 'ch'),
  }).map((odd) => ({
    object: { ...refund({ amount: 500, currency: 'usd', charge: known.charges[0] ?? 'ch_test_base' }), ...odd },
    types: ['charge.refund.updated', 'refund.updated', 'refund.failed'],
  }));

  const disputeObject = some({
    id: ref(known.disputes, 'dp'),
    amount,
    currency,
    status: status(['warning_needs_response', 'needs_response', 'under_review', 'won', 'lost', 'prevented']),
    charge: ref(known.charges, 'ch'),
    payment_intent: ref(known.paymentIntents, 'pi'),
  }).map((odd) => ({
    object: { ...dispute({ amount: 2500, currency: 'usd', charge: known.charges[0] ?? 'ch_test_base' }), ...odd },
    types: [
      'charge.dispute.created',
      'charge.dispute.updated',
      'charge.dispute.closed',
      'charge.dispute.funds_withdrawn',
      'charge.dispute.funds_reinstated',
    ],
  }));

  return fc.oneof(session, invoiceObject, subscriptionObject, chargeObject, refundObject, disputeObject);
}

/** Now and then the object loses a field the site reads, or has one of the wrong type. */
const damage = fc.oneof(
  { arbitrary: fc.constant(null), weight: 12 },
  {
    arbitrary: fc.record({ key: fc.nat(), value: fc.constantFrom<unknown>(undefined, null, 'x', 0, [], {}) }),
    weight: 1,
  },
);

/** A whole event, signed or not yet: its envelope odd now and then too. */
export function generatedEvent(known: KnownIds, ours: Stripe.Metadata): fc.Arbitrary<Obj> {
  // A small pool of ids makes some events arrive twice (with other contents).
  const eventId = fc.oneof(
    { arbitrary: newId('evt'), weight: 8 },
    { arbitrary: fc.constantFrom('evt_test_again_1', 'evt_test_again_2', 'evt_\u0000', ' '), weight: 1 },
  );
  const otherType = fc.constantFrom(
    'constructor',
    '__proto__',
    'hasOwnProperty',
    'toString',
    'payment_intent.succeeded',
  );
  return fc
    .record({
      body: eventObjects(known, ours),
      id: eventId,
      created: time,
      apiVersion: fc.oneof(
        { arbitrary: fc.constant<unknown>(STRIPE_API_VERSION), weight: 8 },
        { arbitrary: fc.constantFrom<unknown>('2024-06-20', null, '', 7, {}, 'x\u0000'), weight: 1 },
      ),
      type: fc.oneof(
        { arbitrary: fc.constant(null), weight: 10 },
        { arbitrary: fc.oneof(oneOf(HANDLED_EVENT_TYPES), otherType, weirdString), weight: 1 },
      ),
      pick: fc.nat(),
      damage,
    })
    .map(({ body, id, created, apiVersion, type, pick, damage: d }) => {
      const object: Obj = { ...body.object };
      if (d) {
        const keys = Object.keys(object);
        const key = keys[d.key % keys.length]!;
        if (d.value === undefined) delete object[key];
        else object[key] = d.value;
      }
      const event = stripeEvent('checkout.session.completed', object as unknown as Stripe.Checkout.Session, {
        id,
        api_version: String(apiVersion),
      }) as unknown as Obj;
      return {
        ...event,
        type: type ?? body.types[pick % body.types.length],
        created,
        api_version: apiVersion,
      };
    });
}
