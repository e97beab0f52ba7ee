// The fast lane: what the host site fetches on every page view (the figures, the banner, the
// landing appeal), answered on node:http ahead of Express from prebuilt responses. Each
// route file declares its own entries (a path and a body built from the figures); this
// engine keeps each body, its ETag and headers once per revision of the figures and language (and its
// brotli and gzip forms, compressed on first demand, once per revision, with an ETag each),
// chooses the encoding by Accept-Encoding, answers If-None-Match with 304, adds CORS for host
// sites, and writes. A request is a lookup and a write. What an entry does not serve (another method, a cookie, a query that chooses
// something) goes on to Express, which never runs the fast lane again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import etag from 'etag';
import fresh from 'fresh';
import type { AppDeps } from '../lib/wiring.ts';
import type { Progress } from '../lib/ledger/types.ts';
import type { Language } from '../lib/i18n/languages.ts';
import {
  BROTLI_FAST,
  chooseEncoding,
  COMPRESS_MIN_BYTES,
  etagFor,
  splicedGzip,
  type Encoding,
} from './middleware/encoding.ts';

export interface FastEntry {
  /** The path as routePath() gives it: lower case, no trailing slash, no query. */
  path: string;
  /** The plain request this entry serves; a variant (a cookie, a query) goes on to Express. */
  serves?(req: IncomingMessage): boolean;
  type: 'json' | 'html';
  /** Headers besides the body's own: security, caching, Vary (per variant, when they differ by it). */
  headers: Record<string, string> | ((variant: string) => Record<string, string>);
  /** Host sites in EMBED_ALLOWED_ORIGINS may read it from a browser. */
  cors?: boolean;
  /**
   * The language this request gets, for a body that has words in it: such a body is kept per
   * revision and language (and says its language in Content-Language).
   */
  language?(req: IncomingMessage): Language;
  /** The currency the request's form shows first (the appeal): the body is kept per currency too. */
  currency?(req: IncomingMessage): string;
  /**
   * The experiment's variant this request is shown (and counted for), as a key: the body and its
   * headers (a new reader's cookie: see `headers`) are kept per variant too.
   */
  variant?(req: IncomingMessage): string;
  /** The body for these figures (in this language, currency and variant): built once per revision and variant. */
  body(progress: Progress, lang: Language, currency?: string, variant?: string): Promise<string> | string;
  /**
   * A fresh value per response, written where `slot` stands (the appeal's form id), always
   * `bytes` long, so the headers are built once too. Such a body has no ETag.
   */
  splice?: { slot: string; value(): string; bytes: number };
}

/** Answers a fast request and returns true, or returns false to let Express have it. */
export type FastLane = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
export type FastLaneError = (req: IncomingMessage, res: ServerResponse, err: unknown, type: FastEntry['type']) => void;

/** Bodies kept per entry (languages x currencies x variants x new-reader or not, with room). */
const KEPT_MAX = 512;

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

/** One encoding of a prebuilt body. */
interface Variant {
  /** One part, or the parts around the spliced value. */
  parts: Buffer[];
  /** gzip around a spliced value ends with the CRC of the whole, per response. */
  trailer?: (value: string) => Buffer;
  headers: Record<string, string>;
  /** Headers of a 304: the same minus the body's (only for bodies with an ETag). */
  notModified: Record<string, string> | null;
}

interface Prebuilt {
  /** The compressed encodings this body is sent in (none when small). */
  available: Encoding[];
  /** The body in an encoding: compressed on first demand, once per revision. */
  variant(encoding: Encoding): Variant;
}

function withVary(headers: Record<string, string>, compressed: boolean): Record<string, string> {
  if (!compressed) return headers;
  return { ...headers, vary: headers.vary ? `${headers.vary}, Accept-Encoding` : 'Accept-Encoding' };
}

