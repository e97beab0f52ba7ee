// The emulator's in-memory Stripe account: its objects, its events, and the operations that
// change them (pay, settle, refund, dispute, renew, cancel, expire). Every change emits the
// events Stripe would, with a snapshot of the object, through the webhook delivery.
import type Stripe from 'stripe';
import * as make from './objects.ts';
import * as billing from './billing-objects.ts';
import * as catalog from './catalog-objects.ts';
import { attachBalanceTransaction } from './balance.ts';
import type { WebhookDelivery } from './delivery.ts';
import type { Dunning } from './renewals.ts';

export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type:
      'invalid_request_error' | 'api_error' | 'authentication_error' | 'idempotency_error' = 'invalid_request_error',
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** The object, or Stripe's 404 for a missing one ("No such charge: 'ch_...'"). */
export function found<T>(obj: T | undefined, kind: string, id: string, param = 'id'): T {
  if (obj === undefined)
    throw new EmulatorError(404, `No such ${kind}: '${id}'`, 'invalid_request_error', 'resource_missing', param);
  return obj;
}

/** What the site asked for when it created a session, kept aside from the public object. */
export interface SessionExtras {
  productName: string;
  interval: 'day' | 'week' | 'month' | 'year' | null;
  paymentIntentMetadata: Stripe.Metadata;
  subscriptionMetadata: Stripe.Metadata;
  /** The price its line item named or made inline (catalog.ts); absent on sessions put straight into the store. */
  priceId?: string;
  /** Set while a delayed payment waits to succeed or fail. */
  pendingPaymentIntent?: string;
}

export type PaymentChoice = 'card' | 'delayed_success' | 'delayed_failure';

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

export class EmulatorState {
  readonly sessions = new Map<string, Stripe.Checkout.Session>();
  readonly extras = new Map<string, SessionExtras>();
  readonly paymentIntents = new Map<string, Stripe.PaymentIntent>();
  readonly charges = new Map<string, Stripe.Charge>();
  readonly customers = new Map<string, Stripe.Customer>();
  readonly subscriptions = new Map<string, Stripe.Subscription>();
  readonly invoices = new Map<string, Stripe.Invoice>();
  readonly refunds = new Map<string, Stripe.Refund>();
  readonly invoicePayments = new Map<string, Stripe.InvoicePayment>();
  readonly disputes = new Map<string, Stripe.Dispute>();
  readonly events = new Map<string, Stripe.Event>();
  readonly products = new Map<string, Stripe.Product>();
  readonly prices = new Map<string, Stripe.Price>();
  /** Prices made by price_data: retrievable, never listed (as Stripe's inline prices). */
  readonly inlinePrices = new Set<string>();
  readonly paymentMethods = new Map<string, Stripe.PaymentMethod>();
  readonly balanceTransactions = new Map<string, Stripe.BalanceTransaction>();
  /**
   * Test hook: charges are made with `balance_transaction: null`, as Stripe's asynchronous
   * capture may answer; settleCharge() (after-payment.ts) sets it later and sends charge.updated.
   */
  balanceLater = false;
  private readonly settleTimers = new Set<NodeJS.Timeout>();
  /** The account's retry setting for failed renewals (renewals.ts). */
  dunning: Dunning = { retries: 3, then: 'cancel' };

  constructor(
    private readonly delivery: WebhookDelivery,
    /** Delayed payments settle by themselves after this long; null = only when told to. */
    private readonly settleDelayMs: number | null,
    /** Stamped on every event as api_version. */
    private readonly apiVersion: string,
    /** The account's default currency: what every charge settles in (balance.ts). */
    readonly accountCurrency = 'usd',
  ) {}

  emit<T extends Stripe.Event.Type>(
    type: T,
    object: Extract<Stripe.Event, { type: T }>['data']['object'],
    /** For *.updated: the changed fields' values before the change. */
    previous?: object,
  ): Stripe.Event {
    // The object type is checked at the call site; the generic cannot be narrowed through here.
    const event: Stripe.Event = make.stripeEvent(type, clone(object) as never, {
      api_version: this.apiVersion,
      ...(previous ? { previous_attributes: clone(previous) } : {}),
    });
    this.events.set(event.id, event);
    this.delivery.send(event);
    return event;
  }

  session(id: string): Stripe.Checkout.Session {
    const s = found(this.sessions.get(id), 'checkout.session', id);
    return s;
  }

