// Every rate limit of the site, in one place. Counters live in the database (a store per
// prefix, built in wiring), so every instance behind a load balancer shares them.
import { rateLimit, type RateLimitRequestHandler, type Store } from 'express-rate-limit';
import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../../lib/config.ts';
import { normalEmail } from '../../lib/staff/users.ts';

/** A store for one kind of counter; the prefix keeps kinds apart in the shared table. */
export type RateLimitStores = (prefix: string) => Store;
type OnLimited = (req: Request, res: Response, next: NextFunction) => void;

const common = { standardHeaders: 'draft-8' as const, legacyHeaders: false };
const MINUTE = 60_000;

/** Card-testing defence on POST /donate: a limit per address and one for the whole site. */
export function donateLimiters(
  config: Config,
  stores: RateLimitStores,
  onLimited: OnLimited,
): RateLimitRequestHandler[] {
  return [
    rateLimit({
      ...common,
      handler: onLimited,
      windowMs: 10 * MINUTE,
      limit: config.limits.donatePerIp,
      store: stores('donate-ip:'),
    }),
    // Only attempts that created a session count toward the site-wide cap, so a flood of
    // junk posts cannot lock every honest reader out.
    rateLimit({
      ...common,
      handler: onLimited,
      windowMs: MINUTE,
      limit: config.limits.donateGlobalPerMinute,
      keyGenerator: () => 'all-readers',
      skipFailedRequests: true,
      store: stores('donate-all:'),
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

/** Staff login: failures only, per address and per account. */
export function loginLimiters(
  config: Config,
  stores: RateLimitStores,
  onLimited: OnLimited,
): RateLimitRequestHandler[] {
  // Only a wrong password (401) counts, so junk posts cannot lock an account out.
  const wrongPasswordOnly = {
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req: Request, res: Response) => res.statusCode !== 401,
  };
  // express-rate-limit's own header defaults here, as the login always had.
  const window = { ...wrongPasswordOnly, handler: onLimited, windowMs: 15 * MINUTE };
  return [
    rateLimit({ ...window, limit: config.staff.loginLimitPerIp, store: stores('login-ip:') }),
    rateLimit({
      ...window,
      limit: config.staff.loginLimitPerAccount,
      store: stores('login-account:'),
      // The account as the accounts table spells it.
      keyGenerator: (req) =>
        normalEmail(String((req.body as Record<string, unknown> | undefined)?.email ?? '')).slice(0, 200),
    }),
  ];
}
