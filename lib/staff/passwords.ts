// Passwords are hashed with scrypt (memory-hard, in node's standard library) and a random
// salt; the stored string carries its parameters so they can be raised later.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// scrypt runs on libuv's thread pool (4 threads), which also reads files (static files, log
// lines) and looks up host names (Stripe's API). A brute force has hundreds of checks waiting;
// let through, they held the whole pool (npm run bench:abuse: a reader's stylesheet waited 99 s,
// log lines stalled). At most two run at once; the rest wait here, in turn.
const MAX_RUNNING = 2;
let running = 0;
const waiting: Array<() => void> = [];

async function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  if (running < MAX_RUNNING) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing check hands over its turn
  try {
    return await new Promise<Buffer>((resolve, reject) =>
      scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
    );
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

// N=2^15, r=8: 32 MiB and roughly 50-100 ms per check, OWASP's recommendation for scrypt.
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
const maxmem = 64 * 1024 * 1024;

export const MIN_PASSWORD_LENGTH = 12;

// scrypt keys its HMAC with the password padded with zero bytes, so "pw" and "pw\0" hash alike:
// a password holding NUL is never set, and never matches.
const NUL = '\u0000';

export async function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new Error(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.includes(NUL)) throw new Error('a password cannot hold a NUL character');
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem,
  });
  // Checked after the work, so that such a guess takes as long as any other.
  return timingSafeEqual(actual, expected) && !password.includes(NUL);
}

/** A hash of nothing, checked when the e-mail is unknown so both cases take the same time. */
export const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
