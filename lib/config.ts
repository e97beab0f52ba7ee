// The only reader of process.env. Everything is validated once at start-up; a bad value
// stops the process with a message naming the variable.
import { z } from 'zod';
import { configuredWindow } from './campaign-window.ts';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { donateFormConfig, type DonateFormConfig } from './config-donate.ts';
import { currencyDefaults, isKnownCurrency } from './currencies.ts';
import { ConfigError, parseSettings } from './config-error.ts';
import { checkEmulator, embedOrigins, nodeEnv, trustProxy } from './config-safety.ts';
import { loadOrgDetails, type OrgDetails } from './config-org.ts';
import { i18nConfig, type I18nConfig } from './config-i18n.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The webhook secret the built-in emulator signs with when no real keys are set. */
export const EMULATOR_WEBHOOK_SECRET = 'whsec_emulator_local_only_not_a_secret';
const EMULATOR_SECRET_KEY = 'sk_test_emulator';

export { ConfigError };

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** Milliseconds, whole, from `min` to a minute. */
const upToAMinute = (fallback: number, min: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? fallback : v),
    z.coerce
      .number()
      .int('must be a whole number')
      .min(min, min ? `must be at least ${min}` : 'must be 0 or more')
      .max(60_000, 'must be at most 60000 (a minute)'),
  );

const positiveInt = (fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? fallback : v),
    z.coerce.number().int('must be a whole number').positive('must be greater than 0'),
  );

const schema = z.object({
  NODE_ENV: optionalString,
  PORT: z.preprocess(
    (v) => (v === undefined || v === '' ? 3000 : v),
    z.coerce.number().int('must be a whole number').min(0).max(65535, 'must be a port number (0-65535)'),
  ),
  BASE_URL: optionalString.pipe(z.url('must be an absolute URL such as https://give.example.org').optional()),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:<path> or postgres://...')
      .optional(),
  ),
  DATABASE_POOL_SIZE: positiveInt(10),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(10_000),
  STRIPE_SECRET_KEY: optionalString.pipe(
    z
      .string()
      .regex(/^(sk|rk)_(test|live)_\w+$/, 'must look like sk_test_... or sk_live_...')
      .optional(),
  ),
  STRIPE_WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^whsec_\w+$/, 'must look like whsec_...')
      .optional(),
  ),
  STRIPE_API_URL: optionalString.pipe(z.url('must be an absolute URL such as http://localhost:12111').optional()),
  // The emulator's account currency, which its charges settle in; unset = FUNDRAISER_CURRENCY.
  EMULATOR_ACCOUNT_CURRENCY: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z]{3}$/, 'must be a three-letter ISO currency code in lower case, such as usd')
      .optional(),
  ),
  FUNDRAISER_GOAL: positiveInt(250_000),
  FUNDRAISER_CURRENCY: z.preprocess(
    (v) => (v === undefined || v === '' ? 'usd' : v),
    z
      .string()
      .regex(/^[a-z]{3}$/, 'must be a three-letter ISO currency code in lower case, such as usd')
      .refine((c) => isKnownCurrency(c), 'is not a currency this runtime knows'),
  ),
  FUNDRAISER_ID: z.preprocess(
    (v) => (v === undefined || v === '' ? 'fundraiser' : v),
    z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1-40 lower-case letters, digits, - or _'),
  ),
  FUNDRAISER_ORG_NAME: z.preprocess(
    (v) => (v === undefined || v === '' ? 'Drugs-Forum' : v),
    z.string().trim().min(1).max(100, 'must be at most 100 characters'),
  ),
  FUNDRAISER_SITE_URL: optionalString.pipe(
    z.url('must be an absolute URL such as https://forum.example.org').optional(),
  ),
  FUNDRAISER_CAMPAIGN_START: optionalString,
  FUNDRAISER_CAMPAIGN_END: optionalString,
  APPEAL_FILE: optionalString,
  DONATE_LIMIT_PER_IP: positiveInt(30),
  // Removed in #17 (a site-wide cap let a few addresses turn every reader away); still
  // accepted so an old .env starts, and ignored.
  DONATE_LIMIT_GLOBAL: positiveInt(60),
  DONATE_LIMIT_PER_NETWORK: positiveInt(100),
  TRUST_PROXY: optionalString,
  STRIPE_EMULATOR: z.preprocess(
    (v) => (v === undefined || v === '' || v === '0' ? undefined : v),
    z.literal('1', 'must be 1 (or unset)').optional(),
  ),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  STAFF_WEBHOOK_WARNING_HOURS: positiveInt(24),
  EMBED_ALLOWED_ORIGINS: optionalString,
  EXPERIMENT_COUNTS_FLUSH_MS: upToAMinute(1000, 50),
  TOTALS_MAX_AGE_MS: upToAMinute(500, 0),
  WEBHOOK_MAX_PENDING_BODIES: positiveInt(64),
  WEBHOOK_BODY_DEADLINE_MS: positiveInt(10_000),
  FORM_BODY_DEADLINE_MS: positiveInt(5_000),
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  LOG_LEVEL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  ),
  EMBED_CLOSE_DAYS: positiveInt(7),
  EMBED_GIFT_HIDE_DAYS: z.preprocess(
    (v) => (v === undefined || v === '' ? undefined : v),
    z.coerce.number().int('must be a whole number of days').positive('must be greater than 0').optional(),
  ),
  READERS_PER_MONTH: positiveInt(4_000_000),
  // Unset: the round average of the campaign's currency (lib/currencies.ts).
  AVERAGE_GIFT_FALLBACK: z.preprocess(
    (v) => (v === undefined || v === '' ? undefined : v),
    z.coerce.number().int('must be a whole number').positive('must be greater than 0').optional(),
  ),
  AVERAGE_GIFT_MIN_DONORS: positiveInt(20),
  LOGIN_LIMIT_PER_ACCOUNT: positiveInt(10),
  LOGIN_LIMIT_PER_IP: positiveInt(50),
  LOGIN_ACCOUNT_DELAY_AFTER: positiveInt(20),
  LOGIN_ACCOUNT_DELAY_MAX_SECONDS: positiveInt(10),
  APP_SECRET: optionalString.pipe(
    z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  ),
  // DONATION_MIN/MAX and the presets are read per currency in lib/config-donate.ts.
  PORTAL_MONTHLY_AMOUNTS: z.preprocess(
    (v) => (v === undefined || v === '' ? undefined : v),
    z
      .string()
      .regex(/^\s*\d+(\s*,\s*\d+){0,9}\s*$/, 'must be up to 10 whole amounts separated by commas, such as 5,10,25')
      .transform((v) => [...new Set(v.split(',').map((n) => Number(n.trim())))].sort((a, b) => a - b))
      .optional(),
  ),
  STRIPE_PORTAL_LOGIN_URL: optionalString.pipe(
    z.url('must be an absolute URL such as https://billing.stripe.com/p/login/...').optional(),
  ),
});

