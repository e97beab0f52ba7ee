// Headers for what a CDN may cache and host sites may read: the public figures and the
// embeds. Express adds a weak ETag to every body and answers 304 to a matching If-None-Match.
import type { Request, Response } from 'express';
import type { Config } from '../lib/config.ts';

/** A few seconds fresh, then served stale while a CDN fetches anew: the bar lags by seconds, never more. */
export const SHORT_PUBLIC_CACHE = 'public, max-age=5, stale-while-revalidate=30';

export function allowHostOrigins(req: Request, res: Response, config: Config): void {
  res.vary('Origin');
  const origin = req.header('origin');
  if (origin && config.embed.allowedOrigins.includes(origin)) {
    res.set('Access-Control-Allow-Origin', origin);
    res.set('Access-Control-Expose-Headers', 'ETag');
  }
}

/** frame-ancestors for the one page that may be framed: this site and the configured hosts. */
export function allowFramingByHosts(res: Response, config: Config): void {
  const csp = res.getHeader('Content-Security-Policy');
  const ancestors = ["'self'", ...config.embed.allowedOrigins].join(' ');
  if (typeof csp === 'string') res.setHeader('Content-Security-Policy', csp.replace(/frame-ancestors [^;]*/, `frame-ancestors ${ancestors}`));
  res.removeHeader('X-Frame-Options');
}
