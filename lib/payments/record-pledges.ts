// Stripe's subscriptions as pledge states: what a monthly donor's subscription says now
// (giving, past due after a failed renewal, unpaid once Stripe's retries gave up, paused,
// ending at the paid month's end, ended), and each failed renewal as it happens. Nothing here
// moves money: months are counted by their paid invoices (record-gifts.ts).
import type Stripe from 'stripe';
import type { PledgeFacts, PledgeStatus } from '../ledger/types.ts';
import { idOf, isOurs, type FulfilDeps, type FulfilOutcome, type Source } from './record-gifts.ts';

/** Pledges move no money, so they need no Stripe lookup. */
type PledgeDeps = Pick<FulfilDeps, 'ledger' | 'fundraiser'>;

/** The pledge state a subscription is in, or null for a status the site does not know. */
export function pledgeStatusOf(sub: Stripe.Subscription): PledgeStatus | null {
  switch (sub.status) {
    case 'canceled':
    case 'incomplete_expired':
      return 'ended';
    // incomplete: the first payment needs the donor (3-D Secure); as good as a failed renewal.
    case 'past_due':
    case 'incomplete':
      return 'past_due';
    case 'unpaid':
      return 'unpaid';
    case 'paused':
      return 'paused';
    case 'active':
    case 'trialing':
      // Pausing collection leaves the status active (Stripe's docs): no invoice is charged meanwhile.
      if (sub.pause_collection) return 'paused';
      if (sub.cancel_at_period_end || sub.cancel_at !== null) return 'ending';
      return 'active';
    default:
      return null;
  }
}

function pledgeOf(sub: Stripe.Subscription): PledgeFacts {
  const item = sub.items.data[0];
  return {
    subscriptionId: sub.id,
    checkoutSessionId: null,
    customerId: idOf(sub.customer),
    email: null,
    currency: sub.currency,
    amountMinor: (item?.price.unit_amount ?? 0) * (item?.quantity ?? 1),
  };
}

/** A subscription changed (customer.subscription.updated/deleted/paused/resumed, or reconcile's read). */
export async function recordSubscriptionState(
  deps: PledgeDeps,
  sub: Stripe.Subscription,
  source: Source,
): Promise<FulfilOutcome> {
  if (!isOurs(sub.metadata, deps.fundraiser.id))
    return { result: 'ignored', reason: 'subscription is not a pledge of this fundraiser' };
  const status = pledgeStatusOf(sub);
  if (!status) {
    // Nothing counts on a pledge's state, so an unknown one is left as it was, loudly.
    return {
      result: 'ignored',
      reason: `unknown subscription status ${sub.status}`,
      warning: `subscription ${sub.id} has a status this site does not know (${sub.status}); its pledge was left as it was`,
    };
  }
  const endsAt = sub.cancel_at ?? sub.items.data[0]?.current_period_end ?? null;
  return deps.ledger.updatePledge(
    {
      ...pledgeOf(sub),
      status,
      endsAt: status === 'ending' && endsAt ? new Date(endsAt * 1000) : null,
      observedAt: source.occurredAt,
    },
    source.event,
  );
}

/** A renewal's payment failed (invoice.payment_failed): the pledge is past due while Stripe retries. */
export async function recordRenewalFailure(
  deps: PledgeDeps,
  invoice: Stripe.Invoice,
  source: Source,
): Promise<FulfilOutcome> {
  const details = invoice.parent?.subscription_details;
  const subscriptionId = idOf(details?.subscription);
  if (!details || !subscriptionId || !isOurs(details.metadata, deps.fundraiser.id))
    return { result: 'ignored', reason: 'invoice is not for a pledge of this fundraiser' };
  // A first payment that fails happens inside Checkout, which makes no pledge of it.
  if (invoice.billing_reason === 'subscription_create')
    return { result: 'ignored', reason: 'the first payment failed at checkout; there is no pledge yet' };
  const next = invoice.next_payment_attempt;
  return deps.ledger.noteRenewalFailure(
    {
      subscriptionId,
      checkoutSessionId: null,
      customerId: idOf(invoice.customer),
      email: invoice.customer_email,
      currency: invoice.currency,
      amountMinor: invoice.amount_due,
      attempts: invoice.attempt_count,
      nextRetryAt: next ? new Date(next * 1000) : null,
      observedAt: source.occurredAt,
    },
    source.event,
  );
}
