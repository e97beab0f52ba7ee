// Every rate limit of the site, in one place. Counters live in the database (a store per
// prefix, built in wiring), so every instance behind a load balancer shares them.
import { ipKeyGenerator, rateLimit, type RateLimitRequestHandler, type Store } from 'express-rate-limit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../../lib/config.ts';
import { normalEmail } from '../../lib/staff/users.ts';

/** A store for one kind of counter; the prefix keeps kinds apart in the shared table. */
export type RateLimitStores = (prefix: string) => Store;
type OnLimited = (req: Request, res: Response, next: NextFunction) => void;

const common = { standardHeaders: 'draft-8' as const, legacyHeaders: false };
// Our key generators call ipKeyGenerator (in addressKey, networkKey); the library's check
// only reads their source for `req.ip`, so it is told so.
const ownIpKeys = { validate: { keyGeneratorIpFallback: false } };
const MINUTE = 60_000;

/** One reader's address: an IPv4 address, or the /64 an IPv6 subscriber is given. */
export function addressKey(ip: string | undefined): string {
  return ipKeyGenerator(ip ?? '', 64);
}

/** The network around an address: its IPv4 /24 or its IPv6 /48 (IPv4-mapped IPv6 counts as IPv4). */
export function networkKey(ip: string | undefined): string {
  const key = ipKeyGenerator(ip ?? '', 48);
  return key.includes(':') ? key : key.replace(/\.\d+$/, '.0/24');
}

/**
 * Card-testing defence on POST /donate: a budget per address and one per network (/24, /48).
 * There is no site-wide budget: a few addresses could fill it and turn away every reader.
 * The headers describe only the caller's own two budgets.
 */
export function donateLimiters(
  config: Config,
  stores: RateLimitStores,
  onLimited: OnLimited,
): RateLimitRequestHandler[] {
  const window = { ...common, handler: onLimited, windowMs: 10 * MINUTE };
  return [
    rateLimit({
      ...window,
      ...ownIpKeys,
      identifier: 'address',
      limit: config.limits.donatePerIp,
      keyGenerator: (req) => addressKey(req.ip),
      store: stores('donate-ip:'),
    }),
    rateLimit({
      ...window,
      ...ownIpKeys,
      identifier: 'network',
      limit: config.limits.donatePerNetwork,
      keyGenerator: (req) => networkKey(req.ip),
      store: stores('donate-net:'),
    }),
  ];
}

/**
 * GET /thank-you: each unknown session id costs a call to Stripe, so a flood of made-up ids
 * must not use up the account's API rate limit, which /donate and the webhook need.
 */
export function thankYouLimiter(stores: RateLimitStores, onLimited: OnLimited): RateLimitRequestHandler {
  return rateLimit({ ...common, handler: onLimited, windowMs: 10 * MINUTE, limit: 120, store: stores('thank-you:') });
}

/**
 * The account a login form names, as the accounts table spells it. Only text names one (as
 * the login reads it): String() of a JSON object without a usable toString would throw.
 */
export const accountOf = (req: Pick<Request, 'body'>) => {
  const email: unknown = (req.body as Record<string, unknown> | undefined)?.email;
  return typeof email === 'string' ? normalEmail(email).slice(0, 200) : '';
};

/**
 * The per-account brake: the wait before an attempt on an account that has had `after`
 * failures (from any address) in 15 minutes, growing a second per further failure, capped.
 */
export function loginDelayMs(failuresBefore: number, brake: { after: number; maxSeconds: number }): number {
  if (failuresBefore < brake.after) return 0;
  return Math.min(brake.maxSeconds, failuresBefore - brake.after + 1) * 1000;
}

/**
 * Staff login, failures only: a limit per address and one per account from one address
 * (both answer 429 past them), then a brake per account that only slows: every attempt on
 * a much-guessed account waits (right password or wrong, so the wait tells nothing), and
 * is then answered. Nobody can lock an account: the right password from another address
 * always logs in, at worst after the brake's wait.
 */
export function loginLimiters(
  config: Config,
  stores: RateLimitStores,
  onLimited: OnLimited,
  sleep: (ms: number) => Promise<void>,
): RequestHandler[] {
  // Only a wrong password (401) counts, so junk posts use up nothing.
  const wrongPasswordOnly = {
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req: Request, res: Response) => res.statusCode !== 401,
  };
  // express-rate-limit's own header defaults here, as the login always had.
  const window = { ...wrongPasswordOnly, handler: onLimited, windowMs: 15 * MINUTE };
  const brake = { after: config.staff.loginDelayAfter, maxSeconds: config.staff.loginDelayMaxSeconds };
  const accountFailures = rateLimit({
    ...wrongPasswordOnly,
    windowMs: 15 * MINUTE,
    // Never refuses: it counts, and the brake below turns the count into a wait.
    limit: Number.MAX_SAFE_INTEGER,
    standardHeaders: false,
    legacyHeaders: false,
    requestPropertyName: 'loginAccountFailures',
    store: stores('login-account:'),
    keyGenerator: accountOf,
  });
  const slowDown: RequestHandler = (req, res, next) => {
    const info = (req as Request & { loginAccountFailures?: { used: number } }).loginAccountFailures;
    // `used` counts this attempt too.
    const delayMs = loginDelayMs(Math.max(0, (info?.used ?? 1) - 1), brake);
    res.locals.loginDelayMs = delayMs;
    if (delayMs === 0) return next();
    req.log.warn({ delayMs }, 'staff login slowed: many failures for this account');
    sleep(delayMs).then(() => next(), next);
  };
  return [
    rateLimit({ ...window, limit: config.staff.loginLimitPerIp, store: stores('login-ip:') }),
    rateLimit({
      ...window,
      limit: config.staff.loginLimitPerAccount,
      ...ownIpKeys,
      store: stores('login-account-ip:'),
      keyGenerator: (req) => `${addressKey(req.ip)} ${accountOf(req)}`,
    }),
    accountFailures,
    slowDown,
  ];
}
