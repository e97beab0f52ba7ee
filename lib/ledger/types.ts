// The ledger's vocabulary: the facts the payments module hands it, what a write answers, the
// figures it shows, and the one `Ledger` interface everything else goes through.
import type { Readable } from 'node:stream';
import type { Contribution, Pledge } from '../db/schema.ts';
import type { Dashboard, GiftFilter, GiftPage } from './reports.ts';
import type { ChangeLogEntry } from './change-log.ts';

/** A gift's state: only moves forward (pending -> paid | failed | expired). */
export type ContributionStatus = 'pending' | 'paid' | 'failed' | 'expired';
export type Frequency = 'once' | 'monthly';
/**
 * A pledge's state, read from its subscription: giving (`active`), cancelled for the end of the
 * paid month (`ending`), a renewal failed and Stripe retries (`past_due`), retries gave up but
 * the subscription stands (`unpaid`), `paused`, or over (`ended`, final).
 */
export type PledgeStatus = 'active' | 'ending' | 'past_due' | 'unpaid' | 'paused' | 'ended';
export const PLEDGE_STATUSES: readonly PledgeStatus[] = ['active', 'ending', 'past_due', 'unpaid', 'paused', 'ended'];
/** How good a "paid at" time is: Stripe's own (an event, an invoice's paid_at) > a charge's creation > our clock. */
export type TimeSource = 'clock' | 'charge' | 'stripe';

export const CONTRIBUTION_STATUSES: readonly ContributionStatus[] = ['pending', 'paid', 'failed', 'expired'];

export interface GiftFacts {
  /** Stripe object id the gift is unique on: the Checkout Session (one-off) or the invoice (monthly). */
  stripeId: string;
  checkoutSessionId: string | null;
  subscriptionId: string | null;
  /** Counted as one donor per campaign: the session id (one-off) or subscription id (monthly). */
  donorKey: string;
  paymentIntentId: string | null;
  customerId: string | null;
  email: string | null;
  donorName?: string | null;
  frequency: Frequency;
  status: Exclude<ContributionStatus, 'expired'>;
  currency: string;
  amountMinor: number;
  /** The part of amountMinor the donor added to cover fees (from the session's metadata); shown, never added. */
  feeCoverMinor?: number;
  /**
   * What Stripe settled for the payment in the account's currency (its charge's balance
   * transaction: gross `amount` and `currency`), when read; counted toward the goal. Not needed
   * for a gift in its campaign's currency (settled = amount); absent or null: not known yet.
   */
  settledMinor?: number | null;
  settledCurrency?: string | null;
  /** The reader's language (two lower-case letters) from the checkout's metadata; null: unknown. */
  language?: string | null;
  /** The experiments' variants the checkout was started from (its metadata): written once, with a new gift. */
  variants?: ReadonlyArray<{ experimentId: number; variant: string }>;
  /** When Stripe says this happened; decides the campaign a payment counts toward. */
  occurredAt: Date;
  /** How trustworthy occurredAt is; a paid gift is re-timed when a better source arrives. */
  timeSource: TimeSource;
}

export interface ChargeFacts {
  chargeId: string;
  paymentIntentId: string | null;
  /** Set for the charge of a monthly pledge's invoice. */
  invoiceId: string | null;
  currency: string;
  amountMinor: number;
  /** Stripe's cumulative refunded amount: stored as is, so replays and reorders are harmless. */
  amountRefundedMinor: number;
  /** The charge's balance transaction (gross amount, currency), when read: the gift's settlement. */
  settledMinor?: number | null;
  settledCurrency?: string | null;
  observedAt: Date;
}

export interface DisputeFacts {
  disputeId: string;
  chargeId: string;
  paymentIntentId: string | null;
  invoiceId: string | null;
  amountMinor: number;
  status: string;
  observedAt: Date;
}

export interface PledgeFacts {
  subscriptionId: string;
  checkoutSessionId: string | null;
  customerId: string | null;
  email: string | null;
  currency: string;
  amountMinor: number;
}

/** A subscription's state as Stripe showed it at `observedAt`. */
export interface PledgeStateFacts extends PledgeFacts {
  status: PledgeStatus;
  /** When an `ending` pledge stops (Stripe's cancel_at or the period's end). */
  endsAt: Date | null;
  /** Stripe's time for the snapshot (the event's `created`): an older one never overwrites a newer. */
  observedAt: Date;
}

/** A renewal's payment failed; Stripe retries it at `nextRetryAt` (null: no more retries). */
export interface RenewalFailureFacts extends PledgeFacts {
  attempts: number;
  nextRetryAt: Date | null;
  observedAt: Date;
}

export interface ManualGift {
  amountMinor: number;
  receivedAt: Date;
  reason: string;
  donorName: string | null;
  staffEmail: string;
}

/** The Stripe event a write comes from; none for the thank-you page and reconciliation. */
export interface EventRef {
  id: string;
  type: string;
}

