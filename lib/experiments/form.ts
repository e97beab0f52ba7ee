// The staff form for a new experiment, both ways: a posted form into a draft (or the refusal
// of a value that is not even a number), and a draft back into the form's fields when it is
// shown again with its refusal. Four variant slots (a-d); a slot with anything in it counts.
import type { Language } from '../i18n/languages.ts';
import { LIMITS, VARIANT_KEYS, type Draft, type Overrides, type Surface, type Variant } from './rules.ts';

type Body = Record<string, unknown>;
export type FormFields = Record<string, string>;

const text = (v: unknown, max: number) =>
  typeof v === 'string'
    ? v
        .replace(/\r\n?/g, '\n')
        .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, '')
        .trim()
        .slice(0, max)
    : '';
const line = (v: unknown, max: number) => text(v, max).replace(/\s+/g, ' ');

/** "5, 10, 25" -> [5, 10, 25]; '' -> undefined; anything else -> null. */
function amounts(raw: string): number[] | undefined | null {
  if (!raw) return undefined;
  if (!/^\d{1,9}(\s*,\s*\d{1,9})*$/.test(raw)) return null;
  return [...new Set(raw.split(',').map((n) => Number(n.trim())))].sort((a, b) => a - b);
}

function amount(raw: string): number | undefined | null {
  if (!raw) return undefined;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : null;
}

function perLanguage<T>(languages: readonly Language[], read: (lang: Language) => T | undefined) {
  const out: Partial<Record<Language, T>> = {};
  for (const lang of languages) {
    const v = read(lang);
    if (v !== undefined) out[lang] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

export type ParsedForm = { ok: true; draft: Draft } | { ok: false; error: string; fields: FormFields };

/** Every field the form posted, as text, to show it again as it was typed. */
function echo(body: Body): FormFields {
  const out: FormFields = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && k !== '_csrf') out[k] = v.slice(0, 5000);
  return out;
}

export function parseExperimentForm(body: Body, languages: readonly Language[]): ParsedForm {
  const surface: Surface = body.surface === 'banner' ? 'banner' : 'appeal';
  const refuse = (error: string): ParsedForm => ({ ok: false, error, fields: echo(body) });
  const variants: Variant[] = [];
  for (const slot of VARIANT_KEYS) {
    const f = (name: string) => body[`${slot}_${name}`];
    const o: Overrides = {};
    const headline = perLanguage(languages, (l) => line(f(`headline_${l}`), LIMITS.headline * 2) || undefined);
    const letter = perLanguage(languages, (l) => {
      // Read with room to spare, so a letter over the limits is refused (tooLong), never cut short.
      const paragraphs = text(f(`letter_${l}`), LIMITS.paragraph * LIMITS.paragraphs * 2)
        .split(/\n\s*\n/)
        .map((p) => p.replace(/\s+/g, ' ').trim())
        .filter(Boolean);
      return paragraphs.length ? paragraphs : undefined;
    });
    const banner = perLanguage(languages, (l) => line(f(`banner_${l}`), LIMITS.banner * 2) || undefined);
    // Kept whatever the surface: rules.ts refuses a change the surface does not show, in words.
    if (headline) o.headline = headline;
    if (letter) o.letter = letter;
    if (banner) o.banner = banner;
    const label = `Variant ${slot.toUpperCase()}`;
    const presets: NonNullable<Overrides['presets']> = {};
    const defaults: NonNullable<Overrides['defaults']> = {};
    for (const frequency of ['once', 'monthly'] as const) {
      const tiles = amounts(line(f(frequency), 200));
      if (tiles === null)
        return refuse(
          `${label}: write the ${frequency} amounts as whole numbers separated by commas, such as 5, 10, 25.`,
        );
      if (tiles) presets[frequency] = tiles;
      const chosen = amount(line(f(`default_${frequency}`), 20));
      if (chosen === null) return refuse(`${label}: the preselected ${frequency} amount must be a whole number.`);
      if (chosen !== undefined) defaults[frequency] = chosen;
    }
    if (Object.keys(presets).length) o.presets = presets;
    if (Object.keys(defaults).length) o.defaults = defaults;
    const name = line(f('name'), LIMITS.name * 2);
    const shareText = line(f('share'), 10);
    if (!name && !shareText && !Object.keys(o).length) continue;
    const share = /^\d{1,3}$/.test(shareText) ? Number(shareText) : NaN;
    if (Number.isNaN(share)) return refuse(`${label}'s share must be a whole percent, such as 50.`);
    variants.push({ key: VARIANT_KEYS[variants.length]!, name, share, overrides: o });
  }
  // The limits on lengths are checked here, where the typed text still is (rules.ts checks the rest).
  for (const v of variants) {
    const long = tooLong(v.overrides);
    if (long) return refuse(`Variant ${v.key.toUpperCase()}: ${long}`);
  }
  return { ok: true, draft: { name: line(body.name, LIMITS.name * 2), surface, variants } };
}

function tooLong(o: Overrides): string | null {
  for (const h of Object.values(o.headline ?? {}))
    if (h.length > LIMITS.headline) return `the headline can be at most ${LIMITS.headline} characters.`;
  for (const b of Object.values(o.banner ?? {}))
    if (b.length > LIMITS.banner) return `the banner text can be at most ${LIMITS.banner} characters.`;
  for (const ps of Object.values(o.letter ?? {})) {
    if (ps.length > LIMITS.paragraphs) return `the letter can have at most ${LIMITS.paragraphs} paragraphs.`;
    if (ps.some((p) => p.length > LIMITS.paragraph))
      return `a paragraph can be at most ${LIMITS.paragraph} characters.`;
  }
  return null;
}

/** A draft as the form's fields, to show it again (a refusal by rules.ts, or "copy"). */
export function draftFields(draft: Draft): FormFields {
  const out: FormFields = { name: draft.name, surface: draft.surface };
  for (const v of draft.variants) {
    const o = v.overrides;
    const put = (name: string, value: string | undefined) => value !== undefined && (out[`${v.key}_${name}`] = value);
    put('name', v.name);
    put('share', String(v.share));
    for (const [lang, h] of Object.entries(o.headline ?? {})) put(`headline_${lang}`, h);
    for (const [lang, ps] of Object.entries(o.letter ?? {})) put(`letter_${lang}`, ps.join('\n\n'));
    for (const [lang, b] of Object.entries(o.banner ?? {})) put(`banner_${lang}`, b);
    put('once', o.presets?.once?.join(', '));
    put('monthly', o.presets?.monthly?.join(', '));
    put('default_once', o.defaults?.once?.toString());
    put('default_monthly', o.defaults?.monthly?.toString());
  }
  return out;
}
