// CSRF protection for the site's forms (double-submit cookie, csrf-csrf). Readers have no
// login, so each browser gets a random visitor id cookie that the token is bound to.
import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import type { Config } from '../../lib/config.ts';

const VISITOR_COOKIE = 'fr_visitor';

export interface Csrf {
  /** Sets the visitor cookie when missing; must run before the others. */
  visitor: RequestHandler;
  protect: RequestHandler;
  token: (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) => string;
  isCsrfError: (err: unknown) => boolean;
}

export function createCsrf(config: Config): Csrf {
  const secure = config.isHttps;
  const { doubleCsrfProtection, generateCsrfToken, invalidCsrfTokenError } = doubleCsrf({
    getSecret: () => config.secret,
    getSessionIdentifier: (req) => String(req.cookies?.[VISITOR_COOKIE] ?? ''),
    // The __Host- prefix needs https; plain http (local development) uses a plain name.
    cookieName: secure ? '__Host-fr.csrf' : 'fr.csrf',
    cookieOptions: { sameSite: 'lax', secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => {
      const fromForm = (req.body as Record<string, unknown> | undefined)?._csrf;
      const fromHeader = req.headers['x-csrf-token'];
      return typeof fromForm === 'string' ? fromForm : typeof fromHeader === 'string' ? fromHeader : undefined;
    },
  });

  const visitor: RequestHandler = (req, res, next) => {
    const cookies = (req.cookies ??= {}) as Record<string, unknown>;
    const given = cookies[VISITOR_COOKIE];
    if (typeof given !== 'string' || !/^[\w-]{16,64}$/.test(given)) {
      const id = randomBytes(16).toString('base64url');
      res.cookie(VISITOR_COOKIE, id, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: '/',
        maxAge: 365 * 24 * 3600 * 1000,
      });
      cookies[VISITOR_COOKIE] = id;
    }
    next();
  };

  return {
    visitor,
    protect: doubleCsrfProtection,
    token: (req, res) => generateCsrfToken(req, res),
    isCsrfError: (err) => err === invalidCsrfTokenError,
  };
}
