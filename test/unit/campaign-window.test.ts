import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { displayedWindow, windowFor } from '../../lib/campaign-window.ts';

describe('campaign window', () => {
  const year = { kind: 'calendar-year' } as const;

  it('when a gift is paid at 23:59:59 on Dec 31, then it belongs to that year', () => {
    assert.equal(windowFor(year, new Date('2026-12-31T23:59:59.999Z'))?.slug, '2026');
  });

  it('when a gift is paid at 00:00:00 on Jan 1, then it belongs to the new year', () => {
    const w = windowFor(year, new Date('2027-01-01T00:00:00Z'))!;
    assert.equal(w.slug, '2027');
    assert.equal(w.startsAt.toISOString(), '2027-01-01T00:00:00.000Z');
    assert.equal(w.endsAt.toISOString(), '2028-01-01T00:00:00.000Z');
  });

  it('when the window is fixed, then moments outside it belong to no campaign', () => {
    const fixed = {
      kind: 'fixed',
      startsAt: new Date('2026-07-01T00:00:00-05:00'),
      endsAt: new Date('2027-07-01T00:00:00-05:00'),
    } as const;
    assert.equal(windowFor(fixed, new Date('2026-07-01T04:59:59Z')), null);
    assert.equal(windowFor(fixed, new Date('2026-07-01T05:00:00Z'))?.slug, '2026-07-01_2027-07-01');
    assert.equal(windowFor(fixed, new Date('2027-07-01T05:00:00Z')), null);
    // The page keeps showing the fixed campaign after it ends.
    assert.equal(displayedWindow(fixed, new Date('2030-01-01T00:00:00Z')).slug, '2026-07-01_2027-07-01');
  });
});
