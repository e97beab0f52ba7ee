// What a reader types in "another amount": the number read their way, and a currency typed
// with it. A misread here charges the wrong sum, so each shape people write is pinned.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readTypedAmount } from '../../lib/appeal/typed-amount.ts';
import { parseDonation } from '../../lib/appeal/donation-options.ts';
import { loadConfig } from '../../lib/config.ts';
import { feeCoverMinor } from '../../lib/config-donate.ts';
import { minorDigits, minorStep, toMinor } from '../../lib/money.ts';

const number = (raw: string, locale: string) => readTypedAmount(raw, locale).number;

describe('an amount as typed', () => {
  it('when a German reader types a thousand or cents either way, then it is read as they meant it', () => {
    assert.equal(number('1.000', 'de-DE'), '1000');
    assert.equal(number('1.000,00', 'de-DE'), '1000.00');
    assert.equal(number('25,50', 'de-DE'), '25.50');
    assert.equal(number('25.00', 'de-DE'), '25.00', 'not 2,500: the other convention’s decimal point before cents');
    assert.equal(number('10.5', 'es-ES'), '10.5', 'not 105');
    assert.equal(number('1.000.000', 'de-DE'), '1000000');
  });

  it('when an English reader types groups or the other decimal mark, then the same', () => {
    assert.equal(number('1,000', 'en-US'), '1000');
    assert.equal(number('25,00', 'en-US'), '25.00', 'not 2,500');
    assert.equal(number('1,000.50', 'en-US'), '1000.50');
    assert.equal(number('1,00,000', 'en-US'), '1,00,000', 'an odd grouping is left unread (refused as no number)');
  });

  it('when a sign or code is typed, then the currencies it can mean are kept', () => {
    assert.deepEqual(readTypedAmount('EUR 25', 'en-US'), { number: '25', currencies: ['eur'] });
    assert.deepEqual(readTypedAmount('25 €', 'de-DE'), { number: '25', currencies: ['eur'] });
    assert.deepEqual(readTypedAmount('US$ 40', 'en-US').currencies, ['usd']);
    assert.ok(readTypedAmount('$40', 'en-US').currencies!.includes('usd'));
    assert.equal(readTypedAmount('40', 'en-US').currencies, null);
    // A word is no currency: "ten" stays as typed (refused as no number), "12abc" too.
    assert.deepEqual(readTypedAmount('ten', 'en-US'), { number: 'ten', currencies: null });
    assert.deepEqual(readTypedAmount('12abc', 'en-US'), { number: '12abc', currencies: null });
  });

  it('when "25.00" is posted from a German page in euros, then 25 euros are charged, not 2,500', () => {
    const fundraiser = loadConfig({ DONATE_CURRENCIES: 'usd,eur' }).fundraiser;
    const parsed = parseDonation({ currency: 'eur', amount: 'other', other_amount: '25.00' }, fundraiser, 'de-DE');
    assert.ok(parsed.ok);
    assert.equal(parsed.choice.chargeMinor, 2500);
  });

  it('when an amount names another currency than the form gives in, then it is refused, not charged in the form’s', () => {
    const fundraiser = loadConfig({ DONATE_CURRENCIES: 'usd,eur' }).fundraiser;
    const parsed = parseDonation({ amount: 'other', other_amount: 'EUR 25' }, fundraiser);
    assert.deepEqual(parsed, {
      ok: false,
      field: 'amount',
      message: { id: 'donate.error.typedCurrency', values: { currency: 'USD' } },
    });
    assert.ok(parseDonation({ amount: 'other', other_amount: '$25' }, fundraiser).ok, 'a dollar sign on a dollar form');
  });
});

describe("Stripe's minor units", () => {
  it("when a currency's minor unit differs between Intl and Stripe, then Stripe's is used", () => {
    assert.deepEqual(['usd', 'jpy', 'krw', 'kwd', 'huf', 'idr'].map(minorDigits), [2, 0, 0, 3, 2, 2]);
    assert.equal(toMinor(20_000, 'huf'), 2_000_000);
  });

  it('when the fee cover is added in a currency with a step, then it keeps the step', () => {
    assert.equal(minorStep('kwd'), 10);
    assert.equal(feeCoverMinor(1000, 2.9, 'kwd'), 30, '29 fils would be refused: the last digit must be 0');
    assert.equal(feeCoverMinor(2_000_000, 2.9, 'huf') % 100, 0);
    assert.equal(feeCoverMinor(1000, 2.9, 'usd'), 29);
  });
});