  /** The reader pays on the hosted page. */
  pay(sessionId: string, choice: PaymentChoice, email: string): Stripe.Checkout.Session {
    const session = this.session(sessionId);
    const extras = this.extras.get(sessionId)!;
    if (session.status !== 'open')
      throw new EmulatorError(
        400,
        `This Checkout Session is ${session.status}.`,
        'invalid_request_error',
        'checkout_session_not_open',
      );
    const amount = session.amount_total!;
    const currency = session.currency!;
    const customer = make.customer({ email, name: 'Test Donor' });
    this.customers.set(customer.id, customer);
    session.customer_details = {
      address: null,
      business_name: null,
      email,
      individual_name: null,
      name: 'Test Donor',
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    };
    session.status = 'complete';

    if (session.mode === 'subscription') {
      if (choice !== 'card') throw new EmulatorError(400, 'Monthly gifts are paid by card in the emulator.');
      // Checkout saves the card on the customer and makes it the subscription's payment method.
      const card = catalog.cardPaymentMethod(customer.id, 'visa', { email, name: 'Test Donor' });
      this.paymentMethods.set(card.id, card);
      const sub = billing.subscription(
        { customer: customer.id, currency, metadata: extras.subscriptionMetadata, default_payment_method: card.id },
        this.checkoutPrice(extras, amount, currency),
      );
      this.subscriptions.set(sub.id, sub);
      const inv = this.chargeInvoice(sub, amount, 'subscription_create', email);
      session.customer = customer.id;
      session.subscription = sub.id;
      session.invoice = inv.id;
      session.payment_status = 'paid';
      this.emit('customer.created', customer);
      this.emit('payment_method.attached', card);
      this.emit('customer.subscription.created', sub);
      // Stripe promises no order; invoice.paid often lands before the session completes.
      this.emit('invoice.paid', inv);
      this.emit('checkout.session.completed', session);
      return session;
    }

    const pi = make.paymentIntent({
      amount,
      currency,
      metadata: extras.paymentIntentMetadata,
      customer: customer.id,
      receipt_email: email,
    });
    this.paymentIntents.set(pi.id, pi);
    session.payment_intent = pi.id;
    if (choice === 'card') {
      this.succeedPaymentIntent(pi, email);
      session.payment_status = 'paid';
      this.emit('checkout.session.completed', session);
      return session;
    }
    // A bank debit: the session completes unpaid, the money arrives (or not) later.
    pi.status = 'processing';
    pi.payment_method_types = ['us_bank_account'];
    session.payment_status = 'unpaid';
    extras.pendingPaymentIntent = pi.id;
    this.emit('checkout.session.completed', session);
    if (this.settleDelayMs !== null) {
      const timer = setTimeout(() => {
        this.settleTimers.delete(timer);
        if (session.payment_status === 'unpaid' && extras.pendingPaymentIntent)
          this.settle(session.id, choice === 'delayed_success' ? 'succeeded' : 'failed');
      }, this.settleDelayMs);
      timer.unref();
      this.settleTimers.add(timer);
    }
    return session;
  }

  /** A delayed payment resolves. */
  settle(sessionId: string, outcome: 'succeeded' | 'failed'): Stripe.Checkout.Session {
    const session = this.session(sessionId);
    const extras = this.extras.get(sessionId)!;
    const piId = extras.pendingPaymentIntent;
    if (!piId || session.payment_status !== 'unpaid')
      throw new EmulatorError(400, 'This session has no delayed payment waiting.');
    const pi = this.paymentIntents.get(piId)!;
    delete extras.pendingPaymentIntent;
    if (outcome === 'succeeded') {
      this.succeedPaymentIntent(pi, session.customer_details?.email ?? null);
      session.payment_status = 'paid';
      this.emit('checkout.session.async_payment_succeeded', session);
    } else {
      pi.status = 'requires_payment_method';
      this.emit('payment_intent.payment_failed', pi);
      this.emit('checkout.session.async_payment_failed', session);
    }
    return session;
  }

  expire(sessionId: string): Stripe.Checkout.Session {
    const session = this.session(sessionId);
    if (session.status !== 'open')
      throw new EmulatorError(400, `Only open sessions can be expired; this one is ${session.status}.`);
    session.status = 'expired';
    this.emit('checkout.session.expired', session);
    return session;
  }

  refund(target: { charge?: string; paymentIntent?: string }, amount?: number): Stripe.Refund {
    const ch = this.chargeFor(target);
    if (ch.disputed)
      throw new EmulatorError(
        400,
        `Charge ${ch.id} has been charged back; refund it through the dispute instead.`,
        'invalid_request_error',
        'charge_disputed',
      );
    const left = ch.amount - ch.amount_refunded;
    const value = amount ?? left;
    if (!Number.isInteger(value) || value <= 0)
      throw new EmulatorError(
        400,
        'Refund amount must be a positive integer.',
        'invalid_request_error',
        'parameter_invalid_integer',
        'amount',
      );
    if (value > left) {
      throw new EmulatorError(
        400,
        `Refund amount (${value}) is greater than unrefunded amount on charge (${left})`,
        'invalid_request_error',
        'amount_too_large',
        'amount',
      );
    }
    const re = make.refund({ amount: value, currency: ch.currency, charge: ch.id, payment_intent: ch.payment_intent });
    this.refunds.set(re.id, re);
    ch.amount_refunded += value;
    ch.refunded = ch.amount_refunded === ch.amount;
    this.emit('refund.created', re);
    this.emit('charge.refunded', ch);
    return re;
  }

