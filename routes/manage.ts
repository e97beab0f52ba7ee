// Monthly donors manage their gift in Stripe's Customer Portal (lib/payments/portal.ts):
//   GET /manage                 -> the portal's login page (Stripe e-mails a one-time link)
//   POST /thank-you/manage      -> straight into the portal, for the hour after a monthly gift
// The second is rate limited with /thank-you (one budget) and refuses forms from other sites.
import { Router, type ErrorRequestHandler, type Response } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import { portalForCheckout } from '../lib/payments/portal.ts';
import { CrossSiteRequestError, refuseCrossSite } from './middleware/cross-site.ts';
import { thankYouLimiter } from './middleware/rate-limits.ts';
import { translatorOf } from './i18n.ts';

const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,250}$/;

/** A page of the error template in the reader's language: a title and message key, and maybe the login link. */
function page(res: Response, status: number, title: string, message: string, withLogin = false) {
  const { t } = translatorOf(res);
  const link = withLogin ? { href: '/manage', text: t('manage.loginLink') } : undefined;
  res.set('Cache-Control', 'private, no-store');
  res.status(status).render('error', { title: t(title), message: t(message), link, noindex: true });
}

export function manageRoutes(deps: AppDeps): Router {
  const router = Router();
  const limit = thankYouLimiter(deps.stores.rateLimit, (_req, res) =>
    page(res, 429, 'error.tooManyTitle', 'error.tooManyRetry'),
  );

  router.get('/manage', async (_req, res) => {
    const url = await deps.portal.loginUrl();
    if (url) {
      res.set('Cache-Control', 'no-store');
      return void res.redirect(303, url);
    }
    page(res, 503, 'manage.unavailableTitle', 'manage.unavailable');
  });

  router.post('/thank-you/manage', refuseCrossSite(deps.config.baseUrl), limit, async (req, res) => {
    const id = (req.body as Record<string, unknown> | undefined)?.session_id;
    if (typeof id !== 'string' || !SESSION_ID.test(id)) return notFound(res);
    const outcome = await portalForCheckout(deps, id);
    switch (outcome.kind) {
      case 'portal':
        res.set('Cache-Control', 'no-store');
        return void res.redirect(303, outcome.url);
      case 'not-found':
        return notFound(res);
      case 'not-monthly':
        return page(res, 400, 'manage.notMonthlyTitle', 'manage.notMonthly');
      case 'too-late':
        return page(res, 410, 'manage.tooLateTitle', 'manage.tooLate', true);
      case 'unavailable':
        deps.logger.error({ err: outcome.error, session: id }, 'could not open the Customer Portal');
        return page(res, 502, 'manage.failedTitle', 'manage.failed');
    }
  });

  function notFound(res: Response) {
    page(res, 404, 'manage.notFoundTitle', 'manage.notFound', true);
  }

  const onCrossSite: ErrorRequestHandler = (err, req, res, next) => {
    if (!(err instanceof CrossSiteRequestError)) return next(err);
    req.log.warn({ from: err.from }, 'manage form refused: posted from another site');
    page(res, 403, 'manage.crossSiteTitle', 'manage.crossSite', true);
  };
  router.use(onCrossSite);
  return router;
}
