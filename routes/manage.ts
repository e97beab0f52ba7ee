// Monthly donors manage their gift in Stripe's Customer Portal (lib/payments/portal.ts):
//   GET /manage                 -> the portal's login page (Stripe e-mails a one-time link)
//   POST /thank-you/manage      -> straight into the portal, for the hour after a monthly gift
// The second is rate limited with /thank-you (one budget) and refuses forms from other sites.
import { Router, type ErrorRequestHandler, type Response } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import { portalForCheckout } from '../lib/payments/portal.ts';
import { CrossSiteRequestError, refuseCrossSite } from './middleware/cross-site.ts';
import { thankYouLimiter } from './middleware/rate-limits.ts';

const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,250}$/;

function page(res: Response, status: number, title: string, message: string, link?: { href: string; text: string }) {
  res.set('Cache-Control', 'private, no-store');
  res.status(status).render('error', { title, message, link, noindex: true });
}

export function manageRoutes(deps: AppDeps): Router {
  const router = Router();
  const limit = thankYouLimiter(deps.stores.rateLimit, (_req, res) =>
    page(res, 429, 'Too many requests', 'Please wait a few minutes and try again.'),
  );
  const login = { href: '/manage', text: 'Manage your monthly gift with your e-mail address' };

  router.get('/manage', async (_req, res) => {
    const url = await deps.portal.loginUrl();
    if (url) {
      res.set('Cache-Control', 'no-store');
      return void res.redirect(303, url);
    }
    page(
      res,
      503,
      'Managing a monthly gift is not available just now',
      'The page where monthly donors cancel or change their gift cannot be reached at the moment. Nothing about ' +
        'your gift has changed. Please try again in a few minutes; every receipt e-mail from Stripe also says how ' +
        'to reach us.',
    );
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
        return page(res, 400, 'There is no monthly gift to manage', 'This gift was a one-off gift: nothing repeats.');
      case 'too-late':
        return page(
          res,
          410,
          'This page can no longer open your gift',
          'For your safety, the link from the thank-you page works for an hour after your gift. To manage your ' +
            'monthly gift now, give the e-mail address you gave with, and Stripe will e-mail you a link.',
          login,
        );
      case 'unavailable':
        deps.logger.error({ err: outcome.error, session: id }, 'could not open the Customer Portal');
        return page(
          res,
          502,
          'We could not open your monthly gift just now',
          'Our payment processor did not answer. Nothing has changed; please try again in a minute.',
        );
    }
  });

  function notFound(res: Response) {
    page(res, 404, 'We could not find that gift', 'This does not match a monthly gift made on this site.', login);
  }

  const onCrossSite: ErrorRequestHandler = (err, req, res, next) => {
    if (!(err instanceof CrossSiteRequestError)) return next(err);
    req.log.warn({ from: err.from }, 'manage form refused: posted from another site');
    page(res, 403, 'This form was sent from another site', 'Nothing was opened or changed.', login);
  };
  router.use(onCrossSite);
  return router;
}
