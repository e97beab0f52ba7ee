// createApp(deps): the site's one request listener. Reads no environment and opens no ports,
// so tests build it with a temp database, a fake Stripe and a fixed clock.
//
// One front door, three lanes, each request in exactly one:
//   POST /webhooks/stripe -> routes/webhooks.ts (node:http: raw body, signature, ledger)
//   the fast lane         -> routes/fast-lane.ts with the entries that appeal.ts, api.ts and
//                            embed.ts declare (what the host site fetches on every page view)
//   everything else       -> Express (security headers, access log, parsers, routes, 404/500)
// Setting up Express's request and response costs more than the first two lanes' answers.
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import cookieParser from 'cookie-parser';
import compression from 'compression';
import { pinoHttp } from 'pino-http';
import { PROJECT_ROOT } from './lib/config.ts';
import { requestId } from './lib/logger.ts';
import type { AppDeps } from './lib/wiring.ts';
import { capturedSecurityHeaders, securityHeaders } from './routes/middleware/security-headers.ts';
import { createCsrf } from './routes/middleware/csrf.ts';
import { bodyDeadline } from './routes/middleware/body-deadline.ts';
import { fastLane, routePath, type FastLaneError } from './routes/fast-lane.ts';
import { webhookHandler, WEBHOOK_PATH } from './routes/webhooks.ts';
import { appealFastEntries, appealRoutes } from './routes/appeal.ts';
import { apiFastEntries, apiRoutes } from './routes/api.ts';
import { embedFastEntries, embedRoutes } from './routes/embed.ts';
import { donateRoutes } from './routes/donate.ts';
import { thankYouRoutes } from './routes/thank-you.ts';
import { manageRoutes } from './routes/manage.ts';
import { EXPERIMENT_FORM_PATH } from './routes/staff-experiments.ts';
import { staffRoutes } from './routes/staff.ts';
import { staffLocale } from './routes/middleware/staff-locale.ts';
import { viewHelpers, viewRenderer, wantsJson, type RenderView } from './routes/views.ts';
import { loadAssets } from './routes/assets.ts';
import { COMPRESS_MIN_BYTES } from './routes/middleware/encoding.ts';
import { languageLocals, languageMiddleware, requestLanguage, translatorOf } from './routes/i18n.ts';
import { translator } from './lib/i18n/translator.ts';

export type Site = (req: IncomingMessage, res: ServerResponse) => void;

// Before any language is known (a throw in the front door itself).
const FAILED = translator('en').t('error.failed');

