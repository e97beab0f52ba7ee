// What the host site may fetch on every page view: the figures (/api/progress,
// /embed/banner.json), the iframe banner and the landing appeal. Each response is prebuilt:
// body, ETag and headers once per change of the ledger's figures (the ledger hands out the
// same frozen object until they change), the security headers once per process, so a request
// costs a lookup and a write. Variants go on to the Express routes: the banner for a reader
// who closed it (a cookie), the appeal with a choice in its query, other methods.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Application } from 'express';
import etag from 'etag';
import fresh from 'fresh';
import type { AppDeps } from '../lib/wiring.ts';
import type { Progress } from '../lib/ledger/ledger.ts';
import { framableBy } from './middleware/security-headers.ts';
import { PerFigures } from './per-figures.ts';
import { SHORT_PUBLIC_CACHE } from './middleware/public-cache.ts';
import { bannerHtml, bannerJson, HIDE_COOKIE } from './embed.ts';
import { progressJson } from './api.ts';
import type { LandingPage } from './appeal-page.ts';

/** Answers a hot request, or calls next() to pass it on (next(err) when answering failed). Plain node:http, so it runs ahead of Express too. */
export type HotPath = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

interface Prebuilt {
  body: Buffer;
  headers: Record<string, string>;
  /** Headers of a 304: the same minus the body's. */
  notModified: Record<string, string>;
}

type Hot = '/api/progress' | '/embed/banner.json' | '/embed/banner' | '/';

export function hotPath(deps: AppDeps, app: Application, security: Record<string, string>, landing: LandingPage): HotPath {
  const framable = framableBy(security, deps.config.embed.allowedOrigins);
  const allowed = new Set(deps.config.embed.allowedOrigins);

  const prebuild = (body: string, type: string, base: Record<string, string>, extra: Record<string, string>): Prebuilt => {
    const buf = Buffer.from(body);
    const tag = etag(buf, { weak: true });
    const notModified = { ...base, ...extra, etag: tag };
    return { body: buf, notModified, headers: { ...notModified, 'content-type': type, 'content-length': String(buf.length) } };
  };
  const JSON_TYPE = 'application/json; charset=utf-8';
  const HTML_TYPE = 'text/html; charset=utf-8';
  // The figures are public: any cache may keep them a few seconds, and host sites may read them.
  const figuresHeaders = { 'cache-control': SHORT_PUBLIC_CACHE, vary: 'Origin' };

  const caches = {
    '/api/progress': new PerFigures<Prebuilt>(),
    '/embed/banner.json': new PerFigures<Prebuilt>(),
    '/embed/banner': new PerFigures<Prebuilt>(),
  };
  const build: Record<Exclude<Hot, '/'>, (p: Progress) => Promise<Prebuilt> | Prebuilt> = {
    '/api/progress': (p) => prebuild(progressJson(p), JSON_TYPE, security, figuresHeaders),
    '/embed/banner.json': (p) => prebuild(bannerJson(deps, p), JSON_TYPE, security, figuresHeaders),
    // Shown or hidden depends on the reader's cookie, so no shared cache may keep it (the
    // script embed's banner.json is the CDN-friendly one); the ETag still makes reloads cheap.
    '/embed/banner': async (p) => prebuild(await bannerHtml(deps, app, p), HTML_TYPE, framable, { 'cache-control': 'private, no-cache', vary: 'Cookie' }),
  };
  const counters = Object.fromEntries(
    (['/api/progress', '/embed/banner.json', '/embed/banner', '/'] as Hot[]).map((r) => [r, { ok: deps.metrics.hotRequests.labels(r, '200'), same: deps.metrics.hotRequests.labels(r, '304') }]),
  ) as Record<Hot, { ok: { inc(): void }; same: { inc(): void } }>;

  const send = (req: IncomingMessage, res: ServerResponse, route: Exclude<Hot, '/'>, prebuilt: Prebuilt) => {
    const cors = route !== '/embed/banner' && allowedOrigin(req);
    if (fresh(req.headers, { etag: prebuilt.notModified.etag })) {
      counters[route].same.inc();
      res.writeHead(304, cors ? { ...prebuilt.notModified, ...corsHeaders(cors) } : prebuilt.notModified);
      return void res.end();
    }
    counters[route].ok.inc();
    res.writeHead(200, cors ? { ...prebuilt.headers, ...corsHeaders(cors) } : prebuilt.headers);
    res.end(req.method === 'HEAD' ? undefined : prebuilt.body);
  };
  const allowedOrigin = (req: IncomingMessage): string | false => {
    const origin = req.headers.origin;
    return origin !== undefined && allowed.has(origin) ? origin : false;
  };

  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const url = req.url ?? '';
    const path = pathOf(url);
    let route: Exclude<Hot, '/'>;
    if (path === '/api/progress' || path === '/embed/banner.json') route = path;
    else if (path === '/embed/banner' && !req.headers.cookie?.includes(`${HIDE_COOKIE}=`)) route = path;
    // Any query string may choose an amount or carry a notice: the Express route renders it.
    else if (url === '/') return void landing(req, res).then(() => counters['/'].ok.inc(), next);
    else return next();
    deps.ledger
      .progress()
      .then((p) => caches[route].get(p, () => build[route](p)))
      .then((prebuilt) => send(req, res, route, prebuilt))
      .catch(next);
  };
}

/** A request URL without its query string. */
export function pathOf(url: string | undefined): string {
  const u = url ?? '';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'ETag' };
}
