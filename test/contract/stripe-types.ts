// The SDK types that test/contract/stripe-schema.json is generated from (npm run contract:schema).
// Each property names an object the emulator may answer with or send in an event; Event brings in
// every event type of the pinned version, each with its own data.object type. An object or event
// whose type is not reachable from here fails the contract test with the line to add below.
import type Stripe from 'stripe';

export interface ContractRoots {
  event: Stripe.Event;
  list: Stripe.ApiList<unknown>;
  checkoutSession: Stripe.Checkout.Session;
  paymentIntent: Stripe.PaymentIntent;
  charge: Stripe.Charge;
  customer: Stripe.Customer;
  deletedCustomer: Stripe.DeletedCustomer;
  subscription: Stripe.Subscription;
  invoice: Stripe.Invoice;
  invoicePayment: Stripe.InvoicePayment;
  refund: Stripe.Refund;
  dispute: Stripe.Dispute;
  webhookEndpoint: Stripe.WebhookEndpoint;
  deletedWebhookEndpoint: Stripe.DeletedWebhookEndpoint;
  product: Stripe.Product;
  price: Stripe.Price;
  paymentMethod: Stripe.PaymentMethod;
  balanceTransaction: Stripe.BalanceTransaction;
  portalConfiguration: Stripe.BillingPortal.Configuration;
  portalSession: Stripe.BillingPortal.Session;
}
