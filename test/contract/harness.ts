// The emulator on a loopback port with every JSON answer it gives recorded, a receiver that keeps
// every webhook it sends, and the site's own Stripe client and Checkout parameters. No database:
// the contract is between the emulator and Stripe's types, not the ledger.
import { randomUUID } from 'node:crypto';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Response } from 'express';
import type Stripe from 'stripe';
import { createEmulator, type Emulator } from '../../emulator/emulator.ts';
import { loadConfig, type Config } from '../../lib/config.ts';
import { createDonationCheckout } from '../../lib/payments/checkout.ts';
import { createStripeClient, STRIPE_API_VERSION } from '../../lib/payments/stripe.ts';

export interface Answer {
  method: string;
  url: string;
  status: number;
  body: unknown;
}

export interface Delivery {
  /** The receiver's path the webhook came to: /default, or the one a webhook endpoint was made with. */
  path: string;
  body: unknown;
}

export interface Harness {
  stripe: Stripe;
  emulator: Emulator;
  emulatorUrl: string;
  receiverUrl: string;
  config: Config;
  /** Every JSON answer of the emulator's, in order: API, test controls and errors alike. */
  answers: Answer[];
  /** Every webhook the receiver got, as parsed JSON. */
  deliveries: Delivery[];
  /** POSTs a test control (/_emulator/...) as JSON; throws unless it answers 200. */
  control(path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** A Checkout Session with exactly the parameters the site sends for this gift. */
  checkout(amount: number, frequency?: 'once' | 'monthly'): Promise<Stripe.Checkout.Session>;
  /** The reader pays on the hosted page, as a browser posts its form. */
  pay(sessionId: string, choice?: 'card' | 'delayed_success' | 'delayed_failure'): Promise<void>;
  stop(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );

function startReceiver(deliveries: Delivery[]): Promise<{ server: Server; url: string }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200).end('ok');
    });
  });
  return listen(server).then((url) => ({ server, url }));
}

export async function startHarness(): Promise<Harness> {
  const answers: Answer[] = [];
  const deliveries: Delivery[] = [];
  const receiver = await startReceiver(deliveries);
  const emulator = createEmulator({
    webhookUrl: `${receiver.url}/default`,
    webhookSecret: 'whsec_contract_tests',
    apiVersion: STRIPE_API_VERSION,
    retry: { retryBaseMs: 20, maxDelayMs: 200, maxAttempts: 3, timeoutMs: 5000 },
    settleDelayMs: null,
  });

  const app = express();
  app.use((req, res, next) => {
    const json = res.json.bind(res) as Response['json'];
    res.json = (body: unknown) => {
      answers.push({ method: req.method, url: req.originalUrl, status: res.statusCode, body });
      return json(body);
    };
    next();
  });
  app.use(emulator.router);
  const server = http.createServer(app);
  const emulatorUrl = await listen(server);
  emulator.setPublicUrl(emulatorUrl);

  const config = loadConfig({
    NODE_ENV: 'test',
    BASE_URL: 'http://127.0.0.1:9',
    STRIPE_SECRET_KEY: 'sk_test_contract',
    STRIPE_WEBHOOK_SECRET: 'whsec_contract_tests',
    STRIPE_API_URL: emulatorUrl,
  });
  const stripe = createStripeClient(config.stripe);

  const control = async (path: string, body: Record<string, unknown> = {}) => {
    const res = await fetch(`${emulatorUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`POST ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };

  const checkout = (amount: number, frequency: 'once' | 'monthly' = 'once') =>
    createDonationCheckout(stripe, config, {
      choice: {
        currency: config.fundraiser.currency,
        amount,
        amountMinor: amount * 100,
        feeCoverMinor: 0,
        chargeMinor: amount * 100,
        frequency,
        preset: false,
      },
      formId: randomUUID(),
      now: new Date(),
      lang: 'en',
    });

  const pay = async (sessionId: string, choice: 'card' | 'delayed_success' | 'delayed_failure' = 'card') => {
    const res = await fetch(`${emulatorUrl}/c/pay/${sessionId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ choice, email: 'donor@example.org' }).toString(),
      redirect: 'manual',
    });
    if (res.status !== 303) throw new Error(`paying ${sessionId} answered ${res.status}: ${await res.text()}`);
  };

  return {
    stripe,
    emulator,
    emulatorUrl,
    receiverUrl: receiver.url,
    config,
    answers,
    deliveries,
    control,
    checkout,
    pay,
    stop: async () => {
      emulator.stop();
      server.closeAllConnections();
      receiver.server.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => receiver.server.close(r))]);
    },
  };
}