  dispute(chargeId: string): Stripe.Dispute {
    const ch = this.chargeFor({ charge: chargeId });
    if (ch.disputed) throw new EmulatorError(400, `Charge ${ch.id} is already disputed.`);
    const dp = make.dispute({
      amount: ch.amount - ch.amount_refunded,
      currency: ch.currency,
      charge: ch.id,
      payment_intent: ch.payment_intent,
    });
    this.disputes.set(dp.id, dp);
    ch.disputed = true;
    this.emit('charge.dispute.created', dp);
    return dp;
  }

  closeDispute(disputeId: string, outcome: 'won' | 'lost'): Stripe.Dispute {
    const dp = found(this.disputes.get(disputeId), 'dispute', disputeId);
    if (dp.status === 'won' || dp.status === 'lost')
      throw new EmulatorError(400, `Dispute ${dp.id} is already closed (${dp.status}).`);
    dp.status = outcome;
    this.emit('charge.dispute.closed', dp);
    return dp;
  }

  /** Sends an event again with the same id, as Stripe's retries and manual resends do. */
  replay(eventId: string): Stripe.Event {
    const event = found(this.events.get(eventId), 'event', eventId);
    this.delivery.send(event);
    return event;
  }

  /** A second event about the same object with a new id (Stripe may generate both). */
  duplicate(eventId: string): Stripe.Event {
    const event = found(this.events.get(eventId), 'event', eventId);
    const copy = { ...clone(event), id: make.stripeId('evt') };
    this.events.set(copy.id, copy);
    this.delivery.send(copy);
    return copy;
  }

  /** Forgets every object and event (tests that replay many histories against one emulator). */
  reset(): void {
    for (const m of [
      this.sessions,
      this.extras,
      this.paymentIntents,
      this.charges,
      this.customers,
      this.subscriptions,
      this.invoices,
      this.refunds,
      this.disputes,
      this.events,
      this.invoicePayments,
      this.products,
      this.prices,
      this.inlinePrices,
      this.paymentMethods,
      this.balanceTransactions,
    ]) {
      m.clear();
    }
  }

  stop(): void {
    for (const t of this.settleTimers) clearTimeout(t);
    this.settleTimers.clear();
  }

  /** What a subscription checkout charges: its line item's price, else (a session put in the store) one made now. */
  private checkoutPrice(extras: SessionExtras, amount: number, currency: string): Stripe.Price {
    const known = extras.priceId ? this.prices.get(extras.priceId) : undefined;
    if (known) return known;
    const product = catalog.product({ name: extras.productName });
    const recurring = catalog.recurring(extras.interval ?? 'month');
    const price = catalog.price({ currency, unit_amount: amount, product: product.id, recurring, active: false });
    this.products.set(product.id, product);
    this.prices.set(price.id, price);
    this.inlinePrices.add(price.id);
    return price;
  }

  /** A paid invoice for the subscription (its first month, or a renewal). */
  chargeInvoice(
    sub: Stripe.Subscription,
    amount: number,
    reason: Stripe.Invoice.BillingReason,
    email: string | null,
  ): Stripe.Invoice {
    const inv = billing.subscriptionInvoice(sub, amount, reason, email);
    const pi = make.paymentIntent({
      amount,
      currency: sub.currency,
      customer: String(sub.customer),
      description: `Invoice ${inv.id}`,
    });
    this.paymentIntents.set(pi.id, pi);
    this.succeedPaymentIntent(pi, email);
    this.invoices.set(inv.id, inv);
    const payment = billing.invoicePayment({ invoice: inv.id, paymentIntent: pi.id, amount, currency: sub.currency });
    this.invoicePayments.set(payment.id, payment);
    sub.latest_invoice = inv.id;
    return inv;
  }

  /** The payment succeeds: its charge is made and the events sent. */
  succeedPaymentIntent(pi: Stripe.PaymentIntent, email: string | null): void {
    const ch = make.charge({
      amount: pi.amount,
      currency: pi.currency,
      payment_intent: pi.id,
      customer: typeof pi.customer === 'string' ? pi.customer : null,
      metadata: pi.metadata,
      receipt_email: email,
      billing_details: { address: null, email, name: 'Test Donor', phone: null, tax_id: null },
    });
    this.charges.set(ch.id, ch);
    if (!this.balanceLater) attachBalanceTransaction(this, ch);
    pi.status = 'succeeded';
    pi.amount_received = pi.amount;
    pi.latest_charge = ch.id;
    this.emit('charge.succeeded', ch);
    this.emit('payment_intent.succeeded', pi);
  }

  private chargeFor(target: { charge?: string; paymentIntent?: string }): Stripe.Charge {
    let id = target.charge;
    if (!id && target.paymentIntent) {
      const pi = found(
        this.paymentIntents.get(target.paymentIntent),
        'payment_intent',
        target.paymentIntent,
        'payment_intent',
      );
      id = typeof pi.latest_charge === 'string' ? pi.latest_charge : undefined;
    }
    const ch = found(id ? this.charges.get(id) : undefined, 'charge', id ?? '', 'charge');
    return ch;
  }
}
