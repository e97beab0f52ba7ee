// The banner's choices, dismissals and auto-height on the demo host page (http), giving from
// inside it by mouse and by keyboard alone, and the thank-you page's next steps, in Debian's
// Chromium, with axe-core at phone and desktop widths.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Frame, Page } from 'playwright-core';
import { axe, launchChromium, PHONE, screenshot } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const DESKTOP = { width: 1366, height: 900 };
let server: ServerProcess;
let browser: Browser;

before(async () => {
  server = await startServerProcess({
    FUNDRAISER_SITE_URL: '{url}/embed/demo',
    ORG_LEGAL_NAME: 'Drugs-Forum Foundation',
    ORG_REGISTRATION: 'Registered charity no. 1234567',
    ORG_ADDRESS: '1 Example Street, London',
    ORG_PRIVACY_URL: 'https://forum.example.org/privacy',
    ORG_CONTACT: 'give@forum.example.org',
    ORG_FUNDS_TEXT: 'Servers, hosting, licences and software.',
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function bannerFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe#fundraiser-banner', { state: 'attached' });
  const frame = (await handle.contentFrame())!;
  await frame.waitForLoadState('load');
  return frame;
}

/** The host's frame height, once it has followed the banner's (the message arrives after load). */
async function frameHeightMatches(page: Page, frame: Frame): Promise<number> {
  const content = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  await page.waitForFunction(
    (h) => document.querySelector<HTMLIFrameElement>('#fundraiser-banner')!.getBoundingClientRect().height === h,
    content,
  );
  return content;
}

/**
 * The banner's frame once the demo page has settled: the frame has taken the banner's height and
 * the script banner above it has rendered (each moves the frame; a click during the move lands on
 * whatever is there then).
 */
async function settledBanner(page: Page): Promise<{ frame: Frame; height: number }> {
  const frame = await bannerFrame(page);
  const height = await frameHeightMatches(page, frame);
  await page.locator('[data-fundraiser-banner] form').waitFor();
  return { frame, height };
}

describe('the iframe banner on the demo host page (http)', () => {
  for (const [name, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    it(`when shown at ${viewport.width}px, then the frame is as tall as the banner and the Give button is inside it`, async () => {
      const context = await browser.newContext({ viewport, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${server.url}/embed/demo`);
      const { frame, height } = await settledBanner(page);
      assert.ok(height > 150, `a banner, not an empty box (${height}px)`);
      // Both boxes are in the top page's coordinates.
      const give = (await frame.locator('[data-give-button]').boundingBox())!;
      const box = (await page.locator('#fundraiser-banner').boundingBox())!;
      assert.ok(give.y >= box.y && give.y + give.height <= box.y + box.height, 'the Give button is not cut off');
      assert.equal(await frame.locator('[data-give-button]').textContent(), 'Give $25 once');
      // Monthly: "/month" on the tiles, the button says so, the amounts monthly donors get.
      await frame.getByRole('radio', { name: 'Monthly' }).check();
      assert.equal(await frame.locator('[data-give-button]').textContent(), 'Give $25 monthly');
      assert.equal(await frame.locator('.amounts label:visible').count(), 3);
      assert.match((await frame.locator('.amounts label:visible').first().textContent()) ?? '', /\$5\/month/);
      await frameHeightMatches(page, frame);
      await screenshot(page, `banner-demo-${name}`);
      await axe(page, `demo page at ${viewport.width}px`);
      const banner = await context.newPage();
      await banner.goto(`${server.url}/embed/banner`);
      await axe(banner, `banner at ${viewport.width}px`);
      await context.close();
    });
  }

  it('when the reader closes the iframe banner on an http host page, then the frame collapses to nothing and stays so after a reload', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${server.url}/embed/demo`);
    let { frame } = await settledBanner(page);
    await frame.getByRole('button', { name: 'Close the fundraiser banner' }).click();
    await page.waitForFunction(
      () => document.querySelector<HTMLIFrameElement>('#fundraiser-banner')!.getBoundingClientRect().height === 0,
    );
    frame = await bannerFrame(page);
    assert.match(frame.url(), /\/embed\/banner$/, 'the close form reached the site (no blocked upgrade to https)');
    await page.reload();
    frame = await bannerFrame(page);
    assert.equal(await frameHeightMatches(page, frame), 0);
    assert.equal(await page.locator('#fundraiser-banner').evaluate((f) => getComputedStyle(f).visibility), 'hidden');
    await context.close();
  });

  it('when the reader chooses "Maybe later" or "I already gave", then the frame collapses too', async () => {
    for (const label of ['Maybe later', 'I already gave']) {
      const context = await browser.newContext({ viewport: DESKTOP });
      const page = await context.newPage();
      await page.goto(`${server.url}/embed/demo`);
      const { frame } = await settledBanner(page);
      await frame.getByRole('button', { name: label }).click();
      await page.waitForFunction(
        () => document.querySelector<HTMLIFrameElement>('#fundraiser-banner')!.getBoundingClientRect().height === 0,
      );
      await context.close();
    }
  });

  it('when the reader gives $10 monthly from the banner, then the top window reaches Checkout at $10 a month', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${server.url}/embed/demo`);
    const { frame } = await settledBanner(page);
    await frame.getByRole('radio', { name: 'Monthly' }).check();
    await frame.getByRole('radio', { name: /^\$10/ }).check();
    await frame.getByRole('button', { name: 'Give $10 monthly' }).click();
    await page.waitForURL(/\/c\/pay\/cs_/);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Monthly gift');
    assert.match((await page.locator('.amount').textContent()) ?? '', /^\$10 per month/);
    await context.close();
  });

  it('when the reader gives $50 once from the script banner, then Checkout opens at $50 once', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${server.url}/embed/demo`);
    await settledBanner(page);
    const banner = page.locator('[data-fundraiser-banner]');
    await banner.getByRole('radio', { name: '$50' }).check();
    await banner.getByRole('button', { name: 'Give $50 once' }).click();
    await page.waitForURL(/\/c\/pay\/cs_/);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'One-time gift');
    assert.equal((await page.locator('.amount').textContent())?.trim(), '$50');
    await context.close();
  });

  it('when a reader uses only the keyboard, then they choose monthly and $10 in the banner, give, and land on the thank-you page', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${server.url}/embed/demo`);
    const { frame } = await settledBanner(page);
    const focusedInFrame = () =>
      frame.evaluate(() => {
        const el = document.activeElement as HTMLInputElement | null;
        return el && el !== document.body ? `${el.name || el.tagName}=${el.value ?? ''}` : null;
      });
    let focused: string | null = null;
    for (let i = 0; i < 40 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await focusedInFrame();
    }
    assert.equal(focused, 'frequency=once', 'Tab reaches the banner, at the checked frequency');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focusedInFrame(), 'frequency=monthly');
    await page.keyboard.press('Tab');
    assert.equal(await focusedInFrame(), 'amount=25', 'then the checked amount');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await focusedInFrame(), 'amount=10');
    await page.keyboard.press('Tab');
    assert.equal(await frame.evaluate(() => document.activeElement?.textContent), 'Give $10 monthly');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/c\/pay\/cs_/);
    await page.getByRole('button', { name: /Pay with test card/ }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/thank-you/);
    assert.match((await page.locator('h1').textContent()) ?? '', /monthly gift of \$10 a month/);
    await context.close();
  });
});

describe('the thank-you page', () => {
  /** A one-off gift through the appeal, its amount chosen by the link (as the banner's links do). */
  async function giveOnAppeal(page: Page, amount: number) {
    await page.goto(`${server.url}/?amount=${amount}&frequency=once`);
    await page.getByRole('button', { name: /Donate/ }).click();
    await page.waitForURL(/\/c\/pay\//);
    await page.getByRole('button', { name: /Pay with test card/ }).click();
    await page.waitForURL(/\/thank-you/);
  }

  for (const [name, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    it(`when a one-off and a monthly gift are thanked at ${viewport.width}px, then each says what happens next and axe finds nothing`, async () => {
      const context = await browser.newContext({
        viewport,
        bypassCSP: true,
        permissions: ['clipboard-read', 'clipboard-write'],
      });
      const page = await context.newPage();
      await giveOnAppeal(page, 25);
      assert.match((await page.locator('h1').textContent()) ?? '', /gift of \$25\./);
      await page.getByRole('heading', { name: 'Make it monthly?' }).waitFor();
      assert.match((await page.locator('.site-footer').textContent()) ?? '', /Registered charity no\. 1234567/);
      // Copy link: the button appears with JavaScript and says what it did.
      await page.getByRole('button', { name: 'Copy link' }).click();
      await page.locator('[data-copy-status]', { hasText: 'Link copied.' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${server.url}/`);
      await screenshot(page, `thank-you-once-${name}`);
      await axe(page, `thank-you (once) at ${viewport.width}px`);

      // Make it monthly: the same amount, a monthly Checkout.
      await page.getByRole('button', { name: 'Give $25 monthly' }).click();
      await page.waitForURL(/\/c\/pay\//);
      assert.match((await page.locator('.amount').textContent()) ?? '', /^\$25 per month/);
      await page.getByRole('button', { name: /Pay with test card/ }).click();
      await page.waitForURL(/\/thank-you/);
      assert.match((await page.locator('h1').textContent()) ?? '', /monthly gift of \$25 a month/);
      await page.getByRole('button', { name: 'Manage your monthly gift' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: 'Make it monthly?' }).count(), 0);
      await screenshot(page, `thank-you-monthly-${name}`);
      await axe(page, `thank-you (monthly) at ${viewport.width}px`);
      await context.close();
    });
  }
});
