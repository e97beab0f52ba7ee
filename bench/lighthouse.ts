// npm run lighthouse: Lighthouse (the npm package) in Debian's Chromium, offline, on the pages
// readers and staff land on, as a phone and as a desktop. It starts the site as the tests do
// (server.ts on a fresh SQLite database with the built-in Stripe emulator), makes one gift
// through the appeal for a real thank-you page, runs each page, prints the four category
// scores and writes them to bench/results/lighthouse-<date>.json; the full reports go to
// test-artifacts/lighthouse/. Not part of npm test: a run takes a few minutes.
//
// LIGHTHOUSE_ONLY=/,/staff/login limits the pages; LIGHTHOUSE_FORM=mobile (or desktop) one form factor.
import fs from 'node:fs';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { type Config, type Flags } from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { PROJECT_ROOT } from '../lib/config.ts';
import { launchChromium } from '../test/helpers/browser.ts';
import { startServerProcess } from '../test/helpers/server-process.ts';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
/** Pages marked noindex on purpose: Lighthouse's SEO score counts that against them. */
const NOINDEX = new Set(['/embed/banner', 'thank-you', '/staff/login']);

interface Row {
  page: string;
  form: 'mobile' | 'desktop';
  scores: Record<(typeof CATEGORIES)[number], number | null>;
  /** Audits that lost points, with their score. */
  failing: string[];
}

/** One gift through the appeal and the emulator's checkout: the thank-you page's URL. */
async function giveOnce(siteUrl: string): Promise<string> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(siteUrl);
    await page.locator('input[name=amount][value="25"]').check();
    await page.locator('form.donate [type=submit]').click();
    await page.waitForURL(/\/c\/pay\//);
    await page.getByRole('button', { name: /Pay with test card/ }).click();
    await page.waitForURL(/\/thank-you/);
    const url = new URL(page.url());
    return url.pathname + url.search;
  } finally {
    await browser.close();
  }
}

async function audit(
  url: string,
  port: number,
  form: Row['form'],
): Promise<Omit<Row, 'page' | 'form'> & { report: string }> {
  const flags: Flags = { port, output: 'json', logLevel: 'error', onlyCategories: [...CATEGORIES] };
  const config: Config | undefined = form === 'desktop' ? desktopConfig : undefined;
  let result = await lighthouse(url, flags, config);
  // A trace that failed to record (NO_NAVSTART and the like on a busy machine) is worth another try, as Lighthouse says.
  for (let retry = 0; retry < 2 && result?.lhr.runtimeError; retry++) result = await lighthouse(url, flags, config);
  if (!result) throw new Error(`Lighthouse gave no result for ${url}`);
  const { lhr } = result;
  if (lhr.runtimeError) throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.message}`);
  const scores = Object.fromEntries(
    CATEGORIES.map((c) => [c, lhr.categories[c]?.score == null ? null : Math.round(lhr.categories[c].score * 100)]),
  ) as Row['scores'];
  const failing = Object.values(lhr.audits)
    .filter(
      (a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative' && a.scoreDisplayMode !== 'manual',
    )
    .filter((a) => CATEGORIES.some((c) => lhr.categories[c]?.auditRefs.some((r) => r.id === a.id && r.weight > 0)))
    .map((a) => `${a.id} (${a.score})`);
  return { scores, failing, report: result.report as string };
}

async function main(): Promise<void> {
  const server = await startServerProcess({ FUNDRAISER_GOAL: '250000' });
  const chrome = await chromeLauncher.launch({
    chromePath: '/usr/bin/chromium',
    chromeFlags: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
  const rows: Row[] = [];
  try {
    const thankYou = await giveOnce(server.url);
    const only = process.env.LIGHTHOUSE_ONLY?.split(',');
    const pages: Array<[string, string]> = (
      [
        ['/', '/'],
        ['/embed/banner', '/embed/banner'],
        ['thank-you', thankYou],
        ['/staff/login', '/staff/login'],
      ] as Array<[string, string]>
    ).filter(([name]) => !only || only.includes(name));
    const forms = (['mobile', 'desktop'] as const).filter(
      (f) => !process.env.LIGHTHOUSE_FORM || process.env.LIGHTHOUSE_FORM === f,
    );
    const reports = path.join(PROJECT_ROOT, 'test-artifacts/lighthouse');
    fs.mkdirSync(reports, { recursive: true });
    for (const [name, url] of pages) {
      for (const form of forms) {
        const { report, ...row } = await audit(server.url + url, chrome.port, form);
        rows.push({ page: name, form, ...row });
        fs.writeFileSync(path.join(reports, `${name.replace(/\W+/g, '_') || 'appeal'}-${form}.json`), report);
        console.log(`${name} (${form}): ${CATEGORIES.map((c) => `${c} ${row.scores[c]}`).join(', ')}`);
      }
    }
  } finally {
    chrome.kill();
    await server.stop();
  }

  const table = [
    '| page | form | performance | accessibility | best practices | SEO | lost points |',
    '|---|---|--:|--:|--:|--:|---|',
    ...rows.map((r) => {
      const scores = CATEGORIES.map((c) => r.scores[c] ?? '–').join(' | ');
      const page = `${r.page}${NOINDEX.has(r.page) ? ' (noindex)' : ''}`;
      return `| ${page} | ${r.form} | ${scores} | ${r.failing.join(', ') || '–'} |`;
    }),
  ].join('\n');
  console.log(`\n${table}\n`);
  const out = path.join(PROJECT_ROOT, `bench/results/lighthouse-${new Date().toISOString().slice(0, 10)}.json`);
  fs.writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`);
  console.log(`written: ${path.relative(PROJECT_ROOT, out)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
