// Which variant a reader sees. The appeal's choice is made at random once, by the shares, and
// kept in a first-party cookie holding only "<experiment>.<variant>" (no id of the reader); a
// reader without cookies gets a new draw per page view. The banner draws per page view (its
// frame sits on other sites, where this site's cookies are not the reader's to keep). A form
// says the variant it was shown with; a value that names no variant of the running experiment
// is treated as none: the default appeal, counted nowhere.
import type { Experiment, Variant } from './rules.ts';

export const APPEAL_COOKIE = 'fr_exp';
/** The form fields and the banner links' query parameter that carry a variant. */
export const APPEAL_FIELD = 'appeal_variant';
export const BANNER_FIELD = 'banner_variant';
export const BANNER_QUERY = 'bv';

const REF = /^(\d{1,9})\.([a-d])$/;

/** "12.b": experiment 12, variant b. */
export const refOf = (experiment: Experiment, variant: Variant) => `${experiment.id}.${variant.key}`;

export function parseRef(raw: unknown): { experimentId: number; key: string } | null {
  const m = typeof raw === 'string' ? REF.exec(raw) : null;
  return m ? { experimentId: Number(m[1]), key: m[2]! } : null;
}

/** The running experiment's variant a form or link names; null for anything else. */
export function variantNamed(running: Experiment | null, raw: unknown): Variant | null {
  const ref = parseRef(raw);
  if (!running || !ref || ref.experimentId !== running.id) return null;
  return running.variants.find((v) => v.key === ref.key) ?? null;
}

/** A draw by the shares (percent). */
export function draw(experiment: Experiment, random: () => number = Math.random): Variant {
  let r = random() * 100;
  for (const v of experiment.variants) {
    if (r < v.share) return v;
    r -= v.share;
  }
  return experiment.variants[experiment.variants.length - 1]!;
}

// Crawlers and link previews fetch the appeal without keeping cookies: each fetch would be a new
// "reader" in a variant and dilute every conversion rate. They see the default and are not counted.
// "bot/" or "bot;" (Googlebot/2.1, AhrefsBot;), not a phone named CUBOT; "+http" is how crawlers sign.
const ROBOT = /bot[/;]|\+https?:|crawl|spider|slurp|preview|facebookexternalhit|lighthouse|curl\/|wget|python|go-http/i;

/** A User-Agent that names a crawler or a tool. */
export function isRobot(userAgent: string | undefined): boolean {
  return userAgent !== undefined && ROBOT.test(userAgent);
}

/** One cookie's value from a Cookie header, without parsing the rest. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  // The name where a cookie starts (another cookie may end with it: xfr_exp=...).
  for (let at = header.indexOf(`${name}=`); at !== -1; at = header.indexOf(`${name}=`, at + 1)) {
    if (at > 0 && header[at - 1] !== ' ' && header[at - 1] !== ';') continue;
    const start = at + name.length + 1;
    const end = header.indexOf(';', start);
    return header.slice(start, end === -1 ? undefined : end).trim();
  }
  return undefined;
}

export type Assignment =
  /** No experiment, or a forged cookie: the default appeal. */
  { variant: null; fresh: false } | { variant: Variant; fresh: boolean };

/**
 * The appeal's variant for a request: the cookie's when it names one of the running
 * experiment's; a new draw when there is none or it is from an earlier experiment; none when it
 * names this experiment but no variant of it (forged).
 */
export function appealAssignment(running: Experiment | null, cookie: string | undefined): Assignment {
  if (!running) return { variant: null, fresh: false };
  const ref = cookie === undefined ? null : parseRef(cookie);
  if (ref && ref.experimentId !== running.id) return { variant: draw(running), fresh: true };
  if (cookie !== undefined && !ref) return { variant: null, fresh: false };
  if (!ref) return { variant: draw(running), fresh: true };
  const variant = running.variants.find((v) => v.key === ref.key);
  return variant ? { variant, fresh: false } : { variant: null, fresh: false };
}

/** The Checkout Session's metadata keys that carry the variants a gift was started from. */
export const METADATA_VARIANT = { appeal: 'exp_appeal', banner: 'exp_banner' } as const;

export interface GiftVariant {
  experimentId: number;
  variant: string;
}

/** The variants a session's (or subscription's) metadata names; anything malformed is no variant. */
export function variantsOfMetadata(metadata: Record<string, string> | null | undefined): GiftVariant[] {
  const out: GiftVariant[] = [];
  for (const key of Object.values(METADATA_VARIANT)) {
    const ref = parseRef(metadata?.[key]);
    if (ref && !out.some((v) => v.experimentId === ref.experimentId))
      out.push({ experimentId: ref.experimentId, variant: ref.key });
  }
  return out;
}
