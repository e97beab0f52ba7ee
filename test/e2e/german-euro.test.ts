// A German reader on a dollar campaign that also takes euros: the appeal comes in German with
// euros shown first, the gift is paid in euros, the thank-you page answers in German, and the
// bar moves by what Stripe settled in dollars (the balance transaction), not by the euro digits.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium, PHONE, screenshot } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

let server: ServerProcess;
let browser: Browser;

before(async () => {
  server = await startServerProcess({ DONATE_CURRENCIES: 'usd,eur,gbp', FUNDRAISER_GOAL: '1000' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Intl writes a no-break space between amount and sign ("25\u00a0€"): compared as plain spaces. */
const plain = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

async function stripe<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer sk_test_emulator' } });
  return (await res.json()) as T;
}

describe('a German reader gives in euros', () => {
  it('when the browser speaks German, then the gift is in euros in German, and the bar counts the settled dollars', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'de-DE' });
    const page = await context.newPage();
    await page.goto(server.url);
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.equal(await page.locator('a[aria-current="true"]', { hasText: 'EUR' }).count(), 1, 'euros are shown first');
    const button = page.locator('button.give');
    assert.equal(plain(await button.innerText()), '25 € einmalig spenden');

    await page.getByRole('radio', { name: /^50 €/ }).check();
    assert.equal(plain(await button.innerText()), '50 € einmalig spenden');
    await screenshot(page, 'appeal-de-eur-phone');
    await button.click();

    await page.waitForURL(/\/c\/pay\/cs_test_/);
    await page.getByRole('button', { name: /Pay with test card/ }).click();
    await page.waitForURL(/\/thank-you\?session_id=cs_test_.*lang=de/);
    assert.equal(plain(await page.locator('h1').textContent()), 'Vielen Dank für Ihre Spende von 50 €.');
    await screenshot(page, 'thank-you-de-eur-phone');

    // The ledger counts what Stripe settled in the account's dollars.
    const txns = await stripe<{ data: Array<{ amount: number; currency: string; exchange_rate: number | null }> }>(
      '/v1/balance_transactions?limit=1',
    );
    const settled = txns.data[0]!;
    assert.equal(settled.currency, 'usd');
    assert.ok(settled.exchange_rate && settled.exchange_rate !== 1, 'the emulator converted at a rate');
    const progress = (await (await fetch(`${server.url}/api/progress`)).json()) as { raised: number; currency: string };
    assert.equal(progress.currency, 'usd');
    assert.equal(progress.raised, settled.amount);
    assert.notEqual(progress.raised, 5000, 'not the euro digits');
    // The bar on the thank-you page says it in German, in dollars.
    const raisedText = plain(await page.locator('[data-raised]').textContent());
    const dollars = new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'USD', minimumFractionDigits: 0 });
    assert.equal(raisedText, plain(dollars.format(settled.amount / 100)));
    await context.close();
  });
});
