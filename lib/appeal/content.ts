// The appeal's words live in content files (content/appeal.json by default, APPEAL_FILE to
// change it) so an organisation can rewrite its letter without touching code. Each language
// may have its own beside it (appeal.de.json next to appeal.json, the same fields); a language
// without one shows the English letter. {org} is filled once; {readers}, {averageGift},
// {donors} and {smallGift} on each page from the ledger and the settings (copy.ts).
import fs from 'node:fs';
import { z } from 'zod';
import { SOURCE_LANGUAGE, type Language } from '../i18n/languages.ts';
import { translator } from '../i18n/translator.ts';

const appealSchema = z.object({
  title: z.string().min(1),
  headline: z.string().min(1),
  letter: z.array(z.string().min(1)).min(1),
  signature: z.string().min(1),
  /** The short form for the banner on the host site; unset: the catalog's banner.defaultText. */
  banner: z.string().min(1).optional(),
});

export type AppealContent = Required<z.infer<typeof appealSchema>>;
/** The appeal in each offered language (the English one where a language has no file). */
export type AppealTexts = Readonly<Record<Language, AppealContent>>;

/** appeal.json -> appeal.de.json: a language's file beside the English one. */
export function appealFileFor(file: string, lang: Language): string {
  if (lang === SOURCE_LANGUAGE) return file;
  return file.endsWith('.json') ? `${file.slice(0, -'.json'.length)}.${lang}.json` : `${file}.${lang}`;
}

export function loadAppeal(file: string, orgName: string, lang: Language = SOURCE_LANGUAGE): AppealContent {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`APPEAL_FILE ${file} could not be read as JSON: ${(err as Error).message}`);
  }
  const parsed = appealSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`APPEAL_FILE ${file}: "${issue.path.join('.')}" ${issue.message}`);
  }
  const fill = (s: string) => s.replaceAll('{org}', orgName);
  const c = parsed.data;
  // The page fills {smallGift} later, so the catalog's message keeps it as a placeholder.
  const banner = c.banner ?? translator(lang).t('banner.defaultText', { org: '{org}', smallGift: '{smallGift}' });
  return {
    title: fill(c.title),
    headline: fill(c.headline),
    letter: c.letter.map(fill),
    signature: fill(c.signature),
    banner: fill(banner),
  };
}

/** The English file, and each other language's file where there is one. */
export function loadAppeals(file: string, orgName: string, languages: readonly Language[]): AppealTexts {
  const english = loadAppeal(file, orgName);
  const texts = {} as Record<Language, AppealContent>;
  for (const lang of new Set<Language>([SOURCE_LANGUAGE, ...languages])) {
    const own = appealFileFor(file, lang);
    texts[lang] = lang === SOURCE_LANGUAGE || !fs.existsSync(own) ? english : loadAppeal(own, orgName, lang);
  }
  return Object.freeze(texts);
}
