// The appeal's words live in a content file (content/appeal.json by default, APPEAL_FILE to
// change it) so an organisation can rewrite its letter without touching code. {org} is
// filled once; {readers}, {averageGift}, {donors} and {smallGift} on each page from the
// ledger and the settings (copy.ts).
import fs from 'node:fs';
import { z } from 'zod';

const appealSchema = z.object({
  title: z.string().min(1),
  headline: z.string().min(1),
  letter: z.array(z.string().min(1)).min(1),
  signature: z.string().min(1),
  /** The short form for the banner on the host site. */
  banner: z
    .string()
    .min(1)
    .default(
      '{org} runs on donations. If everyone reading this gave {smallGift}, this fundraiser would be done in an hour.',
    ),
});

export type AppealContent = z.infer<typeof appealSchema>;

export function loadAppeal(file: string, orgName: string): AppealContent {
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
  return {
    title: fill(c.title),
    headline: fill(c.headline),
    letter: c.letter.map(fill),
    signature: fill(c.signature),
    banner: fill(c.banner),
  };
}
