// The banner for the host site: an iframe page (works without JavaScript), the data the
// script embed renders, the script itself, and a demo host page with both.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Router, type Application, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import type { AppDeps } from '../lib/wiring.ts';
import { PROJECT_ROOT } from '../lib/config.ts';
import { PRESET_AMOUNTS } from '../lib/appeal/donation-options.ts';
import { formatMoney, toMinor } from '../lib/money.ts';
import type { Progress } from '../lib/ledger/ledger.ts';
import { appealNumbers, fillCopy } from '../lib/appeal/copy.ts';
import { allowFramingByHosts } from './middleware/public-cache.ts';
import { renderToString } from './per-figures.ts';

export const HIDE_COOKIE = 'fr_banner';

export interface BannerHidden {
  reason: 'close' | 'gift';
  at: string;
  until: string;
}

/** The dismissal stored on this site's origin (the iframe and the appeal see it). */
export function readHidden(req: Request, now: Date): BannerHidden | null {
  const raw = req.cookies?.[HIDE_COOKIE];
  if (typeof raw !== 'string') return null;
  try {
    const rec = JSON.parse(raw) as BannerHidden;
    return (rec.reason === 'close' || rec.reason === 'gift') && new Date(rec.until) > now ? rec : null;
  } catch {
    return null;
  }
}

export function writeHidden(res: Response, deps: AppDeps, rec: BannerHidden): void {
  const secure = deps.config.baseUrl.startsWith('https:');
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

export function bannerModel(deps: AppDeps, progress: Progress) {
  const { currency } = progress;
  const numbers = appealNumbers(deps.config, progress);
  const raisedText = formatMoney(progress.raised, currency);
  return {
    label: `${deps.config.fundraiser.orgName} fundraiser`,
    text: fillCopy(deps.appeal.banner, numbers),
    raisedText,
    ofGoalText: `raised of ${formatMoney(progress.goal, currency)} · ${numbers.donors} ${progress.donors === 1 ? 'donor' : 'donors'}`,
    barPercent: Math.min(100, Math.max(0, progress.percent)),
    links: PRESET_AMOUNTS.map((a) => ({ text: `Give ${formatMoney(toMinor(a, currency), currency)}`, href: `${deps.config.baseUrl}/?amount=${a}#main` })),
    closeLabel: 'Close the fundraiser banner',
    closeDays: deps.config.embed.closeDays,
  };
}

/** The data the script embed renders (GET /embed/banner.json). */
export function bannerJson(deps: AppDeps, progress: Progress): string {
  return JSON.stringify(bannerModel(deps, progress));
}

/** The iframe banner, shown. */
export function bannerHtml(deps: AppDeps, app: Application, progress: Progress): Promise<string> {
  return renderToString(app, 'embed/banner', { hidden: null, banner: bannerModel(deps, progress), title: 'Fundraiser' });
}

export function embedRoutes(deps: AppDeps): Router {
  const router = Router();
  const script = fs.readFileSync(path.join(PROJECT_ROOT, 'public/embed/embed.js'));
  const version = createHash('sha256').update(script).digest('hex').slice(0, 12);

  router.get('/embed.js', (req, res) => {
    // The versioned URL never changes content, so it may be cached for a year; the plain
    // one is revalidated hourly so hosts using it pick up new versions.
    res.set('Cache-Control', req.query.v === version ? 'public, max-age=31536000, immutable' : 'public, max-age=3600, stale-while-revalidate=86400');
    // Host pages on other origins load it with <script src>: helmet's default same-origin would block that.
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    res.type('application/javascript').send(script);
  });

  // GET /embed/banner.json, and the banner for readers who did not close it, are served by
  // the hot path (routes/hot-path.ts); this is the banner for a reader with the cookie.
  router.get('/embed/banner', cookieParser(), async (req, res) => {
    allowFramingByHosts(res, deps.config);
    res.set('Cache-Control', 'private, no-cache');
    res.vary('Cookie');
    const hidden = readHidden(req, deps.clock());
    if (hidden) return void res.render('embed/banner', { hidden, banner: null, title: 'Fundraiser' });
    res.type('html').send(await bannerHtml(deps, req.app, await deps.ledger.progress()));
  });

  // "Close" inside the iframe: a plain form, so it works without JavaScript.
  router.post('/embed/banner/close', (req, res) => {
    allowFramingByHosts(res, deps.config);
    const now = deps.clock();
    writeHidden(res, deps, { reason: 'close', at: now.toISOString(), until: new Date(now.getTime() + deps.config.embed.closeDays * 86_400_000).toISOString() });
    res.redirect(303, '/embed/banner');
  });

  router.get('/embed/demo', async (_req, res) => {
    res.render('embed/demo', { title: 'Demo host page', org: deps.config.fundraiser.orgName, scriptSrc: `/embed.js?v=${version}`, base: deps.config.baseUrl, noindex: true });
  });

  return router;
}
