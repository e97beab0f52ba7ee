import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { DESKTOP, launchChromium, PHONE, screenshot } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import fs from 'node:fs';

let server: ServerProcess;
let browser: Browser;

before(async () => {
  server = await startServerProcess();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const raised = () => server.raised();

describe('a reader gives through the browser (npm start, built-in emulator)', () => {
  it('when a reader picks $25 and pays by card, then the thank-you page shows the bar at $25', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(server.url);
    await screenshot(page, 'appeal-phone');
    await page.getByRole('radio', { name: /^\$25/ }).check();
    await page.getByRole('button', { name: 'Donate' }).click();

    await page.waitForURL(/\/c\/pay\/cs_test_/);
    assert.match((await page.textContent('body')) ?? '', /TEST MODE/);
    await screenshot(page, 'emulator-checkout-phone');
    await page.getByRole('button', { name: /Pay with test card/ }).click();

    await page.waitForURL(/\/thank-you\?session_id=cs_test_/);
    await screenshot(page, 'thank-you-phone');
    assert.match((await page.locator('h1').textContent()) ?? '', /Thank you for your gift of \$25\./);
    assert.equal((await page.locator('[data-raised]').textContent())?.trim(), '$25');
    assert.equal(await page.locator('[role=progressbar]').getAttribute('aria-valuenow'), '2.5');
    assert.equal(await raised(), 2500);
    await context.close();
  });

  it('when JavaScript is off, then a $5 gift still goes through and the bar moves once', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.url);
    await screenshot(page, 'appeal-desktop-nojs');
    await page.locator('label.amount-choice', { has: page.locator('input[value="5"]') }).click();
    await page.getByRole('button', { name: 'Donate' }).click();
    await page.waitForURL(/\/c\/pay\//);
    await page.getByRole('button', { name: /Pay with test card/ }).click();
    await page.waitForURL(/\/thank-you/);
    await screenshot(page, 'thank-you-desktop-nojs');
    assert.match((await page.locator('h1').textContent()) ?? '', /gift of \$5\./);
    assert.equal((await page.locator('[data-raised]').textContent())?.trim(), '$30');
    // Reloading the thank-you page counts nothing more.
    await page.reload();
    assert.equal(await raised(), 3000);
    await context.close();
  });

  it('when a reader gives $25 monthly, then month one moves the bar once', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole('radio', { name: 'Monthly' }).check();
    await page.getByRole('radio', { name: /^\$25/ }).check();
    await page.getByRole('button', { name: 'Donate' }).click();
    await page.waitForURL(/\/c\/pay\//);
    assert.match((await page.textContent('body')) ?? '', /per month/);
    await page.getByRole('button', { name: /Pay with test card/ }).click();
    await page.waitForURL(/\/thank-you/);
    assert.match((await page.locator('h1').textContent()) ?? '', /monthly gift of \$25 a month/);
    // The page recorded month one; the webhooks land too, and must not add it again.
    for (let i = 0; i < 20 && (await raised()) !== 5500; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await raised(), 5500);
    await context.close();
  });

  it('when a reader cancels on the checkout page, then nothing moves and the appeal keeps the choice', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByLabel('Another amount', { exact: true }).check();
    await page.locator('input[name=other_amount]').fill('40');
    await page.getByRole('button', { name: 'Donate' }).click();
    await page.waitForURL(/\/c\/pay\//);
    await page.getByRole('button', { name: /Cancel/ }).click();
    await page.waitForURL(/cancelled=1/);
    await screenshot(page, 'appeal-cancelled-phone');
    assert.match((await page.textContent('body')) ?? '', /nothing was charged/);
    assert.equal(await page.locator('input[name=other_amount]').inputValue(), '40');
    assert.equal(await raised(), 5500);
    await context.close();
  });

  it('when staff log in, then they see the gifts made in this run, export them as CSV, and the dashboard is screenshotted', async () => {
    await server.addStaff('staff@example.org', 'a long staff password');
    const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/staff`);
    await page.waitForURL(/\/staff\/login/);
    await screenshot(page, 'staff-login-desktop');
    await page.getByLabel('E-mail').fill('staff@example.org');
    await page.getByLabel('Password').fill('a long staff password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/staff`);
    assert.equal((await page.locator('[data-k="raised"]').textContent())?.trim(), '$55');
    assert.match((await page.locator('table.data').last().textContent()) ?? '', /donor@example\.org/);
    await screenshot(page, 'staff-dashboard-desktop');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'staff-dashboard-phone');
    await page.setViewportSize(DESKTOP);

    await page.getByRole('link', { name: 'Gifts', exact: true }).click();
    await page.waitForURL(/\/staff\/gifts/);
    await screenshot(page, 'staff-gifts-desktop');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assert.match(csv.split('\n')[0]!, /^id,created_at,paid_at,status/);
    assert.ok(csv.split('\n').filter((l) => /,paid,/.test(l)).length >= 3, 'the paid gifts of this run are in the CSV');
    await page.goto(`${server.url}/staff/settings`);
    await screenshot(page, 'staff-settings-desktop');
    await context.close();
  });

  it('when the amount is not allowed, then the browser shows the message and no checkout starts', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.locator('input[name=other_amount]').fill('2.50');
    await page.getByRole('button', { name: 'Donate' }).click();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /without cents/);
    // Found before sending: the page stays, the field is marked and has the focus.
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'other_amount');
    await screenshot(page, 'appeal-error-phone');
    await context.close();
  });
});
