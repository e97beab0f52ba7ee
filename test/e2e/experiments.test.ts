// An appeal experiment in Chromium, end to end against the real server process: an admin makes
// one through the staff form (refused once, as typed), starts it; readers are split between the
// two headlines and keep theirs; a gift from variant B shows in the results; stopping it gives
// everyone the default again. Screenshots and axe-core at both widths for the two staff pages.
// With UPDATE_SCREENSHOTS=1 the screenshots are written to docs/screenshots/ too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axe, keepScreenshot, DESKTOP, launchChromium, PHONE, screenshot } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const EMAIL = 'experiments@example.org';
const PASSWORD = 'a long staff password';
const B_HEADLINE = 'Only readers keep this site free';

let server: ServerProcess;
let browser: Browser;
let staff: BrowserContext;
let admin: Page;
let id: number;
let defaultHeadline: string;

before(async () => {
  server = await startServerProcess();
  browser = await launchChromium();
  await server.addStaff(EMAIL, PASSWORD);
  // bypassCSP: axe-core is injected as a script the pages' policy would refuse.
  staff = await browser.newContext({ viewport: DESKTOP, bypassCSP: true });
  admin = await staff.newPage();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * At a phone's width and a desktop's: no sideways scrolling on the phone, a screenshot (kept in
 * docs/ too unless `docs` is false), axe-core.
 */
async function checkBothWidths(page: Page, name: string, docs = true): Promise<void> {
  const shoot = docs ? keepScreenshot : screenshot;
  await page.setViewportSize(PHONE);
  assert.ok(
    (await page.evaluate(() => document.scrollingElement!.scrollWidth)) <= PHONE.width,
    `${name} does not scroll sideways on a phone`,
  );
  await shoot(page, `${name}-phone`);
  await axe(page, `${name} at ${PHONE.width}px`);
  await page.setViewportSize(DESKTOP);
  await shoot(page, `${name}-desktop`);
  await axe(page, `${name} at ${DESKTOP.width}px`);
}

/** Saves the new-experiment form as the browser posts it: every field, filled or not. */
async function save(page: Page, status: number): Promise<void> {
  const fields = await page.locator('form.experiment-form [name]').count();
  const [posted] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/staff/experiments')),
    page.getByRole('button', { name: 'Save as a draft' }).click(),
  ]);
  assert.equal(posted.status(), status, `the form posted its ${fields} fields`);
  await page.waitForLoadState();
}

const variant = (page: Page, key: string) => page.getByRole('group', { name: new RegExp(`^Variant ${key}\\b`) });
const headline = async (page: Page) => ((await page.locator('h1').textContent()) ?? '').trim();
const donorsOf = async (page: Page, key: string) =>
  Number(await page.locator(`tr[data-variant="${key}"] [data-k="donors"]`).textContent());

/** A reader in a fresh context: the headline they were shown and the variant kept in their cookie. */
async function freshReader(): Promise<{ context: BrowserContext; page: Page; key: string; shown: string }> {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.goto(server.url);
  const cookie = (await context.cookies()).find((c) => c.name === 'fr_exp');
  assert.ok(cookie, 'the variant is kept in a cookie');
  assert.match(cookie.value, new RegExp(`^${id}\\.[ab]$`));
  return { context, page, key: cookie.value.slice(-1), shown: await headline(page) };
}