export function createApp(deps: AppDeps): Site {
  const security = capturedSecurityHeaders(deps.config);
  const app = expressApp(deps);
  const render = viewRenderer(app);
  const fast = fastLane(
    deps,
    [
      ...appealFastEntries(deps, render, security),
      ...apiFastEntries(security),
      ...embedFastEntries(deps, render, security),
    ],
    fastLaneError(deps, render, security),
  );
  const webhook = webhookHandler(deps, security);
  return (req, res) => {
    try {
      const path = routePath(req.url);
      if (req.method === 'POST' && path === WEBHOOK_PATH) return webhook(req, res);
      if (fast(req, res, path)) return;
      app(req, res);
    } catch (err) {
      // Express would have turned a throw into a 500; here it would stop the process.
      deps.logger.error({ err, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(FAILED);
    }
  };
}

/** A fast-lane answer that failed (the totals could not be read): logged once, a 500 in the entry's own type. */
function fastLaneError(deps: AppDeps, render: RenderView, security: Record<string, string>): FastLaneError {
  return (req, res, err, type) => {
    deps.logger.error({ err, url: req.url }, 'request failed');
    if (res.headersSent) return void res.destroy();
    const tr = translator(requestLanguage(deps.config, req, type === 'html'));
    const failed = tr.t('error.failed');
    const answer = (contentType: string, body: string) => {
      res.writeHead(500, { ...security, 'cache-control': 'no-store', 'content-type': contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (type === 'json') return answer('application/json; charset=utf-8', JSON.stringify({ error: failed }));
    render('error', { ...languageLocals(deps.config, tr), title: tr.t('error.failedTitle'), message: failed }).then(
      (html) => answer('text/html; charset=utf-8', html),
      () => answer('text/plain; charset=utf-8', failed),
    );
  };
}

function expressApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  // Templates are read once, not on every request.
  app.set('view cache', true);
  app.set('view engine', 'ejs');
  app.set('views', path.join(PROJECT_ROOT, 'views'));
  const assets = loadAssets(path.join(PROJECT_ROOT, 'public'));
  app.locals.h = viewHelpers(deps.config, assets.url);
  // English until a page's language is chosen (languageMiddleware); staff pages stay in it.
  Object.assign(app.locals, languageLocals(deps.config, translator('en')));
  const render = viewRenderer(app);

  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const matched = (req.route as { path?: string } | undefined)?.path;
      const route = matched ?? (res.statusCode === 404 ? 'not-found' : 'other');
      end({ route, status: String(res.statusCode) });
    });
    next();
  });

  app.use(securityHeaders(deps.config));
  // Pages rendered per request (the fast lane and the static files carry their compressed forms).
  // Not the CSV exports: compressing a million streamed rows on the fly took about 3x as long in the bench.
  const notCsv: compression.CompressionFilter = (req, res) =>
    !String(res.getHeader('Content-Type') ?? '').startsWith('text/csv') && compression.filter(req, res);
  app.use(compression({ threshold: COMPRESS_MIN_BYTES, filter: notCsv }));

  // The variants of what every page view of the host site may fetch (the banner of a reader
  // who closed it, the appeal with a choice) and the probes, ahead of the access log: a line
  // per banner view would be most of the log. They are counted in /metrics, and their errors
  // are logged by the error handler. They set no cookies, so a CDN may cache them.
  app.use(apiRoutes(deps));
  app.use(languageMiddleware(deps.config));
  app.use(embedRoutes(deps, render));
  app.use(appealRoutes(deps));

  // One JSON log line per request from here on, with a request id (the caller's X-Request-Id when sane).
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: requestId,
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    }),
  );

  app.use(assets.handler);
  app.use(bodyDeadline(deps.config.bodies.formDeadlineMs));
  // The new-experiment form is bigger than any other; its route reads it after the login check.
  const forms = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });
  app.use((req, res, next) =>
    req.method === 'POST' && req.path === EXPERIMENT_FORM_PATH ? next() : forms(req, res, next),
  );
  app.use(express.json({ limit: '16kb' }));
  app.use(cookieParser());
  app.use(donateRoutes(deps));
  app.use(thankYouRoutes(deps));
  app.use(manageRoutes(deps));
  // Only the staff area's forms carry tokens (bound to a visitor cookie); readers get no cookie.
  const csrf = createCsrf(deps.config);
  app.use('/staff', csrf.visitor);
  // English words, but numbers, money and dates the staff member's browser's way.
  app.use('/staff', staffLocale(deps.config.fundraiser.currency));
  app.use(staffRoutes(deps, csrf));

  app.use((req, res) => {
    res.status(404);
    const { t } = translatorOf(res);
    if (wantsJson(req)) return void res.json({ error: t('error.notFoundJson') });
    res.render('error', { title: t('error.notFoundTitle'), message: t('error.notFound') });
  });

  const onError: ErrorRequestHandler = (err: { status?: unknown }, req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 500;
    // Behind the access log, pino-http writes the one line for the request (with its id) and
    // takes the real error from res.err; ahead of it the error is logged here.
    if (status >= 500) {
      if (req.log) res.err = err as Error;
      else deps.logger.error({ err, url: req.originalUrl }, 'request failed');
    }
    if (res.headersSent) return;
    res.status(status);
    const { t } = translatorOf(res);
    const message = t(status === 413 ? 'error.tooLarge' : status < 500 ? 'error.badRequest' : 'error.failed');
    if (wantsJson(req)) return void res.json({ error: message });
    res.render('error', { title: t(status < 500 ? 'error.badRequestTitle' : 'error.failedTitle'), message });
  };
  app.use(onError);
  return app;
}
