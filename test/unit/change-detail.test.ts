// The change log's details as staff read them: the ledger writes minor units and a currency
// (and always has), so money is formatted at render time, old entries included.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { changeDetail } from '../../routes/views.ts';

describe('change log details', () => {
  it('when an offline gift was logged in cents, then it reads as money with the day it was received', () => {
    assert.equal(
      changeDetail('offline gift', '25000 usd received 2026-11-20T00:00:00.000Z (manual_ab12): Cheque no. 1234'),
      '$250 received 2026-11-20 (manual_ab12): Cheque no. 1234',
    );
    assert.equal(
      changeDetail('offline gift', '1250 eur received 2026-01-02T00:00:00.000Z (manual_x): two\nlines'),
      '€12.50 received 2026-01-02 (manual_x): two\nlines',
    );
    assert.equal(
      changeDetail('offline gift', '5000 jpy received 2026-01-02T00:00:00.000Z (manual_y): ok'),
      '¥5,000 received 2026-01-02 (manual_y): ok',
    );
  });

  it('when a goal change was logged in cents, then both goals read as money', () => {
    assert.equal(changeDetail('goal', 'campaign 2026: 25000000 -> 30000000 usd'), 'campaign 2026: $250,000 → $300,000');
  });

  it('when a detail has another shape (a pledge cancelled, text a person typed), then it is shown as written', () => {
    const pledge = 'sub_123 (a@example.org) at once: 25000 usd received 2026-01-01 (x): y';
    assert.equal(changeDetail('pledge cancelled', pledge), pledge);
    assert.equal(changeDetail('goal', 'campaign 2026: 100 -> lots usd'), 'campaign 2026: 100 -> lots usd');
    assert.equal(changeDetail('offline gift', 'received something'), 'received something');
  });
});
