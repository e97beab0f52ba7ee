// The static files under public/, read once at start-up: each gets a content hash, its URL in
// the views carries it (/public/site.3f2a1c9b0d.css, through h.asset('site.css')) and is
// cached a year as immutable; its brotli and gzip forms are built here once. The plain URL
// (/public/site.css, or a hash from an older deploy) still answers, with the current file and
// a short cache. The icons browsers ask for at fixed root URLs are served from here too.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import etag from 'etag';
import fresh from 'fresh';
import { BROTLI_SMALLEST, chooseEncoding, compressedVariants, etagFor, type Encoding } from './middleware/encoding.ts';

export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** A plain or outdated URL: an hour, then revalidated with the ETag (the old static files' cache). */
export const SHORT_CACHE = 'public, max-age=3600';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};
// PNG and ICO are compressed already: a second compression only costs time.
const TEXT = new Set(['.css', '.js', '.svg', '.txt', '.json']);

/** Root URLs some clients ask for whatever the page says, and the file each one is. */
const ROOT_ALIASES: Record<string, string> = {
  '/favicon.ico': 'favicon.ico',
  '/apple-touch-icon.png': 'apple-touch-icon.png',
  '/apple-touch-icon-precomposed.png': 'apple-touch-icon.png',
  '/robots.txt': 'robots.txt',
};

interface Asset {
  type: string;
  hash: string;
  etag: string;
  /** The file as it is, and its compressed forms worth sending. */
  bodies: Partial<Record<Encoding, Buffer>>;
  available: Encoding[];
}

export interface Assets {
  /** The hashed URL of a file under public/ ('site.css', 'embed/banner.css'); throws for an unknown one. */
  url(name: string): string;
  /** GET/HEAD of /public/... and the root aliases; anything else goes on. */
  handler: RequestHandler;
}

function walk(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const name = prefix + d.name;
    if (d.isDirectory()) return walk(path.join(dir, d.name), `${name}/`);
    return d.isFile() && TYPES[path.extname(d.name)] ? [name] : [];
  });
}

function loadAsset(file: string): Asset {
  const body = fs.readFileSync(file);
  const ext = path.extname(file);
  const compressed = TEXT.has(ext) ? compressedVariants(body, BROTLI_SMALLEST) : {};
  return {
    type: TYPES[ext]!,
    hash: createHash('sha256').update(body).digest('hex').slice(0, 10),
    etag: etag(body),
    bodies: { identity: body, ...compressed },
    available: Object.keys(compressed) as Encoding[],
  };
}

/** "site.3f2a1c9b0d.css" -> ["site.css", "3f2a1c9b0d"]. */
function unhash(name: string): [string, string] | null {
  const m = /^(.*)\.([0-9a-f]{10})(\.[a-z0-9]+)$/.exec(name);
  return m ? [`${m[1]}${m[3]}`, m[2]!] : null;
}

export function loadAssets(root: string): Assets {
  const assets = new Map(walk(root).map((name) => [name, loadAsset(path.join(root, name))]));

  const send = (req: IncomingMessage, res: ServerResponse, asset: Asset, cache: string) => {
    const encoding = asset.available.length
      ? chooseEncoding(req.headers['accept-encoding'], asset.available)
      : 'identity';
    const body = asset.bodies[encoding]!;
    res.setHeader('Cache-Control', cache);
    res.setHeader('ETag', etagFor(asset.etag, encoding));
    if (asset.available.length) res.setHeader('Vary', 'Accept-Encoding');
    if (fresh(req.headers, { etag: etagFor(asset.etag, encoding) })) {
      res.statusCode = 304;
      return void res.end();
    }
    res.setHeader('Content-Type', asset.type);
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const handler: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const alias = ROOT_ALIASES[req.path];
    if (alias && assets.has(alias)) return send(req, res, assets.get(alias)!, SHORT_CACHE);
    if (!req.path.startsWith('/public/')) return next();
    const name = req.path.slice('/public/'.length);
    const plain = assets.get(name);
    if (plain) return send(req, res, plain, SHORT_CACHE);
    const hashed = unhash(name);
    const asset = hashed && assets.get(hashed[0]);
    if (!asset) return next();
    // A hash from an older deploy (a page cached before it) gets today's file, but not for a year.
    send(req, res, asset, asset.hash === hashed[1] ? IMMUTABLE_CACHE : SHORT_CACHE);
  };

  return {
    url(name) {
      const asset = assets.get(name);
      if (!asset) throw new Error(`no static file public/${name}`);
      const ext = path.extname(name);
      return `/public/${name.slice(0, -ext.length)}.${asset.hash}${ext}`;
    },
    handler,
  };
}
