// The organisation's details readers look for before they give (legal name, registration,
// address, privacy and contact, where the money goes): ORG_* settings, shown in the public
// pages' footer and on the thank-you page. Apart from the legal name (which defaults to
// FUNDRAISER_ORG_NAME), an unset one is simply not shown.
import { z } from 'zod';
import { parseSettings } from './config-error.ts';

export interface OrgDetails {
  readonly legalName: string;
  /** Registration or charity number and status, as written ("Registered charity 1234567"). */
  readonly registration: string | null;
  readonly address: string | null;
  readonly privacyUrl: string | null;
  /** An http(s) or mailto: URL (a bare e-mail address becomes mailto:), and what to show for it. */
  readonly contact: { readonly href: string; readonly text: string } | null;
  /** "Where the money goes": a short text, a page, or both. */
  readonly fundsText: string | null;
  readonly fundsUrl: string | null;
}

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .transform((v) => (v === '' ? null : v))
    .optional();

const webUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? null : v))
  .refine(
    (v) => v === null || isUrl(v, ['http:', 'https:']),
    'must be an absolute http(s) URL such as https://example.org/privacy',
  )
  .optional();

// A bare address: no scheme (so "mailto:a@b.c" is taken as a URL, not as an address).
const EMAIL = /^[^\s@<>":/]+@[^\s@<>":/]+\.[^\s@<>":/]+$/;

const schema = z.object({
  ORG_LEGAL_NAME: text(150),
  ORG_REGISTRATION: text(200),
  ORG_ADDRESS: text(300),
  ORG_PRIVACY_URL: webUrl,
  ORG_CONTACT: z
    .string()
    .trim()
    .transform((v) => (v === '' ? null : v))
    .refine(
      (v) => v === null || EMAIL.test(v) || isUrl(v, ['http:', 'https:', 'mailto:']),
      'must be an e-mail address, a mailto: URL or an absolute http(s) URL',
    )
    .optional(),
  ORG_FUNDS_TEXT: text(300),
  ORG_FUNDS_URL: webUrl,
});

function isUrl(v: string, protocols: string[]): boolean {
  try {
    const url = new URL(v);
    return protocols.includes(url.protocol) && (url.protocol === 'mailto:' ? EMAIL.test(url.pathname) : !!url.host);
  } catch {
    return false;
  }
}

function contactOf(v: string | null | undefined): OrgDetails['contact'] {
  if (!v) return null;
  if (EMAIL.test(v)) return { href: `mailto:${v}`, text: v };
  if (v.startsWith('mailto:')) return { href: v, text: decodeURIComponent(new URL(v).pathname) };
  return { href: v, text: 'Contact us' };
}

export function loadOrgDetails(env: Record<string, string | undefined>, orgName: string): OrgDetails {
  const e = parseSettings(schema, env);
  return Object.freeze({
    legalName: e.ORG_LEGAL_NAME ?? orgName,
    registration: e.ORG_REGISTRATION ?? null,
    address: e.ORG_ADDRESS ?? null,
    privacyUrl: e.ORG_PRIVACY_URL ?? null,
    contact: contactOf(e.ORG_CONTACT),
    fundsText: e.ORG_FUNDS_TEXT ?? null,
    fundsUrl: e.ORG_FUNDS_URL ?? null,
  });
}