function prebuild(entry: FastEntry, text: string, lang: Language, variant: string): Prebuilt {
  const compressible = Buffer.byteLength(text) >= COMPRESS_MIN_BYTES;
  const own = typeof entry.headers === 'function' ? entry.headers(variant) : entry.headers;
  const headers = entry.language ? { ...own, 'content-language': lang } : own;
  const withVaried = withVary(headers, compressible);
  const base = { ...withVaried, 'content-type': TYPES[entry.type] };
  const variants = new Map<Encoding, Variant>();
  let build: (encoding: Encoding) => Variant;
  let available: Encoding[];

  if (entry.splice) {
    const { slot, value, bytes } = entry.splice;
    const parts = text.split(slot).map((part) => Buffer.from(part));
    if (parts.length !== 2)
      throw new Error(`${entry.path}: the body must hold its slot exactly once (found ${parts.length - 1})`);
    if (Buffer.byteLength(value()) !== bytes)
      throw new Error(`${entry.path}: the spliced value is not ${bytes} bytes long`);
    const [before, after] = parts as [Buffer, Buffer];
    // Only gzip can carry a value spliced into a body compressed once (see splicedGzip).
    available = compressible ? ['gzip'] : [];
    build = (encoding) => {
      if (encoding === 'identity') {
        const length = before.length + bytes + after.length;
        return { parts, headers: { ...base, 'content-length': String(length) }, notModified: null };
      }
      const gz = splicedGzip(before, after, bytes);
      const length = gz.head.length + bytes + gz.tail.length + 8;
      const headers = { ...base, 'content-encoding': 'gzip', 'content-length': String(length) };
      return { parts: [gz.head, gz.tail], trailer: gz.trailer, headers, notModified: null };
    };
  } else {
    const body = Buffer.from(text);
    const tag = etag(body, { weak: true });
    available = compressible ? ['br', 'gzip'] : [];
    build = (encoding) => {
      const encoded =
        encoding === 'br'
          ? zlib.brotliCompressSync(body, BROTLI_FAST)
          : encoding === 'gzip'
            ? zlib.gzipSync(body, { level: 9 })
            : body;
      const notModified = { ...withVaried, etag: etagFor(tag, encoding) };
      const coding: Record<string, string> = encoding === 'identity' ? {} : { 'content-encoding': encoding };
      const headers = { ...base, ...notModified, ...coding, 'content-length': String(encoded.length) };
      return { parts: [encoded], headers, notModified };
    };
  }
  return {
    available,
    variant(encoding) {
      let v = variants.get(encoding);
      if (!v) variants.set(encoding, (v = build(encoding)));
      return v;
    },
  };
}

export function fastLane(deps: AppDeps, entries: FastEntry[], onError: FastLaneError): FastLane {
  const allowed = new Set(deps.config.embed.allowedOrigins);
  const { defaultLanguage } = deps.config.i18n;
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
      // One body per language, currency and variant (at most the site's few of each), each for the
      // latest revision it was asked for. Past experiments' variants are let go, oldest first.
      const kept = new Map<string, { revision: number; value: Promise<Prebuilt> }>();
      // Built once per revision of the figures and variant, for every concurrent caller; a failed build is not kept.
      const prebuilt = (
        progress: Progress,
        lang: Language,
        currency: string | undefined,
        variant: string,
      ): Promise<Prebuilt> => {
        const key = `${lang}|${currency ?? ''}|${variant}`;
        let mine = kept.get(key);
        if (mine?.revision !== progress.revision) {
          // Rebuilt keys move to the end, so the first key is the one unused longest (a past
          // experiment's variant, a language nobody asked for since): it goes when the map is full.
          if (mine) kept.delete(key);
          else if (kept.size >= KEPT_MAX) kept.delete(kept.keys().next().value!);
          const value = Promise.resolve(entry.body(progress, lang, currency, variant)).then((text) =>
            prebuild(entry, text, lang, variant),
          );
          const built = { revision: progress.revision, value };
          kept.set(key, (mine = built));
          value.catch(() => {
            if (kept.get(key) === built) kept.delete(key);
          });
        }
        return mine.value;
      };

      const send = (req: IncomingMessage, res: ServerResponse, prebuilt: Prebuilt) => {
        const cors = entry.cors ? corsOf(req) : null;
        const encoding = prebuilt.available.length
          ? chooseEncoding(req.headers['accept-encoding'], prebuilt.available)
          : 'identity';
        const b = prebuilt.variant(encoding);
        if (b.notModified && fresh(req.headers, { etag: b.notModified.etag })) {
          counted.same.inc();
          res.writeHead(304, cors ? { ...b.notModified, ...cors } : b.notModified);
          return void res.end();
        }
        counted.ok.inc();
        res.writeHead(200, cors ? { ...b.headers, ...cors } : b.headers);
        if (req.method === 'HEAD') return void res.end();
        if (!entry.splice) return void res.end(b.parts[0]);
        // Corked, the parts leave in one write without being copied together.
        const value = entry.splice.value();
        res.cork();
        res.write(b.parts[0]);
        res.write(value);
        if (!b.trailer) return void res.end(b.parts[1]);
        res.write(b.parts[1]);
        res.end(b.trailer(value));
      };
      return [entry.path, { entry, prebuilt, send }] as const;
    }),
  );

  return (req, res, path) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const lane = lanes.get(path);
    if (!lane || (lane.entry.serves && !lane.entry.serves(req))) return false;
    const lang = lane.entry.language ? lane.entry.language(req) : defaultLanguage;
    const currency = lane.entry.currency?.(req);
    const variant = lane.entry.variant?.(req) ?? '';
    let progress: Promise<Progress>;
    try {
      progress = deps.ledger.progress();
    } catch (err) {
      progress = Promise.reject(err);
    }
    progress
      .then((p) => lane.prebuilt(p, lang, currency, variant))
      .then((b) => lane.send(req, res, b))
      .catch((err) => {
        try {
          onError(req, res, err, lane.entry.type);
        } catch {
          // The error page failed too: no answer is better than a process brought down by it.
          res.destroy();
        }
      });
    return true;
  };
}
