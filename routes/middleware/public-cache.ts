// Headers for what a CDN may cache and host sites may frame: the public figures and the embeds.
import type { Response } from 'express';
import type { Config } from '../../lib/config.ts';
import { framableBy } from './security-headers.ts';

/** A few seconds fresh, then served stale while a CDN fetches anew: the bar lags by seconds, never more. */
export const SHORT_PUBLIC_CACHE = 'public, max-age=5, stale-while-revalidate=30';

/** frame-ancestors for the one page that may be framed: this site and the configured hosts. */
export function allowFramingByHosts(res: Response, config: Config): void {
  const csp = res.getHeader('Content-Security-Policy');
  if (typeof csp === 'string') res.setHeader('Content-Security-Policy', framableBy({ 'content-security-policy': csp }, config.embed.allowedOrigins)['content-security-policy']!);
  res.removeHeader('X-Frame-Options');
}
