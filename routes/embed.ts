// The banner for the host site: an iframe page (works without JavaScript), the data the
// script embed renders, the script itself, and a demo host page with both. The figures and
// the shown banner are fast-lane entries; a reader who closed the banner (a cookie) gets the
// Express route.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import type { AppDeps } from '../lib/wiring.ts';
import { PROJECT_ROOT } from '../lib/config.ts';
import type { Progress } from '../lib/ledger/types.ts';
import type { FastEntry } from './fast-lane.ts';
import { allowFramingByHosts, NO_STORE, PUBLIC_FIGURES_HEADERS } from './middleware/public-cache.ts';
import { isRobot } from '../lib/experiments/assign.ts';
import { drawnPerView } from '../lib/experiments/fast-keys.ts';
import { framableBy } from './middleware/security-headers.ts';
import { CrossSiteRequestError, refuseCrossSite } from './middleware/cross-site.ts';
import type { RenderView } from './views.ts';
import { bannerModel, DAY_MS, giftHiddenUntil } from './embed-model.ts';
import { bodyDeadline } from './middleware/body-deadline.ts';
import { translator, type Translator } from '../lib/i18n/translator.ts';
import { langQueryOf, languageLocals, requestLanguage, translatorOf } from './i18n.ts';

const HIDE_COOKIE = 'fr_banner';

/** Why the banner is hidden: closed (x), "Maybe later", "I already gave", or a gift made here. */
type HideReason = 'close' | 'later' | 'gave' | 'gift';
const REASONS: readonly HideReason[] = ['close', 'later', 'gave', 'gift'];

export interface BannerHidden {
  reason: HideReason;
  at: string;
  until: string;
  /** The gift was monthly: the banner's note offers to manage it. */
  monthly?: boolean;
}

/** The dismissal stored on this site's origin (the iframe and the appeal see it). */
function readHidden(req: Request, now: Date): BannerHidden | null {
  const raw: unknown = req.cookies?.[HIDE_COOKIE];
  if (typeof raw !== 'string') return null;
  try {
    const rec = JSON.parse(raw) as BannerHidden;
    return REASONS.includes(rec.reason) && new Date(rec.until) > now ? rec : null;
  } catch {
    return null;
  }
}

export function writeHidden(res: Response, deps: AppDeps, rec: BannerHidden): void {
  const secure = deps.config.isHttps;
  // Cross-site iframes only get cookies marked SameSite=None (which needs Secure).
  res.cookie(HIDE_COOKIE, JSON.stringify(rec), {
    httpOnly: true,
    secure,
    sameSite: secure ? 'none' : 'lax',
    path: '/',
    expires: new Date(rec.until),
    ...(secure ? { partitioned: true } : {}),
  });
}

/** The iframe banner, shown (`key`: the variant's, from bannerVariant). */
function bannerHtml(
  deps: AppDeps,
  render: RenderView,
  progress: Progress,
  tr: Translator,
  key: string,
): Promise<string> {
  return render('embed/banner', {
    ...languageLocals(deps.config, tr),
    hidden: null,
    banner: bannerOf(deps, progress, tr, key),
    title: tr.t('banner.title'),
  });
}

/** A banner experiment draws per page view (no cookie: the banner sits on other sites) and counts the impression. */
function bannerVariant(deps: AppDeps, req: IncomingMessage): string {
  const state = deps.experiments.serving();
  // A crawler or a HEAD sees the default, uncounted.
  const variant =
    isRobot(req.headers['user-agent']) || req.method === 'HEAD' ? null : deps.experiments.bannerDraw(state);
  if (variant) deps.experiments.count(state, 'banner', variant, 'impression');
  return deps.experiments.fastKey(state, 'banner', variant);
}

function bannerOf(deps: AppDeps, progress: Progress, tr: Translator, key: string) {
  const { look, ref } = deps.experiments.lookOfKey('banner', key);
  return bannerModel(deps, look, progress, tr, ref);
}

const closedIt = (req: IncomingMessage) => req.headers.cookie?.includes(`${HIDE_COOKIE}=`) ?? false;

