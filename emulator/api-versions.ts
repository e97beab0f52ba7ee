// Events as a webhook endpoint on another API version receives them. The emulator keeps every
// object in the pinned version's shape; an endpoint made with an older `api_version` (or with
// none: the account's default) gets a copy rendered as Stripe renders that version, so the
// site's handling of API-version drift can be tested. Only the changes that touch what the
// site reads are rendered, one function per change, oldest version's shape last.
import type Stripe from 'stripe';

/**
 * 2025-03-31.basil: an invoice names its subscription under `parent.subscription_details`
 * (before: `subscription` and `subscription_details.metadata` at the top level), and its
 * payments moved to InvoicePayments (before: `charge`, `payment_intent`, `paid`, `paid_out_of_band`).
 * `amount_paid`, `status`, `status_transitions.paid_at`, `customer` and `customer_email` stay.
 */
export const BASIL = '2025-03-31';
/** 2026-03-25.dahlia: Checkout's `ui_mode` hosted_page, embedded_page, elements were hosted, embedded, custom. */
export const DAHLIA = '2026-03-25';

/** What rendering an older shape needs to look up elsewhere in the account. */
export interface RenderLookups {
  /** The PaymentIntent and Charge that paid an invoice (pre-basil invoices name them). */
  paymentOf(invoiceId: string): { payment_intent: string | null; charge: string | null };
}

/** An invoice as versions before basil render it: the pinned type with basil's changes undone. */
export type PreBasilInvoice = Omit<Stripe.Invoice, 'parent' | 'amount_overpaid'> & {
  subscription: string | null;
  subscription_details: { metadata: Stripe.Metadata | null } | null;
  quote: string | null;
  paid: boolean;
  paid_out_of_band: boolean;
  charge: string | null;
  payment_intent: string | null;
  application_fee_amount: number | null;
  transfer_data: null;
};

/** Versions compare by their date; the release name after it (".basil") adds nothing. */
const isBefore = (version: string, change: string) => version.slice(0, 10) < change;

/**
 * The event as an endpoint on `apiVersion` receives it: the same event (same id) with its
 * `api_version` and object rendered for that version. The stored event is never changed.
 */
export function renderEvent(event: Stripe.Event, apiVersion: string, lookups: RenderLookups): Stripe.Event {
  if (event.api_version === apiVersion) return event;
  const copy = JSON.parse(JSON.stringify(event)) as Stripe.Event;
  copy.api_version = apiVersion;
  const object = copy.data.object as { object?: string };
  // The emulator only ever stores the pinned (newest) shape, so rendering goes one way: back.
  if (object.object === 'invoice' && isBefore(apiVersion, BASIL)) {
    (copy.data as { object: unknown }).object = preBasilInvoice(object as Stripe.Invoice, lookups);
  }
  if (object.object === 'checkout.session' && isBefore(apiVersion, DAHLIA)) {
    const session = object as { ui_mode: string | null };
    session.ui_mode = OLD_UI_MODES[session.ui_mode ?? ''] ?? session.ui_mode;
  }
  return copy;
}

const OLD_UI_MODES: Record<string, string> = { hosted_page: 'hosted', embedded_page: 'embedded', elements: 'custom' };

export function preBasilInvoice(invoice: Stripe.Invoice, lookups: RenderLookups): PreBasilInvoice {
  const { parent, amount_overpaid: _overpaid, ...rest } = invoice;
  const details = parent?.subscription_details ?? null;
  const subscription = details
    ? typeof details.subscription === 'string'
      ? details.subscription
      : details.subscription.id
    : null;
  const quote = parent?.quote_details?.quote ?? null;
  return {
    ...rest,
    subscription,
    subscription_details: details ? { metadata: details.metadata } : null,
    quote,
    paid: invoice.status === 'paid',
    paid_out_of_band: false,
    ...lookups.paymentOf(invoice.id),
    application_fee_amount: null,
    transfer_data: null,
  };
}