describe('an appeal experiment in the browser', () => {
  it('when an admin saves shares of 50/40, then the refusal is shown with the form as typed; fixed, a draft is saved', async () => {
    const reader = await browser.newPage();
    await reader.goto(server.url);
    defaultHeadline = await headline(reader);
    await reader.close();

    await admin.goto(`${server.url}/staff/login`);
    await admin.getByLabel('E-mail').fill(EMAIL);
    await admin.getByLabel('Password').fill(PASSWORD);
    await admin.getByRole('button', { name: 'Log in' }).click();
    await admin.waitForURL(`${server.url}/staff`);
    await admin.getByRole('navigation', { name: 'Staff' }).getByRole('link', { name: 'Experiments' }).click();
    await admin.waitForURL(`${server.url}/staff/experiments`);
    await admin.getByRole('link', { name: 'New experiment' }).click();
    await admin.waitForURL(`${server.url}/staff/experiments/new`);
    await checkBothWidths(admin, 'staff-experiment-new');

    await admin.locator('#name').fill('Headline test');
    assert.equal(await admin.getByRole('radio', { name: /^The appeal page/ }).isChecked(), true);
    assert.equal(await variant(admin, 'A').getByLabel('Name').inputValue(), 'As it is', 'A starts as the appeal');
    await variant(admin, 'B').getByLabel('Name').fill('Urgent headline');
    await variant(admin, 'B').getByLabel('Share of readers, %').fill('40');
    await variant(admin, 'B').getByLabel('Headline (English)').fill(B_HEADLINE);
    await save(admin, 400);

    assert.match(
      (await admin.getByRole('alert').textContent()) ?? '',
      /The shares add up to 90%; they must add up to 100%/,
    );
    assert.equal(await admin.locator('#name').inputValue(), 'Headline test');
    assert.equal(await variant(admin, 'A').getByLabel('Share of readers, %').inputValue(), '50');
    assert.equal(await variant(admin, 'B').getByLabel('Name').inputValue(), 'Urgent headline');
    assert.equal(await variant(admin, 'B').getByLabel('Share of readers, %').inputValue(), '40');
    assert.equal(await variant(admin, 'B').getByLabel('Headline (English)').inputValue(), B_HEADLINE);
    await checkBothWidths(admin, 'staff-experiment-refused', false);

    await variant(admin, 'B').getByLabel('Share of readers, %').fill('50');
    await save(admin, 303);
    await admin.waitForURL(/\/staff\/experiments\/\d+$/);
    id = Number(new URL(admin.url()).pathname.split('/').pop());
    assert.equal(await admin.locator('[data-status]').textContent(), 'draft');
  });

  it('when the admin starts it, then readers are split between both headlines and a reload keeps theirs', async () => {
    assert.ok(id, 'the experiment was saved');
    await admin.getByRole('button', { name: 'Start the experiment' }).click();
    await admin.waitForURL(/\?done=started$/);
    assert.equal(await admin.locator('[data-status]').textContent(), 'running');

    const seen = new Map<string, string>();
    for (let i = 0; i < 30 && seen.size < 2; i++) {
      const { context, page, key, shown } = await freshReader();
      assert.equal(shown, key === 'b' ? B_HEADLINE : defaultHeadline, `variant ${key}'s headline`);
      assert.equal(await page.locator('input[name=appeal_variant]').inputValue(), `${id}.${key}`);
      seen.set(key, shown);
      await page.reload();
      assert.equal(await headline(page), shown, 'a reload keeps the variant');
      await context.close();
    }
    assert.deepEqual([...seen.keys()].sort(), ['a', 'b'], 'both variants were drawn');
  });

  it('when a reader gives from variant B, then its results row counts one donor', async () => {
    assert.ok(id, 'the experiment was saved');
    const reader = await browser.newContext({ viewport: PHONE });
    await reader.addCookies([{ name: 'fr_exp', value: `${id}.b`, url: server.url }]);
    const page = await reader.newPage();
    await page.goto(server.url);
    assert.equal(await headline(page), B_HEADLINE);
    await page.locator('button.give').click();
    await page.waitForURL(/\/c\/pay\/cs_test_/);
    assert.equal((await page.locator('p.amount').textContent())?.trim(), '$25');
    await page.getByRole('button', { name: /Pay with test card/ }).click();
    await page.waitForURL(/\/thank-you/);
    await reader.close();

    // The gift is attributed when the emulator's webhook lands: reload until it shows.
    for (let i = 0; i < 50; i++) {
      await admin.reload();
      if ((await donorsOf(admin, 'b')) === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(await donorsOf(admin, 'b'), 1);
    assert.equal(await donorsOf(admin, 'a'), 0);
    for (const key of ['a', 'b'])
      assert.ok(Number(await admin.locator(`tr[data-variant="${key}"] [data-k="impressions"]`).textContent()) > 0);

    await checkBothWidths(admin, 'staff-experiment-results');
    // On a phone the wide table scrolls inside its own box, never the page.
    await admin.setViewportSize(PHONE);
    const wrap = admin.getByRole('region', { name: 'Results per variant table' });
    const [scroll, client] = await wrap.evaluate((el) => [el.scrollWidth, el.clientWidth]);
    assert.ok(scroll > client, `the table scrolls in its box (${scroll} > ${client})`);
    await admin.setViewportSize(DESKTOP);
  });

  it('when the admin stops it, then a reader with the B cookie sees the default headline again', async () => {
    assert.ok(id, 'the experiment was saved');
    await admin.getByRole('button', { name: 'Stop the experiment' }).click();
    await admin.waitForURL(/\?done=stopped$/);
    assert.equal(await admin.locator('[data-status]').textContent(), 'stopped');

    const reader = await browser.newContext({ viewport: PHONE });
    await reader.addCookies([{ name: 'fr_exp', value: `${id}.b`, url: server.url }]);
    const page = await reader.newPage();
    await page.goto(server.url);
    assert.equal(await headline(page), defaultHeadline);
    assert.equal(await page.locator('input[name=appeal_variant]').count(), 0);
    await reader.close();
  });
});
