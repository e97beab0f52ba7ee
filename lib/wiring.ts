// The one place that turns a Config into the dependencies the app runs on. server.ts and
// the tests both come through here, so they run the same wiring. Routes get what is built
// here (the ledger, stores, checks), never the database itself.
import type Stripe from 'stripe';
import type session from 'express-session';
import type { Store } from 'express-rate-limit';
import type { Config } from './config.ts';
import { loadAppeals, type AppealTexts } from './appeal/content.ts';
import { openDatabase, migrateToLatest, ping, type Db } from './db/database.ts';
import { writeCheck } from './db/write-check.ts';
import { createLedger } from './ledger/ledger.ts';
import type { Ledger } from './ledger/types.ts';
import { createLogger, type Logger } from './logger.ts';
import { createStripeClient } from './payments/stripe.ts';
import { createPortal, type Portal } from './payments/portal.ts';
import { createMetrics, type Metrics } from './monitoring.ts';
import { DatabaseStore } from './rate-limit-store.ts';
import { DatabaseSessionStore } from './staff/session-store.ts';
import { staffAccounts, type StaffAccounts } from './staff/users.ts';
import { createExperiments, type Experiments } from './experiments/experiments.ts';

export interface AppDeps {
  config: Config;
  metrics: Metrics;
  /** Set by server.ts on SIGTERM: /readyz then answers 503 so the load balancer drains us. */
  lifecycle: { shuttingDown: boolean };
  ledger: Ledger;
  stripe: Stripe;
  /** Stripe's Customer Portal: its login page and the monthly prices (cached lookups). */
  portal: Portal;
  logger: Logger;
  clock: () => Date;
  /** Waits (the staff login's brake); tests record the wait instead. */
  sleep?: (ms: number) => Promise<void>;
  /** The appeal's words per language (content/appeal.json, appeal.de.json, ...). */
  appeal: AppealTexts;
  /** Appeal experiments: what runs, which variant a reader sees, the counts and results. */
  experiments: Experiments;
  staffAccounts: StaffAccounts;
  stores: {
    /** A rate-limit counter store, shared by every instance; the prefix names the limit. */
    rateLimit(prefix: string): Store;
    /** The staff area's sessions, shared by every instance. */
    staffSessions(ttlMs: number): session.Store;
  };
  /** True when the database answers a trivial query. */
  databaseAnswers(): Promise<boolean>;
  /** null when a small write went through (checked at most every few seconds); else why not. */
  databaseWrites(): Promise<string | null>;
}

/** What the entry points hold besides what the app gets: the database, to close it. */
export interface Wired extends AppDeps {
  db: Db;
  close(): Promise<void>;
}

export async function buildDeps(
  config: Config,
  overrides: Partial<Pick<AppDeps, 'clock' | 'logger' | 'stripe'>> = {},
): Promise<Wired> {
  const clock = overrides.clock ?? (() => new Date());
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const db = openDatabase(config);
  const applied = await migrateToLatest(db);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  const ledger = createLedger({
    db,
    fundraiser: config.fundraiser,
    clock,
    progressMaxAgeMs: config.totalsMaxAgeMs,
    webhookWarningHours: config.staff.webhookWarningHours,
  });
  await ledger.syncCampaign();
  const stripe = overrides.stripe ?? createStripeClient(config.stripe);
  const appeal = loadAppeals(config.fundraiser.appealFile, config.fundraiser.orgName, config.i18n.languages);
  const experiments = await createExperiments({ db, config, texts: appeal, clock, logger });
  return {
    config,
    metrics: createMetrics({ ledger, clock, webhookWarningHours: config.staff.webhookWarningHours }),
    lifecycle: { shuttingDown: false },
    ledger,
    stripe,
    portal: createPortal({ stripe, config, logger, clock }),
    logger,
    clock,
    appeal,
    experiments,
    staffAccounts: staffAccounts(db),
    stores: {
      rateLimit: (prefix) => new DatabaseStore(db, prefix, clock),
      staffSessions: (ttlMs) => new DatabaseSessionStore(db, ttlMs),
    },
    databaseAnswers: () => ping(db),
    databaseWrites: writeCheck(db, { clock, logger }),
    db,
    // The counts not yet written go first, while the database is still open.
    close: async () => {
      await experiments.close();
      await db.destroy();
    },
  };
}
