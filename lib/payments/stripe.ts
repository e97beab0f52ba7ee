// The only place that constructs the Stripe SDK client. The API version is pinned so a
// Stripe-side upgrade never changes the shape of objects under us.
import Stripe from 'stripe';
import type { Config } from '../config.ts';

export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export function createStripeClient(stripe: Config['stripe']): Stripe {
  const options: Stripe.StripeConfig = {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'fundraiser', url: 'https://github.com/' },
  };
  if (stripe.apiUrl) {
    const url = new URL(stripe.apiUrl);
    options.host = url.hostname;
    options.port = url.port || (url.protocol === 'https:' ? 443 : 80);
    options.protocol = url.protocol === 'https:' ? 'https' : 'http';
  }
  return new Stripe(stripe.secretKey, options);
}
