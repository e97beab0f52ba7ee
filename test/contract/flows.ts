// Every flow the emulator supports, driven as the site and a tester drive it: Checkout Sessions
// with the site's own parameters, the hosted page, the Stripe SDK, and the /_emulator controls.
// Each leaves its objects and events behind for the contract test to check.
import type Stripe from 'stripe';
import { appealDispute, failRefund } from '../../emulator/after-payment.ts';
import { STRIPE_API_VERSION } from '../../lib/payments/stripe.ts';
import type { Harness } from './harness.ts';
import { PORTAL_FLOWS } from './portal-flows.ts';

export interface Flow {
  name: string;
  run(h: Harness): Promise<void>;
}

const idOf = (ref: string | { id: string } | null | undefined) => (typeof ref === 'string' ? ref : (ref?.id ?? ''));

/** A one-off gift paid by card; its charge, as the site finds it (payment_intent.latest_charge). */
async function paidCharge(h: Harness, amount: number): Promise<Stripe.Charge> {
  const session = await h.checkout(amount);
  await h.pay(session.id);
  const paid = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] });
  const charge = (paid.payment_intent as Stripe.PaymentIntent).latest_charge;
  if (!charge || typeof charge === 'string') throw new Error('the paid session has no expanded charge');
  return charge;
}

/** A monthly gift paid by card; its subscription, as the site finds it (subscription.latest_invoice). */
async function pledge(h: Harness, amount: number): Promise<Stripe.Subscription> {
  const session = await h.checkout(amount, 'monthly');
  await h.pay(session.id);
  const paid = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription.latest_invoice'] });
  const sub = paid.subscription;
  if (!sub || typeof sub === 'string') throw new Error('the paid session has no expanded subscription');
  return sub;
}

export const FLOWS: Flow[] = [
  {
    name: 'webhook endpoints made in the pinned version and in the account default',
    run: async (h) => {
      await h.stripe.webhookEndpoints.create({
        url: `${h.receiverUrl}/pinned`,
        enabled_events: ['*'],
        api_version: STRIPE_API_VERSION,
        description: 'contract: pinned',
        metadata: { contract: 'pinned' },
      });
      await h.stripe.webhookEndpoints.create({
        url: `${h.receiverUrl}/account-default`,
        enabled_events: ['*'],
        metadata: { contract: 'account default' },
      });
    },
  },
  {
    name: 'one-off card payment',
    run: async (h) => void (await paidCharge(h, 25)),
  },
  {
    name: 'bank debit that succeeds later',
    run: async (h) => {
      const session = await h.checkout(40);
      await h.pay(session.id, 'delayed_success');
      await h.control(`/_emulator/sessions/${session.id}/settle`, { outcome: 'succeeded' });
    },
  },
  {
    name: 'bank debit that fails later',
    run: async (h) => {
      const session = await h.checkout(45);
      await h.pay(session.id, 'delayed_failure');
      await h.control(`/_emulator/sessions/${session.id}/settle`, { outcome: 'failed' });
    },
  },
  {
    name: 'checkout expired through the API and through the control',
    run: async (h) => {
      await h.stripe.checkout.sessions.expire((await h.checkout(5)).id);
      await h.control(`/_emulator/sessions/${(await h.checkout(5, 'monthly')).id}/expire`);
    },
  },
  {
    name: 'monthly gift and a paid renewal',
    run: async (h) => void (await h.control(`/_emulator/subscriptions/${(await pledge(h, 10)).id}/renew`)),
  },
  {
    name: 'renewal that fails, then a retry that pays',
    run: async (h) => {
      const sub = await pledge(h, 12);
      await h.control(`/_emulator/subscriptions/${sub.id}/fail-renewal`);
      await h.control(`/_emulator/subscriptions/${sub.id}/renew`);
    },
  },
  {
    name: 'renewals that fail until the retries run out (unpaid, then cancelled)',
    run: async (h) => {
      await h.control('/_emulator/dunning', { retries: 0, then: 'unpaid' });
      await h.control(`/_emulator/subscriptions/${(await pledge(h, 13)).id}/fail-renewal`);
      await h.control('/_emulator/dunning', { retries: 0, then: 'cancel' });
      await h.control(`/_emulator/subscriptions/${(await pledge(h, 14)).id}/fail-renewal`);
      await h.control('/_emulator/dunning', { retries: 3, then: 'cancel' });
    },
  },
  {
    name: 'pledge set to end at the period end, paused and resumed through the API',
    run: async (h) => {
      const sub = await pledge(h, 15);
      await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
      await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
      await h.stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void' } });
      await h.stripe.subscriptions.update(sub.id, { pause_collection: '' });
    },
  },
  {
    name: 'pledge cancelled through the API and through the control',
    run: async (h) => {
      await h.stripe.subscriptions.cancel((await pledge(h, 20)).id);
      await h.control(`/_emulator/subscriptions/${(await pledge(h, 21)).id}/cancel`);
    },
  },
  {
    name: 'partial refund through the API, then the rest through the control',
    run: async (h) => {
      const charge = await paidCharge(h, 30);
      await h.stripe.refunds.create({ payment_intent: idOf(charge.payment_intent), amount: 1000 });
      await h.control(`/_emulator/charges/${charge.id}/refund`);
    },
  },
  {
    name: 'refund that fails',
    run: async (h) => {
      const refund = await h.stripe.refunds.create({ charge: (await paidCharge(h, 35)).id });
      failRefund(h.emulator.state, refund.id);
    },
  },
  {
    name: 'dispute lost, appealed, then won',
    run: async (h) => {
      const dispute = await h.control(`/_emulator/charges/${(await paidCharge(h, 50)).id}/dispute`);
      const id = String(dispute.id);
      await h.control(`/_emulator/disputes/${id}/close`, { outcome: 'lost' });
      appealDispute(h.emulator.state, id);
      await h.control(`/_emulator/disputes/${id}/close`, { outcome: 'won' });
    },
  },
  {
    name: 'dispute won outright',
    run: async (h) => {
      const dispute = await h.control(`/_emulator/charges/${(await paidCharge(h, 55)).id}/dispute`);
      await h.control(`/_emulator/disputes/${String(dispute.id)}/close`, { outcome: 'won' });
    },
  },
  {
    name: 'an event replayed and duplicated',
    run: async (h) => {
      const first = [...h.emulator.state.events.keys()][0]!;
      await h.control(`/_emulator/events/${first}/replay`);
      await h.control(`/_emulator/events/${first}/duplicate`);
    },
  },
  {
    name: 'webhook endpoints listed, updated and deleted',
    run: async (h) => {
      const made = await h.stripe.webhookEndpoints.create({
        url: `${h.receiverUrl}/spare`,
        enabled_events: ['charge.refunded'],
        metadata: { contract: 'spare' },
      });
      await h.stripe.webhookEndpoints.update(made.id, { disabled: true, description: 'contract: spare' });
      await h.stripe.webhookEndpoints.list({ limit: 100 });
      await h.stripe.webhookEndpoints.del(made.id);
    },
  },
  ...PORTAL_FLOWS,
];
