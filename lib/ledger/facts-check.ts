// What the ledger refuses to fold into the totals, however well signed the event: money that
// is not a whole, non-negative, safe number of minor units, or a refund larger than its charge.
// Refused facts throw before anything is written, so a bad figure never moves the bar. No
// retry can change them: the webhook acknowledges the event, logs it loudly, counts it and
// keeps it (refused_events) for the staff dashboard's warning.

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
