// Headers for what a CDN may cache and host sites may frame: the public figures and the embeds.
import type { Response } from 'express';
import type { Config } from '../../lib/config.ts';
import { framableBy } from './security-headers.ts';

/** A few seconds fresh, then served stale while a CDN fetches anew: the bar lags by seconds, never more. */
const SHORT_PUBLIC_CACHE = 'public, max-age=5, stale-while-revalidate=30';

/** The figures are public: any cache may keep them a few seconds, and host sites may read them (CORS varies by Origin). */
export const PUBLIC_FIGURES_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': SHORT_PUBLIC_CACHE,
  vary: 'Origin',
};

/** A page unique to its response (a fresh form id): no cache may keep it. */
export const NO_STORE = 'private, no-store';

/** frame-ancestors for the one page that may be framed: this site and the configured hosts. */
export function allowFramingByHosts(res: Response, config: Config): void {
  const csp = res.getHeader('Content-Security-Policy');
  if (typeof csp === 'string') {
    const framable = framableBy({ 'content-security-policy': csp }, config.embed.allowedOrigins);
    res.setHeader('Content-Security-Policy', framable['content-security-policy']!);
  }
  res.removeHeader('X-Frame-Options');
}
