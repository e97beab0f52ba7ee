// Builds the real app on a throwaway SQLite file with a controllable clock.
import Stripe from 'stripe';
import request from 'supertest';
import type { Site } from '../../app.ts';
import { loadConfig, type Config } from '../../lib/config.ts';
import { buildDeps, type AppDeps, type Wired } from '../../lib/wiring.ts';
import { createApp } from '../../app.ts';
import { checkoutSession, stripeEvent } from '../../emulator/objects.ts';
import { METADATA_FUNDRAISER } from '../../lib/payments/record-gifts.ts';
import { freshDatabase } from './database.ts';

export const TEST_WEBHOOK_SECRET = 'whsec_test_suite_secret';

export interface TestApp {
  app: Site;
  /** The app's dependencies, and the database behind them (for tests that look at rows). */
  deps: Wired;
  config: Config;
  /** DATABASE_URL of this app's own throwaway database. */
  databaseUrl: string;
  setNow(d: Date): void;
  close(): Promise<void>;
}

export async function makeTestApp(
  opts: {
    env?: Record<string, string>;
    /** The app's clock, until setNow moves it; 'real' follows the wall clock (a site beside a live emulator). */
    now?: Date | 'real';
    deps?: Partial<AppDeps>;
    logger?: AppDeps['logger'];
  } = {},
): Promise<TestApp> {
  const database = await freshDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    FUNDRAISER_GOAL: '50000',
    STRIPE_SECRET_KEY: 'sk_test_suite',
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    STRIPE_API_URL: 'http://127.0.0.1:9',
    // Tests post many forms from one address; the limits have tests of their own.
    DONATE_LIMIT_PER_IP: '100000',
    DONATE_LIMIT_PER_NETWORK: '100000',
    ...opts.env,
  });
  let now: Date | null = opts.now === 'real' ? null : (opts.now ?? new Date('2026-06-15T12:00:00Z'));
  const clock = () => now ?? new Date();
  const deps = {
    ...(await buildDeps(config, { clock, ...(opts.logger ? { logger: opts.logger } : {}) })),
    ...opts.deps,
  };
  return {
    app: createApp(deps),
    deps,
    config,
    databaseUrl: database.url,
    setNow: (d) => {
      now = d;
    },
    close: async () => {
      await deps.close().catch(() => undefined);
      await database.drop();
    },
  };
}

/** POSTs an event to the webhook, signed as Stripe would sign it (or as told to). */
export function deliver(
  app: Site,
  event: Stripe.Event | string,
  opts: { secret?: string; timestamp?: number; path?: string } = {},
) {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const header = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: opts.secret ?? TEST_WEBHOOK_SECRET,
    timestamp: opts.timestamp,
  });
  return request(app)
    .post(opts.path ?? '/webhooks/stripe')
    .set('Content-Type', 'application/json')
    .set('Stripe-Signature', header)
    .send(payload);
}

export function ourMetadata(config: Config, campaign = '2026'): Stripe.Metadata {
  return { [METADATA_FUNDRAISER]: config.fundraiser.id, campaign };
}

/** A one-off Checkout Session as Stripe sends it on completion. */
export function completedSession(
  config: Config,
  fields: Partial<Stripe.Checkout.Session> = {},
): Stripe.Checkout.Session {
  return checkoutSession({
    status: 'complete',
    payment_status: 'paid',
    amount_total: 2500,
    amount_subtotal: 2500,
    payment_intent: `pi_test_${Math.random().toString(36).slice(2, 12)}`,
    customer_details: {
      address: null,
      business_name: null,
      email: 'reader@example.org',
      individual_name: null,
      name: 'A Reader',
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    },
    metadata: ourMetadata(config),
    ...fields,
  });
}

export const sessionEvent = (
  type:
    | 'checkout.session.completed'
    | 'checkout.session.async_payment_succeeded'
    | 'checkout.session.async_payment_failed'
    | 'checkout.session.expired',
  session: Stripe.Checkout.Session,
  fields: { id?: string; created?: number } = {},
) => stripeEvent(type, session, fields);

/** The figures the page shows and the JSON, read through HTTP. */
export async function readTotals(app: Site) {
  const api = await request(app).get('/api/progress').expect(200);
  const page = await request(app).get('/').expect(200);
  const attr = (name: string) => {
    const m = page.text.match(new RegExp(`data-${name}>([^<]*)<`));
    return m ? m[1]!.trim() : undefined;
  };
  return {
    api: api.body as {
      currency: string;
      goal: number;
      raised: number;
      donors: number;
      percent: number;
      updatedAt: string;
    },
    page: { raised: attr('raised'), donors: attr('donors'), percent: attr('percent'), html: page.text },
  };
}

export async function countRows(deps: Wired, table: 'contributions' | 'stripe_events'): Promise<number> {
  const r = await deps.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
