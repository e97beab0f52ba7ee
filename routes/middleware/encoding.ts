// Content-Encoding for bodies built once and sent many times (the fast lane's per revision, the
// static assets' at start-up): which encoding a request accepts (br > gzip > identity, its
// q-values honoured), the compressed variants themselves, and gzip around a value spliced in
// per response (the appeal's form id) without compressing per request.
import { BoundedCache } from '../../lib/bounded-cache.ts';
import zlib from 'node:zlib';
import Negotiator from 'negotiator';

export type Encoding = 'br' | 'gzip' | 'identity';

/** Below about one TCP packet compression saves no round trip (the `compression` middleware's default too). */
export const COMPRESS_MIN_BYTES = 1024;

/** Quality 4 takes ~0.15 ms for a 4 KB page; 5 and up take ten times that for a few per cent (measured). */
export const BROTLI_FAST = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };
/** Built once at start-up: the smallest. */
export const BROTLI_SMALLEST = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } };

// negotiator 1.x takes a tie-break order (br before gzip at equal q); its published types predate it.
type EncodingsWithPreferred = (available: readonly string[], options: { preferred: readonly string[] }) => string[];
const PREFERRED: Encoding[] = ['br', 'gzip', 'identity'];
// Browsers send a handful of distinct Accept-Encoding values; parsing one costs more than the lookup.
const chosen = new BoundedCache<string, Encoding>(256);

/**
 * The encoding to send among those `available` (identity always is): the one the request
 * prefers by q-value, br before gzip at equal q. When nothing acceptable is available
 * (`identity;q=0` with no match), identity all the same (RFC 9110 allows it; a 406 helps no one).
 */
export function chooseEncoding(acceptEncoding: string | undefined, available: readonly Encoding[]): Encoding {
  if (!acceptEncoding || available.length === 0) return 'identity';
  // Two compressed encodings on offer can only be br and gzip: the header alone is the key.
  const key = available.length === 2 ? acceptEncoding : `${available[0]}|${acceptEncoding}`;
  return chosen.get(key, () => {
    const offered = PREFERRED.filter((e) => e === 'identity' || available.includes(e));
    const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } });
    const best = (negotiator.encodings as unknown as EncodingsWithPreferred).call(negotiator, offered, {
      preferred: PREFERRED,
    })[0];
    return (best as Encoding | undefined) ?? 'identity';
  });
}

/** The compressed forms of `body` worth sending: none below COMPRESS_MIN_BYTES, none not smaller. */
export function compressedVariants(body: Buffer, brotli = BROTLI_FAST): Partial<Record<'br' | 'gzip', Buffer>> {
  if (body.length < COMPRESS_MIN_BYTES) return {};
  const out: Partial<Record<'br' | 'gzip', Buffer>> = {};
  const br = zlib.brotliCompressSync(body, brotli);
  if (br.length < body.length) out.br = br;
  const gzip = zlib.gzipSync(body, { level: 9 });
  if (gzip.length < body.length) out.gzip = gzip;
  return out;
}

/** An ETag per encoding: a cache must never answer a gzip request's If-None-Match with the identity body. */
export function etagFor(etag: string, encoding: Encoding): string {
  return encoding === 'identity' ? etag : etag.replace(/"$/, `-${encoding}"`);
}

/**
 * gzip of `before + value + after`, with the value (always `bytes` long) given per response:
 * the two parts are compressed once, the value travels in a stored (uncompressed) deflate
 * block between them, and only the CRC is computed per response, from the value's 36 bytes
 * and a precomputed linear map over `after` (CRC-32 is affine in its starting state).
 * Brotli cannot do this: its decoder carries state (the last distances, the literal context)
 * from one block into the next, so a block compressed on its own cannot follow a spliced one.
 */
export interface SplicedGzip {
  /** gzip header, `before` deflated and flushed to a byte boundary, a stored block's header. */
  head: Buffer;
  /** `after` deflated as the final block. */
  tail: Buffer;
  /** The CRC-32 and length of the whole, for this value. */
  trailer(value: string): Buffer;
}

export function splicedGzip(before: Buffer, after: Buffer, bytes: number): SplicedGzip {
  if (bytes > 0xffff) throw new Error('a spliced value must fit one stored block (64 KB)');
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  // A sync flush ends on a byte boundary with no final block: a stored block may follow.
  const first = zlib.deflateRawSync(before, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  // Stored block: BFINAL=0, BTYPE=00, padded to the byte; LEN and its one's complement (little-endian).
  const stored = Buffer.from([0, bytes & 0xff, bytes >> 8, ~bytes & 0xff, (~bytes >> 8) & 0xff]);
  // A fresh deflate stream refers to nothing before it, so it may follow any bytes.
  const tail = zlib.deflateRawSync(after, { level: 9 });
  const crcBefore = zlib.crc32(before);
  const afterFromZero = zlib.crc32(after, 0);
  const columns = Array.from({ length: 32 }, (_, bit) => (zlib.crc32(after, (1 << bit) >>> 0) ^ afterFromZero) >>> 0);
  const size = (before.length + bytes + after.length) >>> 0;
  return {
    head: Buffer.concat([header, first, stored]),
    tail,
    trailer(value) {
      const state = zlib.crc32(value, crcBefore);
      let crc = afterFromZero;
      for (let bit = 0; bit < 32; bit++) if (state & (1 << bit)) crc ^= columns[bit]!;
      const out = Buffer.allocUnsafe(8);
      out.writeUInt32LE(crc >>> 0, 0);
      out.writeUInt32LE(size, 4);
      return out;
    },
  };
}
