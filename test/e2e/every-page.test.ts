// Every page a reader or staff member sees, in Debian's Chromium at a phone's width (390) and a
// desktop's (1366): axe-core finds no violation on any, staff logged in included; no staff page
// scrolls sideways on the phone; the tables that scroll in their own box are reached and
// scrolled with the keyboard. With UPDATE_SCREENSHOTS=1 the staff pages' screenshots are
// written to docs/screenshots/ too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axe, keepScreenshot, launchChromium, PHONE } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const WIDE = { width: 1366, height: 900 };
const EMAIL = 'pages@example.org';
const PASSWORD = 'a long staff password';

let server: ServerProcess;
let browser: Browser;
let staff: BrowserContext;
let thankYou: string;
let cancelPledge: string;

async function logIn(page: Page): Promise<void> {
  await page.goto(`${server.url}/staff/login`);
  await page.getByLabel('E-mail').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${server.url}/staff`);
}

before(async () => {
  server = await startServerProcess({ FUNDRAISER_SITE_URL: '{url}/embed/demo' });
  browser = await launchChromium();
  await server.addStaff(EMAIL, PASSWORD);

  // A monthly gift through the appeal and the emulator's checkout: a thank-you page and a pledge.
  const reader = await browser.newContext({ viewport: PHONE });
  const page = await reader.newPage();
  await page.goto(server.url);
  await page.getByRole('radio', { name: 'Monthly' }).check();
  await page.getByRole('radio', { name: /^\$25/ }).check();
  await page.locator('form.donate button[type=submit]').click();
  await page.waitForURL(/\/c\/pay\//);
  await page.getByRole('button', { name: /Pay with test card/ }).click();
  await page.waitForURL(/\/thank-you/);
  thankYou = new URL(page.url()).pathname + new URL(page.url()).search;
  await reader.close();

  // Staff: an offline gift with a long note and a new goal, so the change log has rows to show.
  staff = await browser.newContext({ viewport: WIDE, bypassCSP: true });
  const admin = await staff.newPage();
  await logIn(admin);
  await admin.goto(`${server.url}/staff/settings`);
  await admin.getByRole('textbox', { name: /^Amount/ }).fill('250');
  await admin.getByLabel('Received on').fill(new Date().toISOString().slice(0, 10));
  await admin.getByLabel('Where it came from').fill('Cheque no. 1234 from J. Smith, posted from the annual meeting');
  await admin.getByRole('button', { name: 'Add to the total' }).click();
  await admin.getByRole('textbox', { name: /^Goal/ }).fill('300000');
  await admin.getByRole('button', { name: 'Save goal' }).click();
  await admin.goto(`${server.url}/staff/gifts`);
  cancelPledge = (await admin.getByRole('link', { name: 'Cancel pledge…' }).first().getAttribute('href')) ?? '';
  assert.match(cancelPledge, /^\/staff\/pledges\/sub_\w+\/cancel$/);
  await admin.close();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const STAFF_PAGES = (): Array<[string, string]> => [
  ['staff-dashboard', '/staff'],
  ['staff-gifts', '/staff/gifts'],
  ['staff-settings', '/staff/settings'],
  ['staff-experiments', '/staff/experiments'],
  ['staff-cancel-pledge', cancelPledge],
];

async function axeAll(context: BrowserContext, pages: Array<[string, string]>): Promise<string[]> {
  const failures: string[] = [];
  const page = await context.newPage();
  for (const viewport of [PHONE, WIDE]) {
    await page.setViewportSize(viewport);
    for (const [name, url] of pages) {
      await page.goto(server.url + url);
      await page.waitForLoadState('networkidle');
      await axe(page, `${name} at ${viewport.width}px`).catch((err: Error) => failures.push(err.message));
    }
  }
  await page.close();
  return failures;
}

describe('every page, phone and desktop', () => {
  it('when axe-core checks every public page at 390 and 1366 px, then there are no violations', async () => {
    const reader = await browser.newContext({ bypassCSP: true });
    const failures = await axeAll(reader, [
      ['appeal', '/'],
      ['banner', '/embed/banner'],
      ['demo host page', '/embed/demo'],
      ['thank-you', thankYou],
      ['manage (the portal login)', '/manage'],
      ['staff login', '/staff/login'],
    ]);
    await reader.close();
    assert.deepEqual(failures, []);
  });

  it('when axe-core checks every staff page logged in at 390 and 1366 px, then there are no violations', async () => {
    assert.deepEqual(await axeAll(staff, STAFF_PAGES()), []);
  });

  it('when staff use a 390 px phone, then no page scrolls sideways', async () => {
    const page = await staff.newPage();
    const loggedOut = await browser.newContext({ viewport: PHONE });
    const login = await loggedOut.newPage();
    await login.goto(`${server.url}/staff/login`);
    const widths: Record<string, number> = {
      'staff-login': await login.evaluate(() => document.scrollingElement!.scrollWidth),
    };
    await keepScreenshot(login, 'staff-login-phone');
    await login.setViewportSize(WIDE);
    await keepScreenshot(login, 'staff-login-desktop');
    await loggedOut.close();
    for (const [name, url] of STAFF_PAGES()) {
      await page.setViewportSize(PHONE);
      await page.goto(server.url + url);
      widths[name] = await page.evaluate(() => document.scrollingElement!.scrollWidth);
      await keepScreenshot(page, `${name}-phone`);
      await page.setViewportSize(WIDE);
      await keepScreenshot(page, `${name}-desktop`);
    }
    await page.close();
    for (const [name, width] of Object.entries(widths)) assert.ok(width <= PHONE.width, `${name} is ${width}px wide`);
  });

  it('when a table is wider than the phone, then Tab reaches its box, which says what it holds, and the arrows scroll it', async () => {
    const page = await staff.newPage();
    await page.setViewportSize(PHONE);
    await page.goto(`${server.url}/staff/gifts`);
    const wrap = page.locator('.table-wrap');
    assert.ok(await wrap.evaluate((el) => el.scrollWidth > el.clientWidth), 'the gift table is wider than the phone');
    let reached = false;
    for (let i = 0; i < 60 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.classList.contains('table-wrap') ?? false);
    }
    assert.ok(reached, 'Tab reaches the scrolling table');
    assert.equal(await wrap.getAttribute('role'), 'region');
    assert.equal(await wrap.getAttribute('aria-label'), 'Gifts table');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => (document.querySelector('.table-wrap')?.scrollLeft ?? 0) > 0);
    await page.close();
  });
});