export type CampaignWindowConfig = { kind: 'calendar-year' } | { kind: 'fixed'; startsAt: Date; endsAt: Date };

export interface Config {
  readonly env: 'production' | 'development' | 'test';
  readonly port: number;
  readonly baseUrl: string;
  /** BASE_URL is https: cookies are Secure (and may be __Host- or SameSite=None), HSTS is sent. */
  readonly isHttps: boolean;
  readonly database:
    { readonly dialect: 'sqlite'; readonly path: string } | { readonly dialect: 'postgres'; readonly url: string };
  readonly databasePool: { readonly size: number; readonly statementTimeoutMs: number };
  readonly stripe: {
    /** true when no key is set: the built-in emulator stands in for Stripe. */
    readonly emulator: boolean;
    readonly secretKey: string;
    readonly webhookSecret: string;
    /** Base URL the SDK talks to: STRIPE_API_URL, or the site itself when it hosts the emulator. */
    readonly apiUrl: string | undefined;
    /** true when the site mounts the emulator itself (no key and no STRIPE_API_URL). */
    readonly embeddedEmulator: boolean;
    /** The emulated account's currency, which its charges settle in (EMULATOR_ACCOUNT_CURRENCY). */
    readonly emulatorAccountCurrency: string;
  };
  /** Stripe's Customer Portal, where monthly donors manage their gift (lib/payments/portal.ts). */
  readonly portal: {
    /** The portal's login page; null = the one of the configuration npm run stripe:setup made. */
    readonly loginUrl: string | null;
    /** Monthly amounts (whole units) a donor may switch to in the portal. */
    readonly monthlyAmounts: readonly number[];
  };
  /** Bearer token for GET /metrics; null = metrics are not served. */
  readonly metricsToken: string | null;
  /** How long an instance may show the totals from memory; its own writes show at once. */
  readonly totalsMaxAgeMs: number;
  /** How often an instance adds the experiments' impressions, clicks and checkouts it counted to the database. */
  readonly experimentFlushMs: number;
  /** Request bodies: how many webhook bodies (not yet signature-checked) are read at once (past it,
   *  503 with Retry-After), and how long a webhook's or a form's body may take to arrive whole (408). */
  readonly bodies: {
    readonly webhookMaxPending: number;
    readonly webhookDeadlineMs: number;
    readonly formDeadlineMs: number;
  };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Signs CSRF tokens; must be the same on every instance. */
  readonly secret: string;
  /** Express's `trust proxy`: which hops may set X-Forwarded-For, so limits see the real client. */
  readonly trustProxy: false | number | string;
  /** After SIGTERM, in-flight requests get this long; then the process exits whatever is left. */
  readonly shutdownTimeoutMs: number;
  readonly staff: {
    /** The dashboard warns when no webhook arrived for this long during a running campaign. */
    readonly webhookWarningHours: number;
    /** Failed logins allowed per 15 minutes, for one account from one address, and from one address. */
    readonly loginLimitPerAccount: number;
    readonly loginLimitPerIp: number;
    /** Failures for one account (any address) in 15 minutes before each attempt on it waits. */
    readonly loginDelayAfter: number;
    /** The wait grows a second per further failure, up to this. */
    readonly loginDelayMaxSeconds: number;
  };
  readonly embed: {
    /** Host sites (origins) that may frame the banner and read the public figures from a browser. */
    readonly allowedOrigins: readonly string[];
    /** "Close" hides the banner this many days. */
    readonly closeDays: number;
    /** A gift hides it this many days; null = for the rest of the campaign. */
    readonly giftHideDays: number | null;
  };
  readonly appealNumbers: {
    readonly readersPerMonth: number;
    /** Shown as the average gift until this many donors make the real average meaningful. */
    readonly averageGiftFallback: number;
    readonly averageGiftMinDonors: number;
  };
  readonly limits: {
    /** Donate attempts one address may make in 10 minutes (many readers can share one address). */
    readonly donatePerIp: number;
    /** Donate attempts one network (IPv4 /24, IPv6 /48) may make in 10 minutes. */
    readonly donatePerNetwork: number;
  };
  /** Legal name, registration, address, privacy, contact, where the money goes (lib/config-org.ts). */
  readonly org: OrgDetails;
  /** The languages offered to readers and the default (lib/config-i18n.ts). */
  readonly i18n: I18nConfig;
  readonly fundraiser: {
    readonly id: string;
    readonly orgName: string;
    /** The host site readers come from; "Maybe later" leads back there. */
    readonly siteUrl: string | null;
    readonly goal: number;
    readonly currency: string;
    readonly window: CampaignWindowConfig;
    readonly appealFile: string;
    readonly donationMin: number;
    readonly donationMax: number;
    /** The donate form's presets, preselected amounts and fee cover (lib/config-donate.ts). */
    readonly form: DonateFormConfig;
  };
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const e = parseSettings(schema, env);
  const mode = nodeEnv(e.NODE_ENV);
  const production = mode === 'production';
  const baseUrl = (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  checkEmulator({ env: mode, baseUrl, secretKey: e.STRIPE_SECRET_KEY, explicit: e.STRIPE_EMULATOR === '1' });

  if (production && !e.STRIPE_SECRET_KEY) {
    throw new ConfigError(
      'STRIPE_SECRET_KEY',
      'is required when NODE_ENV=production (the built-in Stripe emulator never runs in production)',
    );
  }
  if (production && e.STRIPE_API_URL) {
    // A leftover emulator or mock URL must never receive a live secret key.
    throw new ConfigError(
      'STRIPE_API_URL',
      'must not be set when NODE_ENV=production (the site talks to Stripe itself)',
    );
  }
  if (e.STRIPE_SECRET_KEY && !e.STRIPE_WEBHOOK_SECRET) {
    throw new ConfigError('STRIPE_WEBHOOK_SECRET', 'is required whenever STRIPE_SECRET_KEY is set');
  }
  if (production && !e.APP_SECRET) {
    throw new ConfigError('APP_SECRET', 'is required when NODE_ENV=production (the same value on every instance)');
  }
  const form = donateFormConfig(env, e.FUNDRAISER_CURRENCY, isKnownCurrency);
  const main = form.currencies[0]!;
  const portalAmounts = e.PORTAL_MONTHLY_AMOUNTS ?? currencyDefaults(main.currency)?.once ?? main.presets.monthly;
  const outOfBounds = portalAmounts.find(
    (a) => (a < main.min || a > main.max) && a !== main.smallGift && a !== main.averageGift,
  );
  if (outOfBounds !== undefined) {
    throw new ConfigError(
      'PORTAL_MONTHLY_AMOUNTS',
      `${outOfBounds} is outside DONATION_MIN..DONATION_MAX (${main.min}..${main.max})`,
    );
  }

  const databaseUrl = e.DATABASE_URL ?? 'sqlite:./data/fundraiser.sqlite';
  const database = databaseUrl.startsWith('sqlite:')
    ? { dialect: 'sqlite' as const, path: sqlitePath(databaseUrl.slice('sqlite:'.length)) }
    : { dialect: 'postgres' as const, url: databaseUrl };

  const embeddedEmulator = !e.STRIPE_SECRET_KEY && !e.STRIPE_API_URL;
  return Object.freeze({
    env: mode,
    port: e.PORT,
    baseUrl,
    isHttps: baseUrl.startsWith('https:'),
    database: Object.freeze(database),
    databasePool: Object.freeze({ size: e.DATABASE_POOL_SIZE, statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS }),
    stripe: Object.freeze({
      emulator: !e.STRIPE_SECRET_KEY,
      secretKey: e.STRIPE_SECRET_KEY ?? EMULATOR_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET ?? EMULATOR_WEBHOOK_SECRET,
      apiUrl: embeddedEmulator ? baseUrl : e.STRIPE_API_URL?.replace(/\/+$/, ''),
      embeddedEmulator,
      emulatorAccountCurrency: e.EMULATOR_ACCOUNT_CURRENCY ?? e.FUNDRAISER_CURRENCY,
    }),
    portal: Object.freeze({
      loginUrl: e.STRIPE_PORTAL_LOGIN_URL ?? null,
      monthlyAmounts: Object.freeze([...portalAmounts]),
    }),
    trustProxy: trustProxy(e.TRUST_PROXY),
    metricsToken: e.METRICS_TOKEN ?? null,
    totalsMaxAgeMs: e.TOTALS_MAX_AGE_MS,
    experimentFlushMs: e.EXPERIMENT_COUNTS_FLUSH_MS,
    bodies: Object.freeze({
      webhookMaxPending: e.WEBHOOK_MAX_PENDING_BODIES,
      webhookDeadlineMs: e.WEBHOOK_BODY_DEADLINE_MS,
      formDeadlineMs: e.FORM_BODY_DEADLINE_MS,
    }),
    logLevel: e.LOG_LEVEL ?? (mode === 'test' ? 'silent' : 'info'),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    embed: Object.freeze({
      allowedOrigins: Object.freeze(embedOrigins(e.EMBED_ALLOWED_ORIGINS)),
      closeDays: e.EMBED_CLOSE_DAYS,
      giftHideDays: e.EMBED_GIFT_HIDE_DAYS ?? null,
    }),
    appealNumbers: Object.freeze({
      readersPerMonth: e.READERS_PER_MONTH,
      averageGiftFallback: e.AVERAGE_GIFT_FALLBACK ?? main.averageGift,
      averageGiftMinDonors: e.AVERAGE_GIFT_MIN_DONORS,
    }),
    staff: Object.freeze({
      webhookWarningHours: e.STAFF_WEBHOOK_WARNING_HOURS,
      loginLimitPerAccount: e.LOGIN_LIMIT_PER_ACCOUNT,
      loginLimitPerIp: e.LOGIN_LIMIT_PER_IP,
      loginDelayAfter: e.LOGIN_ACCOUNT_DELAY_AFTER,
      loginDelayMaxSeconds: e.LOGIN_ACCOUNT_DELAY_MAX_SECONDS,
    }),
    limits: Object.freeze({ donatePerIp: e.DONATE_LIMIT_PER_IP, donatePerNetwork: e.DONATE_LIMIT_PER_NETWORK }),
    // Outside production a per-process secret is fine: forms simply renew after a restart.
    secret: e.APP_SECRET ?? randomBytes(32).toString('hex'),
    org: loadOrgDetails(env, e.FUNDRAISER_ORG_NAME),
    i18n: i18nConfig(env),
    fundraiser: Object.freeze({
      id: e.FUNDRAISER_ID,
      orgName: e.FUNDRAISER_ORG_NAME,
      siteUrl: e.FUNDRAISER_SITE_URL ?? null,
      goal: e.FUNDRAISER_GOAL,
      currency: e.FUNDRAISER_CURRENCY,
      window: configuredWindow(e.FUNDRAISER_CAMPAIGN_START, e.FUNDRAISER_CAMPAIGN_END),
      appealFile: path.resolve(PROJECT_ROOT, e.APPEAL_FILE ?? 'content/appeal.json'),
      donationMin: main.min,
      donationMax: main.max,
      form,
    }),
  });
}

/** STAFF_PASSWORD, for `npm run staff` run by automation instead of a person at a prompt. */
export function staffPasswordFromEnv(): string | undefined {
  return process.env.STAFF_PASSWORD || undefined;
}

/** The environment's configuration with some variables replaced (command-line tools). */
export function loadConfigWith(overrides: Env): Config {
  return loadConfig({ ...process.env, ...overrides });
}

function sqlitePath(p: string): string {
  if (p === ':memory:') return p;
  return path.resolve(PROJECT_ROOT, p);
}
