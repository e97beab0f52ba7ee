// Card-testing defence on POST /donate: a limit per address and one for the whole site.
// In-process counters for now (one instance); see README for several instances.
import { rateLimit, type RateLimitRequestHandler } from 'express-rate-limit';
import type { Request, Response } from 'express';
import type { Config } from './config.ts';

export function donateLimiters(config: Config, onLimited: (req: Request, res: Response) => void): RateLimitRequestHandler[] {
  const common = { standardHeaders: 'draft-8' as const, legacyHeaders: false, handler: onLimited };
  return [
    rateLimit({ ...common, windowMs: 10 * 60_000, limit: config.limits.donatePerIp }),
    // Only attempts that created a session count toward the site-wide cap, so a flood of
    // junk posts cannot lock every honest reader out.
    rateLimit({
      ...common,
      windowMs: 60_000,
      limit: config.limits.donateGlobalPerMinute,
      keyGenerator: () => 'all-readers',
      skipFailedRequests: true,
    }),
  ];
}
