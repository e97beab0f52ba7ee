// Debian's Chromium driven by playwright-core (never a downloaded browser).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../lib/config.ts';

export const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The screenshot in test-artifacts/, and in docs/screenshots/ too when UPDATE_SCREENSHOTS=1. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const dir = path.join(PROJECT_ROOT, 'docs/screenshots');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's WCAG 2.1 A/AA and best-practice rules on the page: no violation. */
export async function axe(page: Page, label: string): Promise<void> {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: {
          run: (
            ctx?: unknown,
            opts?: unknown,
          ) => Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown }> }> }>;
        };
      }
    ).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map(
      (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`,
    );
  });
  assert.deepEqual(violations, [], `axe on ${label}`);
}
