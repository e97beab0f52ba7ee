// TEMPORARY until lib/i18n lands: the form's words in English from locales/en/*.json.
import fs from 'node:fs';
import path from 'node:path';
import { createIntl } from '@formatjs/intl';
import { PROJECT_ROOT } from '../config.ts';
import type { FormWords } from './form-view.ts';

const dir = path.join(PROJECT_ROOT, 'locales', 'en');
const messages: Record<string, string> = {};
for (const f of fs.readdirSync(dir)) Object.assign(messages, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
const intl = createIntl({ locale: 'en-US', messages });

export const englishWords: FormWords = {
  locale: 'en-US',
  t: (id, values) => intl.formatMessage({ id }, values),
};
