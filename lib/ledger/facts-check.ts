// What the ledger refuses to fold into the totals, however well signed the event: money that
// is not a whole, non-negative, safe number of minor units (a settled amount too), a refund larger than its charge, or
// facts no Stripe object holds (an id, a time, a currency of the wrong form; see below).
// Refused facts throw before anything is written, so a bad figure never moves the bar. No
// retry can change them: the webhook acknowledges the event, logs it loudly, counts it and
// keeps it (refused_events) for the staff dashboard's warning.
import {
  PLEDGE_STATUSES,
  type ChargeFacts,
  type DisputeFacts,
  type EventRef,
  type GiftFacts,
  type PledgeFacts,
  type PledgeStateFacts,
  type RenewalFailureFacts,
} from './types.ts';

export class RefusedFacts extends Error {
  constructor(detail: string) {
    super(`refused: ${detail}`);
    this.name = 'RefusedFacts';
  }
}

/** A whole, non-negative number of minor units that adds up exactly (below 2^53). */
export function checkMinor(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RefusedFacts(`${name} must be a whole, non-negative amount in minor units (got ${String(value)})`);
  }
}

/** A charge's cumulative refund: within the charge. */
export function checkRefund(amountMinor: number, refundedMinor: number): void {
  checkMinor('the charge amount', amountMinor);
  checkMinor('the refunded amount', refundedMinor);
  if (refundedMinor > amountMinor) {
    throw new RefusedFacts(`a refund of ${refundedMinor} exceeds its charge of ${amountMinor}`);
  }
}

// What Stripe sends is typed only by the SDK's declarations: a signed event whose object is
// not shaped as Stripe shapes it (an id that is not a string, a time Date cannot hold, a
// currency of another form) would otherwise fail in the database (NOT NULL, a value it cannot
// bind, a NUL PostgreSQL text refuses, a duplicate key) on every retry. It is refused here
// instead, before the transaction, like an impossible amount.

/** An id or a status word as Stripe spells them: printable ASCII, no spaces (so no NUL either). */
const TOKEN = /^[\x21-\x7e]{1,255}$/;
// ISO strings sort as the times they name only within years 0000-9999; the ledger compares them.
const LATEST_TIME = Date.UTC(10_000, 0, 1);

function refuse(name: string, value: unknown, wanted: string): never {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : String(value);
  throw new RefusedFacts(`${name} must be ${wanted} (got ${typeof value} ${shown})`);
}

/** Whether a row could hold this id; one that none can matches nothing (and PostgreSQL would refuse a NUL in it). */
export const isStripeId = (value: unknown): value is string => typeof value === 'string' && TOKEN.test(value);

export function checkId(name: string, value: unknown): void {
  if (!isStripeId(value)) refuse(name, value, 'a Stripe id');
}

export function checkOptionalId(name: string, value: unknown): void {
  if (value !== null) checkId(name, value);
}

/** Text Stripe passes on (an e-mail address, a name): a string without NUL, or nothing. */
export function checkText(name: string, value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'string' || value.includes('\u0000')) refuse(name, value, 'text without NUL characters');
}

export function checkCurrency(value: unknown): void {
  if (typeof value !== 'string' || !/^[a-z]{3}$/.test(value)) refuse('the currency', value, 'a three-letter code');
}

/** A settlement is both an amount and a currency, or neither (not known yet). */
export function checkSettlement(f: { settledMinor?: number | null; settledCurrency?: string | null }): void {
  const amount = f.settledMinor ?? null;
  const currency = f.settledCurrency ?? null;
  if (amount === null && currency === null) return;
  if (amount === null || currency === null) refuse('the settlement', amount ?? currency, 'an amount with its currency');
  checkMinor('the settled amount', amount);
  if (typeof currency !== 'string' || !/^[a-z]{3}$/.test(currency))
    refuse('the settled currency', currency, 'a three-letter code');
}

/** The reader's language as the checkout's metadata names it: two lower-case letters, or nothing. */
export function checkLanguage(value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'string' || !/^[a-z]{2}$/.test(value)) refuse('the language', value, 'a two-letter code');
}

