// What a reader is shown: the appeal's words and the donate form's amounts, from the content
// files and settings, then the defaults a winning variant set, then the reader's variant. Built
// once per revision of the experiments and variant, and kept, so a page view only looks it up.
import type { Config } from '../config.ts';
import type { AppealContent, AppealTexts } from '../appeal/content.ts';
import type { CurrencyForm } from '../config-donate.ts';
import type { Language } from '../i18n/languages.ts';
import type { Overrides, Surface, Variant } from './rules.ts';
import type { ServingState } from './store.ts';

export interface Look {
  /** The appeal's words per language. */
  texts: AppealTexts;
  /** The settings with this look's tiles and preselected amounts in the campaign's currency. */
  fundraiser: Config['fundraiser'];
}

function withTexts(texts: AppealTexts, o: Overrides, orgName: string): AppealTexts {
  if (!o.headline && !o.letter && !o.banner) return texts;
  const fill = (s: string) => s.replaceAll('{org}', orgName);
  const out = {} as Record<Language, AppealContent>;
  for (const lang of Object.keys(texts) as Language[]) {
    const base = texts[lang];
    const headline = o.headline?.[lang];
    const letter = o.letter?.[lang];
    const banner = o.banner?.[lang];
    out[lang] = {
      ...base,
      ...(headline ? { headline: fill(headline) } : {}),
      ...(letter ? { letter: letter.map(fill) } : {}),
      ...(banner ? { banner: fill(banner) } : {}),
    };
  }
  return Object.freeze(out);
}

function withAmounts(fundraiser: Config['fundraiser'], o: Overrides): Config['fundraiser'] {
  if (!o.presets && !o.defaults) return fundraiser;
  const [main, ...others] = fundraiser.form.currencies as [CurrencyForm, ...CurrencyForm[]];
  // Checked against the bounds when made; the settings may have moved since (a lower
  // DONATION_MAX): a tile outside them would bypass the range check a typed amount gets.
  const within = (tiles: number[] | undefined, f: 'once' | 'monthly') => {
    const ok = tiles?.filter((a) => a >= main.min && a <= main.max);
    return ok?.length ? ok : main.presets[f];
  };
  const presets = { once: within(o.presets?.once, 'once'), monthly: within(o.presets?.monthly, 'monthly') };
  const defaults = { ...main.defaults, ...o.defaults };
  // A default set before these tiles changed may not be one of them: the nearest tile is.
  for (const f of ['once', 'monthly'] as const) {
    if (!presets[f].includes(defaults[f]))
      defaults[f] = [...presets[f]].sort((a, b) => Math.abs(a - defaults[f]) - Math.abs(b - defaults[f]))[0]!;
  }
  const form = { ...fundraiser.form, presets, defaults, currencies: [{ ...main, presets, defaults }, ...others] };
  return Object.freeze({ ...fundraiser, form: Object.freeze(form) });
}

export function looks(config: Config, texts: AppealTexts) {
  const kept = new Map<string, Look>();
  let revision = -1;
  const plain: Look = { texts, fundraiser: config.fundraiser };
  return {
    /** The look for a surface's variant (null: the defaults) under the experiments as they now stand. */
    of(state: ServingState, surface: Surface, variant: Variant | null): Look {
      if (state.revision !== revision) {
        kept.clear();
        revision = state.revision;
      }
      // The appeal's B and the banner's B are different variants, and each surface has its defaults.
      const key = `${surface}.${variant?.key ?? ''}`;
      let look = kept.get(key);
      if (!look) {
        const o = variant ? variant.overrides : {};
        const won = state.defaults[surface];
        const base = {
          texts: withTexts(texts, won, config.fundraiser.orgName),
          fundraiser: withAmounts(config.fundraiser, won),
        };
        look =
          isPlain(won) && isPlain(o)
            ? plain
            : {
                texts: withTexts(base.texts, o, config.fundraiser.orgName),
                fundraiser: withAmounts(base.fundraiser, o),
              };
        kept.set(key, look);
      }
      return look;
    },
  };
}

const isPlain = (o: Overrides) => Object.keys(o).length === 0;
