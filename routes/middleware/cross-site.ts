// The donate form's defence against cross-site request forgery, without a per-visitor token:
// browsers say where a request comes from (Fetch Metadata's Sec-Fetch-Site, and Origin), and
// a form posted from another site is refused. Go's net/http CrossOriginProtection and Hono's
// csrf() work the same way. Without a token the appeal is the same page for every reader, so
// it is rendered once per change of the totals rather than per request, and sets no cookie.
// Requests with neither header are not from a browser another site can drive. The staff
// area, where a login is at stake, keeps csrf-csrf's tokens as well.
import type { Request, RequestHandler } from 'express';

export class CrossSiteRequestError extends Error {
  readonly status = 403;
  constructor(readonly from: string) {
    super(`form posted from another site (${from})`);
  }
}

/**
 * `alsoFrom`: origins whose pages may post too (the donate form: the script banner's form on
 * the host sites of EMBED_ALLOWED_ORIGINS); their Origin header must match exactly.
 */
export function refuseCrossSite(baseUrl: string, alsoFrom: readonly string[] = []): RequestHandler {
  const ownOrigin = new URL(baseUrl).origin;
  const trusted = new Set(alsoFrom);
  const sameOrigin = (req: Request, origin: string) => {
    if (origin === ownOrigin) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false; // "null" (a sandboxed frame, a data: page) or garbage
    }
  };
  return (req, _res, next) => {
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if (site === 'same-origin' || site === 'none') return next();
    if (origin !== undefined && trusted.has(origin)) return next();
    if (site !== undefined) return next(new CrossSiteRequestError(`Sec-Fetch-Site: ${String(site).slice(0, 20)}`));
    if (origin === undefined || sameOrigin(req, origin)) return next();
    next(new CrossSiteRequestError(`Origin: ${origin.slice(0, 100)}`));
  };
}
