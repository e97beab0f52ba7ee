// Staff pages keep English words, but write numbers, money and dates the way the staff
// member's browser asks (Accept-Language), any locale Node knows; no header, en-US.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { loggedInStaff } from '../helpers/staff.ts';
import { staffLocaleOf } from '../../routes/middleware/staff-locale.ts';

let t: TestApp;
before(async () => {
  t = await makeTestApp({ now: new Date('2026-11-29T12:00:00Z') });
  await t.deps.ledger.recordManualGift({
    amountMinor: 123_450,
    receivedAt: new Date('2026-11-28T09:30:00Z'),
    reason: 'Cheque no. 77',
    donorName: 'A reader',
    staffEmail: 'admin@example.org',
  });
});
after(() => t.close());

// Intl separates some parts with no-break spaces: compared as plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('staff figures in the staff member’s own format', () => {
  it('when the browser asks for German, then the dashboard and gift list write money and dates the German way', async () => {
    const agent = await loggedInStaff(t.app, t.deps.db);
    const dashboard = plain((await agent.get('/staff').set('Accept-Language', 'de-DE,de;q=0.9').expect(200)).text);
    assert.match(dashboard, /data-k="raised">1\.234,50 \$</);
    assert.match(dashboard, /data-locale="de-DE"/);
    assert.match(dashboard, /Raised \(net\)/, 'the words stay English');
    const gifts = plain((await agent.get('/staff/gifts').set('Accept-Language', 'de-DE').expect(200)).text);
    assert.match(gifts, /28\.11\.2026, 09:30 UTC/);
  });

  it('when the browser names no language, or one Intl does not know, then en-US', async () => {
    const agent = await loggedInStaff(t.app, t.deps.db);
    const page = plain((await agent.get('/staff').expect(200)).text);
    assert.match(page, /data-k="raised">\$1,234\.50</);
    const gifts = plain((await agent.get('/staff/gifts').expect(200)).text);
    assert.match(gifts, /Nov 28, 2026, 9:30 AM UTC/);
    assert.equal(staffLocaleOf('xx-invalid-@@, *'), 'en-US');
    assert.equal(staffLocaleOf('fr-CH, fr;q=0.9'), 'fr-CH');
    // Private-use and extension parts are dropped: a header cannot make up locales (and formatters) without end.
    assert.equal(staffLocaleOf('de-x-a1b2c3'), 'de');
    assert.equal(staffLocaleOf('de-DE-u-nu-arab-x-zzz'), 'de-DE');
  });
});
