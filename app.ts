// createApp(deps): the site's request listener: parsers, views, routes, 404/500. Reads no
// environment and opens no ports, so tests build it with a temp database, a fake Stripe and
// a fixed clock.
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import { capturedSecurityHeaders, securityHeaders } from './routes/middleware/security-headers.ts';
import { landingPage } from './routes/appeal-page.ts';
import { hotPath, pathOf } from './routes/hot-path.ts';
import { PROJECT_ROOT } from './lib/config.ts';
import type { AppDeps } from './lib/wiring.ts';
import { webhookHandler, WEBHOOK_PATH } from './routes/webhooks.ts';
import { appealRoutes } from './routes/appeal.ts';
import { donateRoutes } from './routes/donate.ts';
import { apiRoutes } from './routes/api.ts';
import { thankYouRoutes } from './routes/thank-you.ts';
import { staffRoutes } from './routes/staff.ts';
import { embedRoutes } from './routes/embed.ts';
import { viewHelpers } from './routes/view-helpers.ts';
import { createCsrf } from './routes/middleware/csrf.ts';
import cookieParser from 'cookie-parser';
import { pinoHttp } from 'pino-http';
import { requestId } from './lib/logger.ts';

export type Site = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * What npm start serves. Stripe's webhooks and the hot paths (what the host site fetches on
 * every page view) are answered on node:http directly, ahead of Express: setting up
 * Express's request and response costs more than those answers. Everything else, and a hot
 * path that fails, goes through the Express app (which runs the hot path once more, and its
 * error handler if it fails again).
 */
export function createApp(deps: AppDeps): Site {
  const security = capturedSecurityHeaders(deps.config);
  const webhook = webhookHandler(deps, security);
  const { app, hot } = expressApp(deps, security);
  const toExpress = (req: IncomingMessage, res: ServerResponse) => (err?: unknown) => {
    if (err) deps.logger.warn({ err, url: req.url }, 'hot path failed; handing the request to Express');
    app(req, res);
  };
  return (req, res) => {
    try {
      if (req.method === 'POST' && isWebhookPath(req.url)) return webhook(req, res);
      hot(req, res, toExpress(req, res));
    } catch (err) {
      // Express would have turned a throw into a 500; here it would stop the process.
      deps.logger.error({ err, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Something went wrong on our side. Please try again in a moment.');
    }
  };
}

/** The webhook's path as Express would match it: any letter case, one trailing slash, any query. */
function isWebhookPath(url: string | undefined): boolean {
  const path = pathOf(url).toLowerCase();
  return path === WEBHOOK_PATH || path === `${WEBHOOK_PATH}/`;
}

function expressApp(deps: AppDeps, security: Record<string, string>) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  // Templates are read once, not on every request.
  app.set('view cache', true);

  app.set('view engine', 'ejs');
  app.set('views', path.join(PROJECT_ROOT, 'views'));
  app.locals.h = viewHelpers(deps.config);

  // What the host site fetches on every page view (routes/hot-path.ts): createApp's listener
  // runs it first; here it runs again for what the listener passed on, so a hot request that
  // failed there is tried once more and, failing again, reaches the error handler below.
  const landing = landingPage(deps, app, security);
  const hot = hotPath(deps, app, security, landing);
  app.use(hot);

  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: (req.route?.path as string | undefined) ?? (res.statusCode === 404 ? 'not-found' : 'other'), status: String(res.statusCode) }));
    next();
  });

  app.use(securityHeaders(deps.config));

  // What every page view of the host site may fetch (the figures, the banner, the appeal) and
  // the probes, ahead of the access log: a line per banner view would be most of the log and
  // a good part of the cost of serving it. They are counted in /metrics, and their errors are
  // logged by the error handler. They set no cookies, so a CDN may cache them.
  app.use(apiRoutes(deps));
  app.use(embedRoutes(deps));
  app.use(appealRoutes(deps, landing));

  // One JSON log line per request from here on, with a request id (the caller's X-Request-Id when sane).
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: requestId,
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0], remoteAddress: req.remoteAddress }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );

  app.use('/public', express.static(path.join(PROJECT_ROOT, 'public'), { maxAge: '1h' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
  app.use(express.json({ limit: '16kb' }));
  app.use(cookieParser());
  app.use(donateRoutes(deps));
  app.use(thankYouRoutes(deps));
  // Only the staff area's forms carry tokens (bound to a visitor cookie); readers get no cookie.
  const csrf = createCsrf(deps.config);
  app.use('/staff', csrf.visitor);
  app.use(staffRoutes(deps, csrf));

  app.use((req, res) => {
    res.status(404);
    if (req.accepts(['html', 'json']) === 'json') return void res.json({ error: 'Not found' });
    res.render('error', { title: 'Page not found', message: 'There is nothing at this address.' });
  });

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 500;
    // Behind the access log, pino-http writes the one line for the request (with its id) and
    // takes the real error from res.err; ahead of it (the hot path) the error is logged here.
    if (status >= 500) {
      if (req.log) res.err = err;
      else deps.logger.error({ err, url: req.originalUrl }, 'request failed');
    }
    if (res.headersSent) return;
    res.status(status);
    const message = status === 413 ? 'That request was too large.' : status < 500 ? 'That request could not be understood.' : 'Something went wrong on our side. Please try again in a moment.';
    if (req.accepts(['html', 'json']) === 'json') return void res.json({ error: message });
    res.render('error', { title: status < 500 ? 'Bad request' : 'Something went wrong', message });
  };
  app.use(onError);
  return { app, hot };
}