export function checkTime(name: string, value: unknown): void {
  const t = value instanceof Date ? value.getTime() : NaN;
  if (!(t >= 0 && t < LATEST_TIME)) refuse(name, value, 'a time between 1970 and 9999');
}

export function checkOptionalTime(name: string, value: unknown): void {
  if (value !== null) checkTime(name, value);
}

export function checkOneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) refuse(name, value, `one of ${allowed.join(', ')}`);
}

/** A count stored in an integer column (PostgreSQL's integer holds below 2^31). */
export function checkCount(name: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) >= 2 ** 31)
    refuse(name, value, 'a whole count');
}

/** The event a write records: its id and type are stored as they came. */
export function checkEventRef(event: { id: unknown; type: unknown } | undefined): void {
  if (!event) return;
  checkId('the event id', event.id);
  checkId('the event type', event.type);
}

const GIFT_STATUSES = ['pending', 'paid', 'failed'];
const FREQUENCIES = ['once', 'monthly'];
const TIME_SOURCES = ['clock', 'charge', 'stripe'];

export function checkGiftFacts(f: GiftFacts, event?: EventRef): void {
  checkEventRef(event);
  checkMinor('the gift amount', f.amountMinor);
  checkId('the gift id', f.stripeId);
  checkId('the donor key', f.donorKey);
  checkOptionalId('the Checkout Session id', f.checkoutSessionId);
  checkOptionalId('the subscription id', f.subscriptionId);
  checkOptionalId('the payment intent id', f.paymentIntentId);
  checkOptionalId('the customer id', f.customerId);
  checkText('the e-mail address', f.email);
  checkText("the donor's name", f.donorName);
  checkOneOf('the frequency', f.frequency, FREQUENCIES);
  checkOneOf('the gift status', f.status, GIFT_STATUSES);
  checkOneOf('the time source', f.timeSource, TIME_SOURCES);
  checkCurrency(f.currency);
  checkSettlement(f);
  checkLanguage(f.language);
  checkTime('the time paid', f.occurredAt);
}

export function checkChargeFacts(f: ChargeFacts, event?: EventRef): void {
  checkEventRef(event);
  checkRefund(f.amountMinor, f.amountRefundedMinor);
  checkId('the charge id', f.chargeId);
  checkOptionalId('the payment intent id', f.paymentIntentId);
  checkOptionalId('the invoice id', f.invoiceId);
  checkCurrency(f.currency);
  checkSettlement(f);
  checkTime('the time observed', f.observedAt);
}

export function checkDisputeFacts(f: DisputeFacts, event?: EventRef): void {
  checkEventRef(event);
  checkMinor('the disputed amount', f.amountMinor);
  checkId('the dispute id', f.disputeId);
  checkId('the charge id', f.chargeId);
  checkOptionalId('the payment intent id', f.paymentIntentId);
  checkOptionalId('the invoice id', f.invoiceId);
  // Any status word is kept (an unknown one as open); it must be one.
  checkId('the dispute status', f.status);
  checkTime('the time observed', f.observedAt);
}

export function checkPledgeFacts(f: PledgeFacts, event?: EventRef): void {
  checkEventRef(event);
  checkMinor('the monthly amount', f.amountMinor);
  checkId('the subscription id', f.subscriptionId);
  checkOptionalId('the Checkout Session id', f.checkoutSessionId);
  checkOptionalId('the customer id', f.customerId);
  checkText('the e-mail address', f.email);
  checkCurrency(f.currency);
}

export function checkPledgeStateFacts(f: PledgeStateFacts, event?: EventRef): void {
  checkPledgeFacts(f, event);
  checkOneOf('the pledge status', f.status, PLEDGE_STATUSES);
  checkOptionalTime('the end', f.endsAt);
  checkTime('the time observed', f.observedAt);
}

export function checkRenewalFailureFacts(f: RenewalFailureFacts, event?: EventRef): void {
  checkPledgeFacts(f, event);
  checkCount('the attempts', f.attempts);
  checkOptionalTime('the next retry', f.nextRetryAt);
  checkTime('the time observed', f.observedAt);
}
