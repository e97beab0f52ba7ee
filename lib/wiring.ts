// The one place that turns a Config into the dependencies the app runs on. server.ts and
// the tests both come through here, so they run the same wiring.
import type Stripe from 'stripe';
import type { Config } from './config.ts';
import { loadAppeal, type AppealContent } from './appeal/content.ts';
import { openDatabase, migrateToLatest, type Db } from './db/database.ts';
import { createLedger, type Ledger } from './ledger/ledger.ts';
import { createLogger, type Logger } from './logger.ts';
import { createStripeClient } from './payments/stripe.ts';
import { createMetrics, type Metrics } from './monitoring.ts';

export interface AppDeps {
  config: Config;
  metrics: Metrics;
  /** Set by server.ts on SIGTERM: /readyz then answers 503 so the load balancer drains us. */
  lifecycle: { shuttingDown: boolean };
  db: Db;
  ledger: Ledger;
  stripe: Stripe;
  logger: Logger;
  clock: () => Date;
  appeal: AppealContent;
}

export async function buildDeps(config: Config, overrides: Partial<Pick<AppDeps, 'clock' | 'logger' | 'stripe'>> = {}): Promise<AppDeps> {
  const clock = overrides.clock ?? (() => new Date());
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const db = openDatabase(config);
  const applied = await migrateToLatest(db);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  const ledger = createLedger({ db, fundraiser: config.fundraiser, clock, progressMaxAgeMs: config.totalsMaxAgeMs });
  await ledger.syncCampaign();
  return {
    config,
    metrics: createMetrics({ ledger, clock, webhookWarningHours: config.staff.webhookWarningHours }),
    lifecycle: { shuttingDown: false },
    db,
    ledger,
    stripe: overrides.stripe ?? createStripeClient(config.stripe),
    logger,
    clock,
    appeal: loadAppeal(config.fundraiser.appealFile, config.fundraiser.orgName),
  };
}
