// The staff gift list pages by id (keyset): "Older" carries before=<id> and the filter, so a
// deep page costs what the first does and a gift arriving meanwhile shifts nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { loggedInStaff } from '../helpers/staff.ts';

let t: TestApp;
before(async () => {
  t = await makeTestApp();
  for (let i = 0; i < 120; i++)
    await t.deps.ledger.recordManualGift({
      amountMinor: 100 + i,
      receivedAt: new Date('2026-03-01T12:00:00Z'),
      reason: 'cheque',
      donorName: null,
      staffEmail: 'staff@example.org',
    });
});
after(() => t.close());

const giftsOn = (html: string) => new Set(html.match(/manual_[0-9a-f-]{36}/g) ?? []);
const link = (html: string, rel: string) =>
  html.match(new RegExp(`href="([^"]+)" rel="${rel}"`))?.[1]?.replace(/&amp;/g, '&') ?? null;

describe('staff gift list pages', () => {
  it('when staff page through 120 gifts, then Older links carry before=<id> and the filter, and every gift shows once', async () => {
    const agent = await loggedInStaff(t.app, t.deps.db);
    const seen = new Set<string>();
    let url: string | null = '/staff/gifts?status=paid';
    const sizes: number[] = [];
    while (url) {
      const html: string = (await agent.get(url).expect(200)).text;
      const page = giftsOn(html);
      sizes.push(page.size);
      for (const g of page) {
        assert.ok(!seen.has(g), `${g} shown twice`);
        seen.add(g);
      }
      url = link(html, 'next');
      if (url) assert.match(url, /^\/staff\/gifts\?status=paid&before=\d+$/);
      if (sizes.length > 1) assert.equal(link(html, 'first'), '/staff/gifts?status=paid');
    }
    assert.deepEqual(sizes, [50, 50, 20]);
    assert.equal(seen.size, 120);
    // A before= that is not an id is the first page, not an error.
    assert.equal(giftsOn((await agent.get('/staff/gifts?before=junk').expect(200)).text).size, 50);
  });
});
