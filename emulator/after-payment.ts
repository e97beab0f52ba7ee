// Test controls for what happens to money after it was paid, beyond a plain refund or a
// dispute (state.ts): a refund that fails, the appeal of a lost dispute, and a balance
// transaction set after the payment. Each changes the objects as Stripe does and sends the
// events Stripe sends.
import { attachBalanceTransaction } from './balance.ts';
import { EmulatorError, found, type EmulatorState } from './state.ts';

/**
 * Stripe sets a charge's balance transaction after the payment (asynchronous capture; the
 * emulator does so only with `state.balanceLater`), and announces it with charge.updated.
 */
export function settleCharge(state: EmulatorState, chargeId: string) {
  const charge = found(state.charges.get(chargeId), 'charge', chargeId);
  if (charge.balance_transaction || charge.status !== 'succeeded')
    throw new EmulatorError(400, `Charge ${chargeId} already has a balance transaction, or did not succeed.`);
  attachBalanceTransaction(state, charge);
  state.emit('charge.updated', charge, { balance_transaction: null });
  return charge;
}

/**
 * The bank returns a refund (Stripe: the refund's status becomes `failed` and the charge's
 * refunded amount goes back down). Only `refund.updated` and `refund.failed` are sent, as for
 * the payment methods on which `charge.refund.updated` does not fire.
 */
export function failRefund(state: EmulatorState, refundId: string) {
  const refund = found(state.refunds.get(refundId), 'refund', refundId);
  if (refund.status === 'failed') throw new EmulatorError(400, `Refund ${refundId} has already failed.`);
  const chargeId = typeof refund.charge === 'string' ? refund.charge : refund.charge?.id;
  const charge = chargeId ? state.charges.get(chargeId) : undefined;
  if (!charge) throw new EmulatorError(400, `Refund ${refundId} has no charge.`);
  const previous = { status: refund.status };
  refund.status = 'failed';
  refund.failure_reason = 'lost_or_stolen_card';
  charge.amount_refunded -= refund.amount;
  charge.refunded = false;
  state.emit('refund.updated', refund, previous);
  state.emit('refund.failed', refund);
  return refund;
}

/** The non-profit appeals a lost dispute (Stripe: `appeal_needs_response`, then a new decision by closeDispute). */
export function appealDispute(state: EmulatorState, disputeId: string) {
  const dispute = found(state.disputes.get(disputeId), 'dispute', disputeId);
  if (dispute.status !== 'lost')
    throw new EmulatorError(400, `Only a lost dispute can be appealed; ${disputeId} is ${dispute.status}.`);
  dispute.status = 'appeal_needs_response';
  state.emit('charge.dispute.updated', dispute, { status: 'lost' });
  return dispute;
}
