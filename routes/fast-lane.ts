// The fast lane: what the host site fetches on every page view (the figures, the banner, the
// landing appeal), answered on node:http ahead of Express from prebuilt responses. Each
// route file declares its own entries (a path and a body built from the figures); this
// engine keeps each body, its ETag and headers once per revision of the figures, answers
// If-None-Match with 304, adds CORS for host sites, and writes. A request is a lookup and a
// write. What an entry does not serve (another method, a cookie, a query that chooses
// something) goes on to Express, which never runs the fast lane again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import etag from 'etag';
import fresh from 'fresh';
import type { AppDeps } from '../lib/wiring.ts';
import type { Progress } from '../lib/ledger/types.ts';

export interface FastEntry {
  /** The path as routePath() gives it: lower case, no trailing slash, no query. */
  path: string;
  /** The plain request this entry serves; a variant (a cookie, a query) goes on to Express. */
  serves?(req: IncomingMessage): boolean;
  type: 'json' | 'html';
  /** Headers besides the body's own: security, caching, Vary. */
  headers: Record<string, string>;
  /** Host sites in EMBED_ALLOWED_ORIGINS may read it from a browser. */
  cors?: boolean;
  /** The body for these figures: built once per revision. */
  body(progress: Progress): Promise<string> | string;
  /**
   * A fresh value per response, written where `slot` stands (the appeal's form id), always
   * `bytes` long, so the headers are built once too. Such a body has no ETag.
   */
  splice?: { slot: string; value(): string; bytes: number };
}

/** Answers a fast request and returns true, or returns false to let Express have it. */
export type FastLane = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
export type FastLaneError = (req: IncomingMessage, res: ServerResponse, err: unknown, type: FastEntry['type']) => void;

const TYPES = { json: 'application/json; charset=utf-8', html: 'text/html; charset=utf-8' };

/** A request URL without its query string. */
function pathOf(url: string | undefined): string {
  const u = url ?? '';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

/** The path as Express matches routes: any letter case, one trailing slash, any query. */
export function routePath(url: string | undefined): string {
  const path = pathOf(url).toLowerCase();
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

interface Prebuilt {
  /** One part, or the parts around the spliced value. */
  parts: Buffer[];
  headers: Record<string, string>;
  /** Headers of a 304: the same minus the body's (only for bodies with an ETag). */
  notModified: Record<string, string> | null;
}

function prebuild(entry: FastEntry, text: string): Prebuilt {
  const base = { ...entry.headers, 'content-type': TYPES[entry.type] };
  if (entry.splice) {
    const { slot, value, bytes } = entry.splice;
    const parts = text.split(slot).map((part) => Buffer.from(part));
    if (parts.length !== 2)
      throw new Error(`${entry.path}: the body must hold its slot exactly once (found ${parts.length - 1})`);
    if (Buffer.byteLength(value()) !== bytes)
      throw new Error(`${entry.path}: the spliced value is not ${bytes} bytes long`);
    const length = parts[0]!.length + bytes + parts[1]!.length;
    return { parts, headers: { ...base, 'content-length': String(length) }, notModified: null };
  }
  const body = Buffer.from(text);
  const notModified = { ...entry.headers, etag: etag(body, { weak: true }) };
  return { parts: [body], notModified, headers: { ...base, ...notModified, 'content-length': String(body.length) } };
}

export function fastLane(deps: AppDeps, entries: FastEntry[], onError: FastLaneError): FastLane {
  const allowed = new Set(deps.config.embed.allowedOrigins);
  const corsOf = (req: IncomingMessage): Record<string, string> | null => {
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) return null;
    return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'ETag' };
  };

  const lanes = new Map(
    entries.map((entry) => {
      const counted = {
        ok: deps.metrics.fastLaneRequests.labels(entry.path, '200'),
        same: deps.metrics.fastLaneRequests.labels(entry.path, '304'),
      };
      let kept: { revision: number; value: Promise<Prebuilt> } | null = null;
      // Built once per revision of the figures, for every concurrent caller; a failed build is not kept.
      const prebuilt = (progress: Progress): Promise<Prebuilt> => {
        if (kept?.revision !== progress.revision) {
          const value = Promise.resolve(entry.body(progress)).then((text) => prebuild(entry, text));
          const mine = { revision: progress.revision, value };
          kept = mine;
          value.catch(() => {
            if (kept === mine) kept = null;
          });
        }
        return kept.value;
      };

      const send = (req: IncomingMessage, res: ServerResponse, b: Prebuilt) => {
        const cors = entry.cors ? corsOf(req) : null;
        if (b.notModified && fresh(req.headers, { etag: b.notModified.etag })) {
          counted.same.inc();
          res.writeHead(304, cors ? { ...b.notModified, ...cors } : b.notModified);
          return void res.end();
        }
        counted.ok.inc();
        res.writeHead(200, cors ? { ...b.headers, ...cors } : b.headers);
        if (req.method === 'HEAD') return void res.end();
        if (!entry.splice) return void res.end(b.parts[0]);
        // Corked, the three parts leave in one write without being copied together.
        res.cork();
        res.write(b.parts[0]);
        res.write(entry.splice.value());
        res.end(b.parts[1]);
      };
      return [entry.path, { entry, prebuilt, send }] as const;
    }),
  );

  return (req, res, path) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const lane = lanes.get(path);
    if (!lane || (lane.entry.serves && !lane.entry.serves(req))) return false;
    let progress: Promise<Progress>;
    try {
      progress = deps.ledger.progress();
    } catch (err) {
      progress = Promise.reject(err);
    }
    progress
      .then(lane.prebuilt)
      .then((b) => lane.send(req, res, b))
      .catch((err) => onError(req, res, err, lane.entry.type));
    return true;
  };
}
