// The banner on a host page, its dismissal rules, keyboard-only giving, and axe-core's
// accessibility checks on every page, in Debian's Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { axe, DESKTOP, launchChromium, PHONE, screenshot } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

let server: ServerProcess;
let browser: Browser;
// A host page on another origin, as a forum would be.
let host: http.Server;
let hostUrl: string;

before(async () => {
  host = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(
      '<!doctype html><html lang="en"><head><title>Another site</title></head><body><main>' +
        '<h1>A forum elsewhere</h1><div data-fundraiser></div><p>Thread text.</p></main>' +
        `<script src="${server.url}/embed.js" async></script></body></html>`,
    );
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', () => r()));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  server = await startServerProcess({ FUNDRAISER_SITE_URL: '{url}/embed/demo', EMBED_ALLOWED_ORIGINS: hostUrl });
  browser = await launchChromium();
  await server.addStaff('a11y@example.org', 'a long staff password');
});
after(async () => {
  await browser?.close();
  await server?.stop();
  host?.close();
});

const raised = () => server.raised();

describe('the banner on a host page', () => {
  it('when the demo page loads, then the script banner shows the live total in its shadow root and the iframe banner shows too', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${server.url}/embed/demo`);
    const banner = page.locator('[data-fundraiser-banner]');
    await banner.waitFor();
    assert.match((await banner.locator('.f').textContent()) ?? '', /^\$0 raised of \$1,000/);
    assert.equal(await page.evaluate(() => document.querySelector('.b')), null, 'its markup stays in the shadow root');
    const frame = page.frameLocator('iframe.banner-frame');
    assert.match((await frame.locator('.figures').textContent()) ?? '', /\$0/);
    await screenshot(page, 'embed-demo-desktop');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'embed-demo-phone');
    await context.close();
  });

  it('when the script is on a page of another origin, then the banner loads there too', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(hostUrl);
    await page.locator('[data-fundraiser-banner]').waitFor();
    assert.match((await page.locator('[data-fundraiser-banner] .f').textContent()) ?? '', /raised of \$1,000/);
    await context.close();
  });

  it('when a reader closes the script banner, then it stays hidden on reload and returns after 7 days', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${server.url}/embed/demo`);
    await page.locator('[data-fundraiser-banner]').waitFor();
    await page.getByRole('button', { name: 'Close the fundraiser banner' }).first().click();
    assert.equal(await page.locator('[data-fundraiser-banner]').count(), 0);
    await page.reload();
    await page.waitForLoadState('networkidle');
    assert.equal(await page.locator('[data-fundraiser-banner]').count(), 0, 'hidden after reload');

    const later = await context.newPage();
    await later.clock.install({ time: new Date(Date.now() + 7 * 86_400_000 + 60_000) });
    await later.goto(`${server.url}/embed/demo`);
    await later.locator('[data-fundraiser-banner]').waitFor();
    await context.close();
  });

  it('when JavaScript is off, then the iframe banner still works and its close button hides it', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/embed/banner`);
    assert.match((await page.locator('.figures').textContent()) ?? '', /raised of \$1,000/);
    assert.equal(await page.locator('form.give-form').getAttribute('target'), '_top');
    assert.equal(await page.getByRole('radio', { name: '$25' }).isChecked(), true, 'an amount is chosen already');
    await page.getByRole('button', { name: 'Close the fundraiser banner' }).click();
    await page.waitForURL(/\/embed\/banner$/);
    assert.equal(await page.locator('main.collapsed').count(), 1);
    assert.equal((await page.textContent('body'))?.trim(), 'Fundraiser banner hidden', 'nothing but a hidden heading');
    await context.close();
  });

  it('when a reader gives using only the keyboard, then the gift goes through, and back on the host page the banner stays hidden', async () => {
    // bypassCSP lets the test inject axe-core; the site's own CSP allows no inline script.
    const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(server.url);
    // Tab to the frequency radios, then to the amounts, where the preselected $25 has the focus;
    // arrows move within a radio group. Passing the other-amount field on the way to Donate
    // changes nothing.
    await page.keyboard.press('Tab'); // skip link
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab'); // the language switcher's four links
    await page.keyboard.press('Tab'); // "Once"
    await page.keyboard.press('Tab'); // the checked amount: $25
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).value), '25');
    await page.keyboard.press('Tab'); // the other-amount field
    await page.keyboard.press('Tab'); // the fee cover
    await page.keyboard.press('Tab'); // Donate $25 once
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Donate $25 once');
    await page.keyboard.press('Enter'); // submits the form
    await page.waitForURL(/\/c\/pay\//);
    await page.getByRole('button', { name: /Pay with test card/ }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/thank-you/);
    assert.match((await page.locator('h1').textContent()) ?? '', /gift of \$25\./);
    await axe(page, 'thank-you');
    assert.equal(await raised(), 2500);

    await page.getByRole('link', { name: 'Back to Drugs-Forum' }).click();
    await page.waitForURL(/\/embed\/demo$/);
    await page.waitForLoadState('networkidle');
    assert.equal(
      await page.locator('[data-fundraiser-banner]').count(),
      0,
      'the script banner stays hidden after a gift',
    );
    assert.match(
      (await page.frameLocator('iframe.banner-frame').locator('body').textContent()) ?? '',
      /Thank you for your gift/,
    );
    await context.close();
  });
});

describe('accessibility', () => {
  it('when axe-core checks the appeal, the banner, the demo page and the staff pages, then there are no violations', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, bypassCSP: true });
    const page = await context.newPage();
    for (const path of [
      '/',
      '/?cancelled=1&amount=40&frequency=monthly',
      '/embed/banner',
      '/embed/demo',
      '/staff/login',
    ]) {
      await page.goto(`${server.url}${path}`);
      await axe(page, path);
    }
    await page.goto(server.url);
    await page.getByLabel('Another amount', { exact: true }).check();
    await page.getByRole('button', { name: 'Donate' }).click();
    await axe(page, 'appeal with an error found by its script');
    // The server's error page: the form sent as is, past the script's check.
    await page.evaluate(() => document.querySelector<HTMLFormElement>('form.donate')!.submit());
    await page.waitForURL(/\/donate$/);
    await axe(page, 'appeal with an error from the server');

    await page.goto(`${server.url}/staff/login`);
    await page.getByLabel('E-mail').fill('a11y@example.org');
    await page.getByLabel('Password').fill('a long staff password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/staff`);
    for (const path of ['/staff', '/staff/gifts', '/staff/settings']) {
      await page.goto(`${server.url}${path}`);
      await axe(page, path);
    }
    await context.close();
  });
});