export function embedFastEntries(deps: AppDeps, render: RenderView, security: Record<string, string>): FastEntry[] {
  return [
    {
      // The data the script embed renders.
      path: '/embed/banner.json',
      type: 'json',
      cors: true,
      // Fetched without cookies (credentials: 'omit'): ?lang= or Accept-Language, so a CDN keys on
      // those, and on Origin as for every CORS answer (each host gets its own Allow-Origin).
      headers: (key) => ({
        ...security,
        ...PUBLIC_FIGURES_HEADERS,
        ...(drawnPerView(key) ? { 'cache-control': NO_STORE } : {}),
        vary: `${PUBLIC_FIGURES_HEADERS.vary}, Accept-Language`,
      }),
      language: (req) => requestLanguage(deps.config, req, false),
      variant: (req) => bannerVariant(deps, req),
      body: (p, lang, _currency, key) => JSON.stringify(bannerOf(deps, p, translator(lang), key ?? ':')),
    },
    {
      // Shown or hidden depends on the reader's cookie, so no shared cache may keep it (the
      // script embed's banner.json is the CDN-friendly one); the ETag still makes reloads cheap.
      path: '/embed/banner',
      // A ?lang= choice goes to Express, which remembers it.
      serves: (req) => !closedIt(req) && langQueryOf(req.url) === undefined,
      type: 'html',
      headers: {
        ...framableBy(security, deps.config.embed.allowedOrigins),
        'cache-control': 'private, no-cache',
        vary: 'Cookie, Accept-Language',
      },
      language: (req) => requestLanguage(deps.config, req),
      variant: (req) => bannerVariant(deps, req),
      body: (p, lang, _currency, key) => bannerHtml(deps, render, p, translator(lang), key ?? ':'),
    },
  ];
}

export function embedRoutes(deps: AppDeps, render: RenderView): Router {
  const router = Router();
  const script = fs.readFileSync(path.join(PROJECT_ROOT, 'public/embed/embed.js'));
  const version = createHash('sha256').update(script).digest('hex').slice(0, 12);

  router.get('/embed.js', (req, res) => {
    // The versioned URL never changes content, so it may be cached for a year; the plain
    // one is revalidated hourly so hosts using it pick up new versions.
    const versioned = req.query.v === version;
    res.set(
      'Cache-Control',
      versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=3600, stale-while-revalidate=86400',
    );
    // Host pages on other origins load it with <script src>: helmet's default same-origin would block that.
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    res.type('application/javascript').send(script);
  });

  // The banner for a reader with the cookie (the fast lane serves the others).
  router.get('/embed/banner', cookieParser(), async (req, res) => {
    allowFramingByHosts(res, deps.config);
    res.set('Cache-Control', 'private, no-cache');
    res.vary('Cookie');
    const tr = translatorOf(res);
    const hidden = readHidden(req, deps.clock());
    if (hidden) {
      const manageUrl = `${deps.config.baseUrl}/manage`;
      return void res.render('embed/banner', { hidden, banner: null, title: tr.t('banner.title'), manageUrl });
    }
    res.type('html').send(await bannerHtml(deps, render, await deps.ledger.progress(), tr, bannerVariant(deps, req)));
  });

  // "Close" (x), "Maybe later" and "I already gave" inside the iframe: plain form buttons
  // (why=close|later|gave), so they work without JavaScript. The form is in this site's own
  // iframe document, so a genuine post is same-origin even on a host site; another site posting
  // it would hide the banner for the reader behind their back.
  router.post(
    '/embed/banner/close',
    refuseCrossSite(deps.config.baseUrl),
    bodyDeadline(deps.config.bodies.formDeadlineMs),
    express.urlencoded({ extended: false, limit: '1kb', parameterLimit: 5 }),
    async (req, res) => {
      allowFramingByHosts(res, deps.config);
      const why = (req.body as Record<string, unknown> | undefined)?.why ?? 'close';
      if (why !== 'close' && why !== 'later' && why !== 'gave') {
        return void res.status(400).type('text').send(translatorOf(res).t('banner.closeBad'));
      }
      const now = deps.clock();
      const until =
        why === 'gave'
          ? giftHiddenUntil(deps, now, await deps.ledger.progress())
          : new Date(now.getTime() + deps.config.embed.closeDays * DAY_MS);
      writeHidden(res, deps, { reason: why, at: now.toISOString(), until: until.toISOString() });
      res.redirect(303, '/embed/banner');
    },
  );

  const onCrossSite: ErrorRequestHandler = (err, req, res, next) => {
    if (!(err instanceof CrossSiteRequestError)) return next(err);
    deps.logger.warn({ from: err.from }, 'banner close refused: posted from another site');
    res.status(403).type('text').send(translatorOf(res).t('banner.closeRefused'));
  };
  router.use('/embed/banner/close', onCrossSite);

  router.get('/embed/demo', (_req, res) => {
    const { orgName } = deps.config.fundraiser;
    res.render('embed/demo', {
      title: 'Demo host page',
      org: orgName,
      scriptSrc: `/embed.js?v=${version}`,
      base: deps.config.baseUrl,
      noindex: true,
    });
  });

  return router;
}
