import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoney, minorDigits, percentOf, toMinor } from '../../lib/money.ts';

describe('money', () => {
  it('when an amount is whole, then it is shown without cents', () => {
    assert.equal(formatMoney(2500, 'usd'), '$25');
    assert.equal(formatMoney(25_000_000, 'usd'), '$250,000');
    assert.equal(formatMoney(0, 'usd'), '$0');
  });

  it('when an amount has cents, then they are shown', () => {
    assert.equal(formatMoney(1250, 'usd'), '$12.50');
    assert.equal(formatMoney(1, 'usd'), '$0.01');
  });

  it('when the currency has no minor unit or three decimals, then the count of minor units follows it', () => {
    assert.equal(minorDigits('jpy'), 0);
    assert.equal(minorDigits('kwd'), 3);
    assert.equal(toMinor(500, 'jpy'), 500);
    assert.equal(toMinor(5, 'usd'), 500);
    assert.equal(formatMoney(500, 'jpy'), '¥500');
    assert.equal(formatMoney(2500, 'eur'), '€25');
  });

  it('when an amount is not whole or too large, then toMinor refuses it', () => {
    assert.throws(() => toMinor(2.5, 'usd'), RangeError);
    assert.throws(() => toMinor(Number.MAX_SAFE_INTEGER, 'usd'), RangeError);
  });

  it('when raised passes the goal, then the percentage passes 100', () => {
    assert.equal(percentOf(12_500, 5_000_000), 0.25);
    assert.equal(percentOf(7_500_000, 5_000_000), 150);
    assert.equal(percentOf(1, 3), 33.33);
    assert.equal(percentOf(5, 0), 0);
  });
});
