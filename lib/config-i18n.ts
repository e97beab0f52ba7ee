// The site's languages: SITE_LANGUAGES (among those shipped in locales/) and DEFAULT_LANGUAGE,
// the one a reader gets when neither a choice nor the browser names an offered one. Kept
// beside config.ts, which reads them through i18nConfig; a bad value names its variable.
import { z } from 'zod';
import { ConfigError, parseSettings } from './config-error.ts';
import { isShipped, SHIPPED_LANGUAGES, type Language } from './i18n/languages.ts';

export interface I18nConfig {
  /** Offered languages, in the order the switcher lists them. */
  readonly languages: readonly Language[];
  readonly defaultLanguage: Language;
}

const shipped = SHIPPED_LANGUAGES.join(', ');

const schema = z.object({
  SITE_LANGUAGES: z.preprocess(
    (v) => (v === undefined || v === '' ? SHIPPED_LANGUAGES.join(',') : v),
    z
      .string()
      .transform((v) => [...new Set(v.split(',').map((s) => s.trim().toLowerCase()))].filter(Boolean))
      .refine((list) => list.length > 0, `must list at least one of ${shipped}`)
      .refine((list) => list.every(isShipped), `must be a comma-separated list of shipped languages (${shipped})`),
  ),
  DEFAULT_LANGUAGE: z.preprocess(
    (v) => (v === undefined || v === '' ? 'en' : v),
    z
      .string()
      .transform((v) => v.trim().toLowerCase())
      .refine(isShipped, `must be one of the shipped languages (${shipped})`),
  ),
});

export function i18nConfig(env: Record<string, string | undefined>): I18nConfig {
  const e = parseSettings(schema, env);
  const languages = e.SITE_LANGUAGES as Language[];
  const defaultLanguage = e.DEFAULT_LANGUAGE;
  if (!languages.includes(defaultLanguage))
    throw new ConfigError(
      'DEFAULT_LANGUAGE',
      `must be one of SITE_LANGUAGES (${languages.join(', ')}) (got "${defaultLanguage}")`,
    );
  return Object.freeze({ languages: Object.freeze(languages), defaultLanguage });
}
