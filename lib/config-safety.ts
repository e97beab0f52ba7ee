// The rules that keep a misconfigured site closed: which NODE_ENV values exist, when the Stripe
// emulator (which lets anyone "pay" and move the bar) may run, what TRUST_PROXY may say, and which
// host sites EMBED_ALLOWED_ORIGINS may name.
// Split from config.ts, which reads and shapes the values; these only refuse.
import { ConfigError } from './config-error.ts';

export type NodeEnv = 'production' | 'development' | 'test';

/** Unset is development; anything but the three names stops start-up (`prod` must not mean "not production"). */
export function nodeEnv(v: string | undefined): NodeEnv {
  if (v === undefined) return 'development';
  if (v === 'production' || v === 'development' || v === 'test') return v;
  throw new ConfigError(
    'NODE_ENV',
    `must be production, development or test (got ${JSON.stringify(v)}): an unknown value would not be treated as production`,
  );
}

/** localhost, 127.x.x.x or [::1]: a site only this machine can reach. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/**
 * Without a Stripe key the site runs against an emulator, so it must plainly be a development
 * setup: a loopback BASE_URL, or STRIPE_EMULATOR=1 said out loud (a shared test box), never in
 * production. Returns whether the emulator is allowed; throws when it is not and no key is set.
 */
export function checkEmulator(opts: {
  env: NodeEnv;
  baseUrl: string;
  secretKey: string | undefined;
  explicit: boolean;
}): void {
  if (opts.explicit && opts.env === 'production')
    throw new ConfigError(
      'STRIPE_EMULATOR',
      'must not be set when NODE_ENV=production (the emulator lets anyone "pay" without money)',
    );
  if (opts.explicit && opts.secretKey)
    throw new ConfigError('STRIPE_EMULATOR', 'must not be set together with STRIPE_SECRET_KEY (pick one)');
  if (opts.secretKey || opts.explicit || isLoopbackUrl(opts.baseUrl)) return;
  throw new ConfigError(
    'STRIPE_SECRET_KEY',
    `is required when BASE_URL is public (${opts.baseUrl}): set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, ` +
      'or STRIPE_EMULATOR=1 for a shared test box (anyone reaching it can make test gifts)',
  );
}

/** Express's `trust proxy` as a hop count or addresses; `true` (trust every hop) lets anyone spoof X-Forwarded-For. */
export function trustProxy(v: string | undefined): false | number | string {
  if (v === undefined || v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  if (v.toLowerCase() === 'true')
    throw new ConfigError(
      'TRUST_PROXY',
      "must be a hop count (1) or the proxies' addresses (loopback, 10.0.0.0/8), not true: trusting every hop lets any client choose its own address",
    );
  return v; // a list such as "loopback, 10.0.0.0/8"
}

/** EMBED_ALLOWED_ORIGINS: each an http(s) origin, or start-up stops naming the one that is not. */
export function embedOrigins(v: string | undefined): string[] {
  if (!v) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      let url: URL;
      try {
        url = new URL(s);
      } catch {
        throw new ConfigError(
          'EMBED_ALLOWED_ORIGINS',
          `must be a comma-separated list of origins such as https://forum.example.org (got ${JSON.stringify(s)})`,
        );
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new ConfigError('EMBED_ALLOWED_ORIGINS', `must use http or https (got ${JSON.stringify(s)})`);
      return url.origin;
    });
}
