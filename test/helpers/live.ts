// The site and the Stripe emulator on real loopback ports, wired to each other: the SDK
// talks to the emulator over HTTP and the emulator signs and POSTs webhooks to the site.
import { STRIPE_API_VERSION } from '../../lib/payments/stripe.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import type Stripe from 'stripe';
import { createEmulator, listenEmulator, type Emulator, type EmulatorOptions } from '../../emulator/emulator.ts';
import { checkoutSession } from '../../emulator/objects.ts';
import type { EmulatorState } from '../../emulator/state.ts';
import type { Site } from '../../app.ts';
import { SERVER_TIMEOUTS } from '../../routes/middleware/body-deadline.ts';
import { makeTestApp, TEST_WEBHOOK_SECRET, type TestApp } from './app.ts';

export interface LiveStack extends TestApp {
  emulator: Emulator;
  emulatorUrl: string;
  siteUrl: string;
  /** Answers the webhook with this status instead of handling it, while set. */
  failWebhooks(status: number | null): void;
  stop(): Promise<void>;
}

export async function startLiveStack(
  opts: {
    env?: Record<string, string>;
    emulator?: Partial<EmulatorOptions>;
    /**
     * The site gets its events only through a webhook endpoint registered through the API (as
     * the Dashboard or npm run stripe:setup makes one), signed with its secret and rendered in
     * its apiVersion (undefined = the account's default), not through the emulator's default URL.
     */
    endpoint?: { apiVersion?: string };
    /** The site's logger (default: the test config's, silent). */
    logger?: TestApp['deps']['logger'];
  } = {},
): Promise<LiveStack> {
  const emulator = createEmulator({
    webhookUrl: null,
    webhookSecret: TEST_WEBHOOK_SECRET,
    // Events in the version the site pins, as server.ts has the built-in emulator send them.
    apiVersion: STRIPE_API_VERSION,
    retry: { retryBaseMs: 20, maxDelayMs: 200, maxAttempts: 5, timeoutMs: 5000 },
    settleDelayMs: null,
    // The account settles in the campaign's currency, as EMULATOR_ACCOUNT_CURRENCY's default has it.
    accountCurrency: opts.env?.EMULATOR_ACCOUNT_CURRENCY ?? opts.env?.FUNDRAISER_CURRENCY ?? 'usd',
    ...opts.emulator,
  });
  const emu = await listenEmulator(emulator, 0);

  const outer = express();
  let failWith: number | null = null;
  outer.use('/webhooks/stripe', (_req, res, next) =>
    failWith ? void res.status(failWith).send('failing on purpose') : next(),
  );
  const site = await new Promise<Server>((resolve) => {
    // As server.ts makes its server: the same header and request time limits.
    const s = createServer(SERVER_TIMEOUTS, outer).listen(0, '127.0.0.1', () => resolve(s));
  });
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const webhookUrl = `${siteUrl}/webhooks/stripe`;
  let webhookSecret = TEST_WEBHOOK_SECRET;
  if (opts.endpoint) {
    const version = opts.endpoint.apiVersion;
    const made = emulator.endpoints.create({ url: webhookUrl, enabled_events: ['*'], api_version: version });
    webhookSecret = made.secret!;
  }
  const t = await makeTestApp({
    env: { BASE_URL: siteUrl, STRIPE_API_URL: emu.url, STRIPE_WEBHOOK_SECRET: webhookSecret, ...opts.env },
    // The emulator stamps Stripe's times from the wall clock; the site reads the same one.
    now: 'real',
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  outer.use(t.app);
  if (!opts.endpoint) emulator.delivery.setUrl(webhookUrl);

  return {
    ...t,
    emulator,
    emulatorUrl: emu.url,
    siteUrl,
    failWebhooks: (status) => {
      failWith = status;
    },
    stop: async () => {
      emulator.stop();
      await new Promise((r) => emu.server.close(r));
      site.closeAllConnections();
      await new Promise((r) => site.close(r));
      await t.close();
    },
  };
}

/** GETs the appeal like a browser, returning what a form post needs (the agent, the page's form id). */
export async function openForm(app: Site | string) {
  const agent = request.agent(app);
  const page = await agent.get('/').expect(200);
  const pick = (name: string) => page.text.match(new RegExp(`name="${name}" value="([^"]+)"`))?.[1] ?? '';
  return { agent, formId: pick('form_id') };
}

/** Posts the appeal's form with these fields (its form id added), expecting `status`. */
export async function postDonateForm(app: Site, fields: Record<string, string>, status: number) {
  const { agent, formId } = await openForm(app);
  return agent
    .post('/donate')
    .type('form')
    .send(new URLSearchParams({ form_id: formId, ...fields }).toString())
    .expect(status);
}

/** Starts a checkout through the appeal's form, as a reader would; returns the session id. */
export async function checkoutThroughForm(
  app: Site,
  amount: string,
  frequency: 'once' | 'monthly' = 'once',
): Promise<string> {
  const { agent, formId } = await openForm(app);
  const preset = amount === '5' || amount === '25';
  const body = new URLSearchParams({
    form_id: formId,
    frequency,
    ...(preset ? { amount } : { amount: 'other', other_amount: amount }),
  });
  const res = await agent.post('/donate').type('form').send(body.toString()).expect(303);
  return res.headers.location!.split('/').pop()!;
}

/** Puts a session straight into the emulator, as if a site (this one, given its metadata) had created it. */
export function seedSession(
  state: EmulatorState,
  opts: { amount: number; mode?: 'payment' | 'subscription'; metadata: Stripe.Metadata; currency?: string },
): string {
  const mode = opts.mode ?? 'payment';
  const session = checkoutSession({
    mode,
    currency: opts.currency ?? 'usd',
    amount_total: opts.amount,
    amount_subtotal: opts.amount,
    metadata: opts.metadata,
    success_url: 'http://x/ok',
  });
  state.sessions.set(session.id, session);
  state.extras.set(session.id, {
    productName: 'Gift',
    interval: mode === 'subscription' ? 'month' : null,
    paymentIntentMetadata: mode === 'payment' ? opts.metadata : {},
    subscriptionMetadata: mode === 'subscription' ? opts.metadata : {},
  });
  return session.id;
}
