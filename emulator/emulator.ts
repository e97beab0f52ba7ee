// createEmulator(): an offline stand-in for the part of Stripe the site uses. Dev and tests
// only: the site refuses it in production.
import type { Server } from 'node:http';
import express, { Router, type ErrorRequestHandler } from 'express';
import Stripe from 'stripe';
import { WebhookDelivery, type DeliveryOptions } from './delivery.ts';
import { apiRouter, errorBody } from './api.ts';
import { renderEvent, type RenderLookups } from './api-versions.ts';
import { catalogRoutes } from './catalog.ts';
import { pagesRouter } from './pages.ts';
import { BillingPortal, portalRoutes } from './portal.ts';
import { portalPagesRouter } from './portal-pages.ts';
import { EmulatorError, EmulatorState } from './state.ts';
import { WebhookEndpoints, webhookEndpointsRouter } from './webhook-endpoints.ts';

export interface EmulatorOptions {
  /** Public URL of the emulator itself (for hosted checkout links). */
  publicUrl?: string;
  webhookUrl: string | null;
  webhookSecret: string;
  retry?: Partial<Pick<DeliveryOptions, 'retryBaseMs' | 'maxDelayMs' | 'maxAttempts' | 'timeoutMs'>>;
  /** Delayed (bank) payments settle by themselves after this long; null = only when told to. */
  settleDelayMs?: number | null;
  /** api_version stamped on events: the version the site pins; default the SDK's own. */
  apiVersion?: string;
  /**
   * The account's default API version: what a webhook endpoint made without api_version gets
   * its events in (as one made in the Dashboard, or `stripe listen` without --latest, does).
   * Default: 2024-06-20, from before basil, as on an account opened before 2025.
   */
  accountApiVersion?: string;
  /** The account's default currency, which every charge settles in (balance.ts); default usd. */
  accountCurrency?: string;
}

export const DEFAULT_ACCOUNT_API_VERSION = '2024-06-20';

export interface Emulator {
  router: Router;
  state: EmulatorState;
  delivery: WebhookDelivery;
  /** The webhook endpoints registered through /v1/webhook_endpoints. */
  endpoints: WebhookEndpoints;
  /** Customer Portal configurations and sessions (/v1/billing_portal/*, hosted at /p/*). */
  portal: BillingPortal;
  setPublicUrl(url: string): void;
  /** Resolves when every event so far has been delivered or given up on. */
  whenIdle(): Promise<void>;
  stop(): void;
}

/** Where the emulator answers, so npm start can send it only its own requests (/p: the Customer Portal's pages). */
export const isEmulatorPath = (url: string) => /^\/(v1|c|p|_emulator)(\/|\?|$)/.test(url);

export function createEmulator(opts: EmulatorOptions): Emulator {
  const endpoints = new WebhookEndpoints(opts.accountApiVersion ?? DEFAULT_ACCOUNT_API_VERSION);
  const delivery = new WebhookDelivery({
    url: opts.webhookUrl,
    secret: opts.webhookSecret,
    retryBaseMs: opts.retry?.retryBaseMs ?? 1000,
    maxDelayMs: opts.retry?.maxDelayMs ?? 60_000,
    maxAttempts: opts.retry?.maxAttempts ?? 12,
    timeoutMs: opts.retry?.timeoutMs ?? 10_000,
    endpoints,
    render: (event, apiVersion) => renderEvent(event, apiVersion, lookups),
  });
  const settleDelayMs = opts.settleDelayMs === undefined ? 5000 : opts.settleDelayMs;
  const state = new EmulatorState(
    delivery,
    settleDelayMs,
    opts.apiVersion ?? Stripe.API_VERSION,
    opts.accountCurrency ?? 'usd',
  );
  const lookups: RenderLookups = {
    paymentOf: (invoiceId) => {
      const payment = [...state.invoicePayments.values()].find((p) => p.invoice === invoiceId);
      const pi = payment?.payment.payment_intent;
      const piId = typeof pi === 'string' ? pi : (pi?.id ?? null);
      const charge = piId ? state.paymentIntents.get(piId)?.latest_charge : null;
      return { payment_intent: piId, charge: typeof charge === 'string' ? charge : (charge?.id ?? null) };
    },
  };
  let publicUrl = opts.publicUrl ?? '';
  const portal = new BillingPortal(state, () => publicUrl);

  const router = Router();
  router.use(
    apiRouter(
      state,
      () => publicUrl,
      (api, idempotent) => {
        catalogRoutes(api, state, idempotent);
        portalRoutes(api, portal, idempotent);
      },
    ),
  );
  // After apiRouter: its /v1 middleware has parsed the form body and checked the API key.
  router.use(webhookEndpointsRouter(endpoints));
  router.use(pagesRouter(state, delivery));
  router.use(portalPagesRouter(portal));
  const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    let known: EmulatorError;
    if (err instanceof EmulatorError) known = err;
    else if ((err as { type?: string }).type === 'entity.parse.failed')
      known = new EmulatorError(400, 'Invalid request body.');
    else return next(err);
    res.status(known.status).json(errorBody(known));
  };
  router.use(onError);

  return {
    router,
    state,
    delivery,
    endpoints,
    portal,
    setPublicUrl: (url) => {
      publicUrl = url.replace(/\/+$/, '');
    },
    whenIdle: () => delivery.whenIdle(),
    stop: () => {
      state.stop();
      delivery.stop();
    },
  };
}

/** A standalone emulator server (npm run emulator, and tests). */
export async function listenEmulator(
  emulator: Emulator,
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(emulator.router);
  app.use((_req, res) =>
    res.status(404).json({ error: { type: 'invalid_request_error', message: 'Unrecognized request URL.' } }),
  );
  return new Promise((resolve) => {
    const server = app.listen(port, host, () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      const url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}`;
      emulator.setPublicUrl(url);
      resolve({ server, url });
    });
  });
}
