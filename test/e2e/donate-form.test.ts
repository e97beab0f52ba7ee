// The donate form and the bar in Chromium, as readers use them: the keyboard flow past the
// other-amount field, typing then tapping a tile, the button's live words, errors that take
// the focus, and axe-core on the appeal at both widths, from the first gifts to the goal.
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
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const raised = () => server.raised();
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLInputElement | null;
    return el?.getAttribute('name') ?? el?.textContent ?? null;
  });
const giveButton = (page: Page) => page.locator('button.give');
const other = (page: Page) => page.locator('input[name=other_amount]');

async function payOnCheckout(page: Page, amount: string) {
  await page.waitForURL(/\/c\/pay\/cs_test_/);
  assert.equal((await page.locator('p.amount').textContent())?.replace(/\s+per month/, '').trim(), amount);
  await page.getByRole('button', { name: /Pay with test card/ }).click();
  await page.waitForURL(/\/thank-you/);
}

describe('the donate form in the browser', () => {
  it('when a reader keeps $25, tabs past the other-amount field to Donate and presses Enter, then checkout is for $25', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.locator('input[name=amount][value="25"]').focus();
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'other_amount');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'Donate $25 once');
    assert.equal(
      await page.locator('input[name=amount][value="other"]').isChecked(),
      false,
      'passing through changed nothing',
    );
    assert.equal(await page.locator('input[name=amount][value="25"]').isChecked(), true);
    await page.keyboard.press('Enter');
    await payOnCheckout(page, '$25');
    assert.equal(await raised(), 2500);
    await context.close();
  });

  it('when a reader types 40 and then taps $5, then the field is emptied, the button says $5, and $5 is charged', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(server.url);
    await other(page).fill('40');
    assert.equal(await page.locator('input[name=amount][value="other"]').isChecked(), true, 'typing takes over');
    assert.equal(await giveButton(page).textContent(), 'Donate $40 once');
    await page.locator('label.amount-choice', { has: page.locator('input[value="5"]') }).click();
    assert.equal(await other(page).inputValue(), '');
    assert.equal(await giveButton(page).textContent(), 'Donate $5 once');
    await giveButton(page).click();
    await payOnCheckout(page, '$5');
    assert.equal(await raised(), 3000);
    await context.close();
  });

  it('when the reader changes frequency, amount and fee cover, then the tiles and the button follow', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(server.url);
    assert.equal(await giveButton(page).textContent(), 'Donate $25 once');
    assert.equal(
      await page.locator('label.amount-choice', { has: page.locator('input[value="100"]') }).isVisible(),
      true,
    );
    await page.getByRole('radio', { name: 'Monthly' }).check();
    assert.equal(
      await giveButton(page).textContent(),
      'Donate $10 monthly',
      'the monthly preselection, as nothing was chosen',
    );
    assert.equal(
      await page.locator('label.amount-choice', { has: page.locator('input[value="100"]') }).isVisible(),
      false,
    );
    assert.equal(await page.getByText('/month').first().isVisible(), true);
    await page.getByRole('radio', { name: /^\$25/ }).check();
    await page.getByRole('checkbox', { name: /cover the payment fees/ }).check();
    assert.equal(await giveButton(page).textContent(), 'Donate $25.75 monthly');
    assert.match((await page.locator('label.cover-fees').textContent()) ?? '', /Add 3% \(\$0\.75\)/);
    await page.getByRole('radio', { name: 'Once' }).check();
    assert.equal(await giveButton(page).textContent(), 'Donate $25.75 once', 'a chosen tile the list has stays');
    await other(page).fill('1000');
    assert.equal(await giveButton(page).textContent(), 'Donate $1,030 once');
    await other(page).fill('');
    assert.equal(await giveButton(page).textContent(), 'Donate $25.75 once', 'emptying the field gives the tile back');
    await context.close();
  });

  it('when the amount is wrong, then the message is tied to the field, which takes the focus, and typing clears it', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(server.url);
    await other(page).fill('1');
    await giveButton(page).click();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /between \$2 and \$10,000/);
    assert.equal(await focused(page), 'other_amount');
    assert.equal(await other(page).getAttribute('aria-invalid'), 'true');
    assert.equal(await other(page).getAttribute('aria-describedby'), 'donate-error');
    assert.equal(new URL(page.url()).pathname, '/', 'nothing was sent');
    await other(page).fill('12');
    assert.equal(await other(page).getAttribute('aria-invalid'), null);
    assert.equal(await page.getByRole('alert').isVisible(), false);
    await context.close();
  });

  it('when the script is off and the server refuses the amount, then the page comes back with the field focused and marked', async () => {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.url);
    assert.equal((await giveButton(page).innerText()).trim(), 'Donate $25 once', 'the server names the preselection');
    await page.getByLabel('Another amount', { exact: true }).check();
    assert.equal(await giveButton(page).isVisible(), true);
    assert.equal((await giveButton(page).innerText()).trim(), 'Donate', 'the button stops naming what changed');
    await giveButton(page).click();
    await page.waitForURL(/\/donate$/);
    assert.match((await page.getByRole('alert').textContent()) ?? '', /enter the amount/);
    assert.equal(await focused(page), 'other_amount');
    assert.equal(await other(page).getAttribute('aria-invalid'), 'true');
    await context.close();
  });
});

describe('the appeal at both widths', () => {
  const widths = [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const;

  async function checkAppeal(label: string) {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    for (const [name, viewport] of widths) {
      await page.setViewportSize(viewport);
      await page.goto(server.url);
      await screenshot(page, `appeal-${label}-${name}`);
      await axe(page, `appeal (${label}, ${name})`);
      await page.getByRole('radio', { name: 'Monthly' }).check();
      await page.getByRole('checkbox', { name: /cover the payment fees/ }).check();
      await axe(page, `appeal monthly with the fee cover (${label}, ${name})`);
      await page.getByLabel('Another amount', { exact: true }).check();
      await giveButton(page).click();
      await axe(page, `appeal with an error (${label}, ${name})`);
    }
    await context.close();
  }

  it('when a few gifts are in, then axe-core finds nothing on the appeal at either width', async () => {
    assert.ok((await raised()) > 0);
    await checkAppeal('few-gifts');
  });

  it('when the goal is reached and staff set a stretch message, then the bar says so and axe-core finds nothing', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(server.url);
    await other(page).fill('1000');
    await giveButton(page).click();
    await payOnCheckout(page, '$1,000');

    await server.addStaff('stretch@example.org', 'a long staff password');
    await page.goto(`${server.url}/staff/login`);
    await page.getByLabel('E-mail').fill('stretch@example.org');
    await page.getByLabel('Password').fill('a long staff password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/staff`);
    await page.goto(`${server.url}/staff/settings`);
    await page.getByLabel(/^Message/).fill('Every gift from here pays for next year’s new server.');
    await page.getByRole('button', { name: 'Save message' }).click();
    await page.waitForURL(/saved=1/);
    await context.close();

    const check = await browser.newPage();
    await check.goto(server.url);
    assert.match(
      (await check.locator('[data-goal-reached]').textContent()) ?? '',
      /Goal reached\. Thank you! Every gift from here pays for next year’s new server\./,
    );
    assert.equal(await check.locator('[data-bar-fill]').getAttribute('style'), 'width: 100%');
    await check.close();
    await checkAppeal('goal-reached');
  });
});
