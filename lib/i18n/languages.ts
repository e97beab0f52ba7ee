// The languages the site ships catalogs for (locales/<lang>/), and what each is called in
// itself (the switcher shows every language in its own words). SITE_LANGUAGES picks among them.
export const SHIPPED_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
export type Language = (typeof SHIPPED_LANGUAGES)[number];

/** The source language: every other catalog is checked against it, and a missing key falls back to it. */
export const SOURCE_LANGUAGE: Language = 'en';

export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
};

// Numbers and dates: en keeps the en-US formatting the site always had ("$50,000"); the others
// take their own country's conventions ("50.000 $", "50 000 $US").
export const LOCALES: Readonly<Record<Language, string>> = {
  en: 'en-US',
  de: 'de-DE',
  fr: 'fr-FR',
  es: 'es-ES',
};

export function isShipped(v: unknown): v is Language {
  return typeof v === 'string' && (SHIPPED_LANGUAGES as readonly string[]).includes(v);
}