export type RecordOutcome =
  { result: 'duplicate-event' } | { result: 'recorded'; changed: boolean; contribution?: Contribution };

/** The campaign on show and its figures, in minor units. */
export interface Progress {
  campaign: string;
  currency: string;
  goal: number;
  raised: number;
  gross: number;
  refunded: number;
  disputed: number;
  disputeLost: number;
  donors: number;
  percent: number;
  startsAt: string;
  endsAt: string;
  /** Days until the campaign ends, counting today (1 on its last day); 0 once it is over. */
  daysLeft: number;
  /** What the appeal says once the goal is reached (staff set it); null = none. */
  stretchMessage: string | null;
  updatedAt: string;
  /**
   * Goes up by one each time this instance makes a new frozen figures object (when the figures
   * change; rarely also for equal figures read while a write was under way): what anything
   * built from the figures is cached on. Per instance, so never shown to anyone.
   */
  revision: number;
}

export interface LastWebhook {
  at: string;
  eventId: string;
  type: string;
  /** The last event that came in another API version than the pinned one (null: none ever). */
  otherApiVersion: { version: string; at: string } | null;
}

/** Signed events refused since a time and not recorded since; the latest of them. */
export interface RefusedEvents {
  count: number;
  latest: { id: string; type: string; reason: string; at: string } | null;
}

export interface Ledger {
  recordGift(facts: GiftFacts, event?: EventRef): Promise<RecordOutcome>;
  /** An abandoned checkout: nothing counts; a pending record is closed. */
  expireSession(checkoutSessionId: string, event?: EventRef): Promise<RecordOutcome>;
  recordCharge(facts: ChargeFacts, event?: EventRef): Promise<RecordOutcome>;
  recordDispute(facts: DisputeFacts, event?: EventRef): Promise<RecordOutcome>;
  /** Links a monthly pledge to its donor; moves no money (each paid invoice does). */
  recordPledge(facts: PledgeFacts, event?: EventRef): Promise<RecordOutcome>;
  /** The pledge's state changed at Stripe (ended included); never goes back from ended. */
  updatePledge(facts: PledgeStateFacts, event?: EventRef): Promise<RecordOutcome>;
  /** A renewal failed: the pledge is past due until Stripe says otherwise. */
  noteRenewalFailure(facts: RenewalFailureFacts, event?: EventRef): Promise<RecordOutcome>;
  /** An offline gift (a cheque, a bank transfer) staff entered, with its reason; audited. */
  recordManualGift(input: ManualGift): Promise<Contribution>;
  /** Staff set the goal of the campaign on show; audited. It then outlives FUNDRAISER_GOAL. */
  setGoal(goalMinor: number, staffEmail: string): Promise<void>;
  /** The message shown once the goal is reached; null clears it. Logged as a change. */
  setStretchMessage(message: string | null, staffEmail: string): Promise<void>;
  /** How a payment intent the ledger has seen links to its gift (null when unseen). */
  linkOfPayment(paymentIntentId: string): Promise<{ paymentIntentId: string; invoiceId: string | null } | null>;
  knowsInvoice(invoiceId: string): Promise<boolean>;
  /** A signed event arrived; `otherApiVersion` when it was rendered in another version than the pinned one. */
  noteWebhook(event: EventRef, at: Date, otherApiVersion?: string): Promise<void>;
  lastWebhook(): Promise<LastWebhook | null>;
  /**
   * Whether this event was recorded already (a redelivery): on PostgreSQL a read outside any
   * write, so a duplicate costs no place in a batch. False says only "not known here yet"
   * (always, on SQLite), and the writer checks again inside its transaction.
   */
  recordedEvent(eventId: string): Promise<boolean>;
  /** A signed event whose facts were refused: acknowledged to Stripe, kept here for staff. */
  noteRefusedEvent(event: EventRef, reason: string, at: Date): Promise<void>;
  refusedEvents(since: Date): Promise<RefusedEvents>;
  progress(): Promise<Progress>;
  findGift(stripeId: string): Promise<Contribution | undefined>;
  /** Makes sure the campaign on show exists and carries the configured goal. */
  syncCampaign(): Promise<void>;
  /** What the staff pages show. */
  dashboard(): Promise<Dashboard>;
  /** Newest first, the gifts older than the gift `before` (null: from the newest). */
  giftPage(filter: GiftFilter, before: number | null): Promise<GiftPage>;
  /** Every matching gift as CSV records, streamed. */
  giftRecords(filter: GiftFilter, withEmail: boolean): Readable;
  /** One record per donor (e-mail) and currency of what they gave in a calendar year, streamed. */
  statementRecords(year: number): Readable;
  /** Staff changes, newest first. */
  recentChanges(): Promise<ChangeLogEntry[]>;
  /** Writes a staff action taken at Stripe (a pledge cancelled) into the change log. */
  logStaffAction(staffEmail: string, action: string, detail: string): Promise<void>;
  findPledge(subscriptionId: string): Promise<Pledge | undefined>;
}
