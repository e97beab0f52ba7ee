// The message catalogs: locales/<lang>/<namespace>.json, each a flat {"key.id": "ICU message"}.
// A language's files are merged into one catalog; a key in two of them is a start-up error,
// since which one wins would depend on the order the folder lists them in.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.ts';
import { SHIPPED_LANGUAGES, type Language } from './languages.ts';

export type Catalog = Readonly<Record<string, string>>;

export const LOCALES_DIR = path.join(PROJECT_ROOT, 'locales');

export function loadCatalog(dir: string): Catalog {
  const merged: Record<string, string> = {};
  const from: Record<string, string> = {};
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  for (const file of files.sort()) {
    const where = path.join(dir, file);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(where, 'utf8'));
    } catch (err) {
      throw new Error(`message catalog ${where} could not be read as JSON: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new Error(`message catalog ${where} must be one flat object of "key": "message"`);
    for (const [key, message] of Object.entries(raw)) {
      if (typeof message !== 'string') throw new Error(`message catalog ${where}: "${key}" is not a string`);
      if (key in from) throw new Error(`message catalog ${where}: "${key}" is also in ${from[key]}`);
      from[key] = file;
      merged[key] = message;
    }
  }
  return Object.freeze(merged);
}

export function loadCatalogs(dir = LOCALES_DIR): Readonly<Record<Language, Catalog>> {
  return Object.fromEntries(SHIPPED_LANGUAGES.map((lang) => [lang, loadCatalog(path.join(dir, lang))])) as Record<
    Language,
    Catalog
  >;
}
