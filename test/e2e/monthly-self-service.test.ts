// A monthly donor manages their own gift in a real browser, on npm start's built-in emulator:
// give monthly, open the portal from the thank-you page, change the amount, see the next month
// charged at it, cancel at the period's end, and staff see the pledge ending. The site's new
// pages pass axe-core.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { axe, DESKTOP, launchChromium, PHONE, screenshot } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

let server: ServerProcess;
let browser: Browser;

before(async () => {
  server = await startServerProcess();
  browser = await launchChromium();
  await server.addStaff('portal@example.org', 'a long staff password');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const raised = () => server.raised();

/** Waits until the figures show `minor` (webhooks land a moment after the page). */
async function raisedBecomes(minor: number): Promise<void> {
  for (let i = 0; i < 50 && (await raised()) !== minor; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await raised(), minor);
}

/** Gives `amount` a month through the appeal and the emulator's checkout, ending on the thank-you page. */
async function giveMonthly(page: Page, amount: '5' | '25'): Promise<void> {
  await page.goto(server.url);
  await page.getByRole('radio', { name: 'Monthly' }).check();
  await page.getByRole('radio', { name: new RegExp(`^\\$${amount}`) }).check();
  await page.getByRole('button', { name: 'Donate' }).click();
  await page.waitForURL(/\/c\/pay\//);
  await page.getByRole('button', { name: /Pay with test card/ }).click();
  await page.waitForURL(/\/thank-you/);
}

async function staffLogin(page: Page): Promise<void> {
  await page.goto(`${server.url}/staff/login`);
  await page.getByLabel('E-mail').fill('portal@example.org');
  await page.getByLabel('Password').fill('a long staff password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${server.url}/staff`);
}

describe('a monthly donor manages their gift (npm start, built-in emulator)', () => {
  it('when a donor changes the amount, then cancels at the period end in the portal, then the next month is the new amount', async () => {
    const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
    const page = await context.newPage();
    await giveMonthly(page, '5');
    await raisedBecomes(500);
    await axe(page, 'thank-you (monthly)');
    await screenshot(page, 'manage-thank-you-phone');

    await page.getByRole('button', { name: 'Manage your monthly gift' }).click();
    await page.waitForURL(/\/p\/session\//);
    assert.match((await page.textContent('body')) ?? '', /TEST MODE/);
    await screenshot(page, 'manage-portal-phone');
    const subscription = await page.locator('input[name=subscription]').first().inputValue();

    // Change the amount to $25 a month: from the next month on.
    await page.getByRole('radio', { name: /\$25/ }).first().check();
    await page.getByRole('button', { name: 'Update subscription' }).click();
    await page.waitForURL(/\/p\/session\//);
    assert.match((await page.textContent('body')) ?? '', /\$25/);
    await raisedBecomes(500);
    const renewal = await fetch(`${server.url}/_emulator/subscriptions/${subscription}/renew`, { method: 'POST' });
    assert.equal(renewal.status, 200);
    await raisedBecomes(3000);

    // Cancel at the end of the paid month, with a reason.
    await page
      .getByRole('radio', { name: /too expensive/i })
      .first()
      .check();
    await page
      .getByRole('button', { name: /Cancel/ })
      .first()
      .click();
    await page.waitForURL(/\/p\/session\//);
    await screenshot(page, 'manage-portal-cancelled-phone');
    assert.match((await page.textContent('body')) ?? '', /Don't cancel/);
    await page.getByRole('link', { name: /Return/ }).click();
    await page.waitForURL(`${server.url}/`);

    await page.setViewportSize(DESKTOP);
    await staffLogin(page);
    for (let i = 0; i < 50; i++) {
      const count = await page.locator('[data-pledge-status="ending"] td').nth(2).textContent();
      if (count?.trim() === '1') break;
      await new Promise((r) => setTimeout(r, 100));
      await page.reload();
    }
    assert.equal((await page.locator('[data-pledge-status="ending"] td').nth(2).textContent())?.trim(), '1');
    await screenshot(page, 'manage-staff-dashboard-desktop');
    await context.close();
  });

  it('when an admin cancels a pledge from the gift list, then the confirmation page asks when and why, and passes axe-core', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, bypassCSP: true });
    const page = await context.newPage();
    await giveMonthly(page, '25');
    await staffLogin(page);
    await page.goto(`${server.url}/staff/gifts?frequency=monthly`);
    await page.getByRole('link', { name: 'Cancel pledge…' }).first().click();
    await page.waitForURL(/\/staff\/pledges\/sub_\w+\/cancel/);
    await axe(page, 'cancel a pledge');
    await screenshot(page, 'staff-cancel-pledge-desktop');
    await page.getByRole('button', { name: 'Cancel this pledge' }).click();
    // The reason is required: the browser keeps the form until it is given.
    await page.getByLabel(/Reason/).fill('Donor asked by e-mail');
    await page.getByRole('radio', { name: /At once/ }).check();
    await page.getByRole('button', { name: 'Cancel this pledge' }).click();
    await page.waitForURL(/done=1/);
    assert.match((await page.textContent('main')) ?? '', /has ended/);
    await page.setViewportSize(PHONE);
    await screenshot(page, 'staff-cancel-pledge-done-phone');
    await context.close();
  });

  it('when the manage pages refuse or wait, then they pass axe-core too', async () => {
    const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(server.url);
    // The form as the thank-you page would post it, with an id that matches no gift.
    const [answer] = await Promise.all([
      page.waitForResponse(`${server.url}/thank-you/manage`),
      page.waitForURL(`${server.url}/thank-you/manage`, { waitUntil: 'load' }),
      page.evaluate(() => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = '/thank-you/manage';
        form.innerHTML = '<input name="session_id" value="cs_test_unknown">';
        document.body.append(form);
        form.submit();
      }),
    ]);
    assert.equal(answer.status(), 404);
    await axe(page, 'manage: not found');
    await screenshot(page, 'manage-not-found-phone');
    await context.close();
  });
});
