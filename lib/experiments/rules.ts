// What an experiment is, and the rules a staff member's draft must meet before it is kept:
// 2 to 4 variants whose shares add to 100, each changing something (but one may be the appeal
// as it is), amounts within the donation bounds. Refusals are plain sentences for the form.
import type { Config } from '../config.ts';
import type { Language } from '../i18n/languages.ts';

export const SURFACES = ['appeal', 'banner'] as const;
export type Surface = (typeof SURFACES)[number];
export const VARIANT_KEYS = ['a', 'b', 'c', 'd'] as const;
export type VariantKey = (typeof VARIANT_KEYS)[number];
export type ExperimentStatus = 'draft' | 'running' | 'stopped';

/** What a variant changes; anything unset is the appeal's default. Texts per language. */
export interface Overrides {
  headline?: Partial<Record<Language, string>>;
  /** The letter's paragraphs. */
  letter?: Partial<Record<Language, string[]>>;
  /** The banner's short text. */
  banner?: Partial<Record<Language, string>>;
  /** The campaign currency's tiles, whole units, ascending. */
  presets?: { once?: number[]; monthly?: number[] };
  /** The preselected tile per frequency (one of the tiles). */
  defaults?: { once?: number; monthly?: number };
}

export interface Variant {
  key: VariantKey;
  name: string;
  /** Percent of readers shown it. */
  share: number;
  overrides: Overrides;
}

export interface Experiment {
  id: number;
  name: string;
  surface: Surface;
  status: ExperimentStatus;
  variants: Variant[];
  winner: VariantKey | null;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
}

/** What a surface may change: the banner has no letter, the appeal shows no banner text. */
export const SURFACE_FIELDS: Readonly<Record<Surface, ReadonlyArray<keyof Overrides>>> = {
  appeal: ['headline', 'letter', 'presets', 'defaults'],
  banner: ['headline', 'banner', 'presets', 'defaults'],
};

export const LIMITS = { name: 100, headline: 200, paragraph: 2000, paragraphs: 12, banner: 300, tiles: 8 } as const;

export type Draft = Pick<Experiment, 'name' | 'surface' | 'variants'>;

/** The first refusal a draft earns, in words for the form; null when it may be kept. */
export function draftProblem(draft: Draft, fundraiser: Config['fundraiser']): string | null {
  const { name, surface, variants } = draft;
  if (!name.trim()) return 'Give the experiment a name.';
  if (name.length > LIMITS.name) return `The name can be at most ${LIMITS.name} characters.`;
  if (!SURFACES.includes(surface)) return 'Choose where the experiment runs: the appeal or the banner.';
  if (variants.length < 2 || variants.length > 4) return 'An experiment needs 2 to 4 variants.';
  const total = variants.reduce((sum, v) => sum + v.share, 0);
  for (const v of variants) {
    const label = `Variant ${v.key.toUpperCase()}`;
    if (!v.name.trim()) return `${label} needs a name.`;
    if (v.name.length > LIMITS.name) return `${label}'s name can be at most ${LIMITS.name} characters.`;
    if (!Number.isInteger(v.share) || v.share < 1 || v.share > 99)
      return `${label}'s share must be a whole percent from 1 to 99.`;
    const extra = (Object.keys(v.overrides) as Array<keyof Overrides>).find(
      (f) => !SURFACE_FIELDS[surface].includes(f),
    );
    if (extra) return `${label} changes the ${extra}, which the ${surface} does not show.`;
    const amounts = amountProblem(label, v.overrides, fundraiser);
    if (amounts) return amounts;
  }
  if (total !== 100) return `The shares add up to ${total}%; they must add up to 100%.`;
  const empty = variants.filter((v) => isEmpty(v.overrides));
  if (empty.length > 1)
    return `${empty.map((v) => v.key.toUpperCase()).join(' and ')} change nothing: only one variant may be the ${surface} as it is.`;
  const seen = new Map<string, string>();
  for (const v of variants) {
    const same = seen.get(JSON.stringify(v.overrides));
    if (same) return `Variants ${same} and ${v.key.toUpperCase()} are the same: each must differ.`;
    seen.set(JSON.stringify(v.overrides), v.key.toUpperCase());
  }
  return null;
}

export function isEmpty(o: Overrides): boolean {
  return Object.keys(o).length === 0;
}

/** Tiles and preselected amounts must be ones a reader may give, and the preselected one a tile. */
function amountProblem(label: string, o: Overrides, fundraiser: Config['fundraiser']): string | null {
  const main = fundraiser.form.currencies[0]!;
  const money = (n: number) => `${n} ${main.currency.toUpperCase()}`;
  for (const frequency of ['once', 'monthly'] as const) {
    const tiles = o.presets?.[frequency] ?? main.presets[frequency];
    if (o.presets?.[frequency]) {
      if (tiles.length < 1 || tiles.length > LIMITS.tiles)
        return `${label}: give 1 to ${LIMITS.tiles} ${frequency} amounts.`;
      const out = tiles.find((a) => !Number.isSafeInteger(a) || a < main.min || a > main.max);
      if (out !== undefined)
        return `${label}: the ${frequency} amount ${out} is outside the donation bounds (${money(main.min)} to ${money(main.max)}).`;
    }
    const chosen = o.defaults?.[frequency];
    if (chosen !== undefined && !tiles.includes(chosen))
      return `${label}: the preselected ${frequency} amount ${chosen} must be one of its ${frequency} amounts (${tiles.join(', ')}).`;
    if (o.presets?.[frequency] && chosen === undefined && !tiles.includes(main.defaults[frequency]))
      return `${label}: choose which ${frequency} amount is preselected (the current one, ${main.defaults[frequency]}, is not among them).`;
  }
  return null;
}
