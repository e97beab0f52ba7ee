// The currencies a reader may give in: round local amounts per currency, bounds checked
// against Stripe's minimum charge, and a zero-decimal campaign (yen) that works as set.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertConfigError } from '../helpers/config.ts';
import { loadConfig } from '../../lib/config.ts';
import { formOf } from '../../lib/config-donate.ts';
import { minimumChargeMinor, minimumWholeAmount } from '../../lib/currencies.ts';

const bad = assertConfigError;

describe('the currencies readers may give in', () => {
  it('when DONATE_CURRENCIES is not set, then only the campaign currency is offered', () => {
    const { form } = loadConfig({}).fundraiser;
    assert.deepEqual(
      form.currencies.map((c) => c.currency),
      ['usd'],
    );
  });

  it('when usd, eur and gbp are offered, then each has its own round amounts, the campaign currency first', () => {
    const { form } = loadConfig({ DONATE_CURRENCIES: 'GBP, eur,usd' }).fundraiser;
    assert.deepEqual(
      form.currencies.map((c) => c.currency),
      ['usd', 'gbp', 'eur'],
    );
    const gbp = formOf(form, 'gbp')!;
    assert.deepEqual(gbp.presets.once, [3, 5, 10, 25, 50]);
    assert.equal(gbp.defaults.once, 10);
    assert.equal(gbp.smallGift, 3);
    assert.deepEqual(formOf(form, 'eur')!.presets.monthly, [5, 10, 25]);
  });

  it('when a currency has its own variables, then they are used and checked under their names', () => {
    const { form } = loadConfig({
      DONATE_CURRENCIES: 'usd,eur',
      DONATE_PRESETS_ONCE_EUR: '10,20,50',
      DONATE_DEFAULT_ONCE_EUR: '20',
      DONATION_MIN_EUR: '3',
    }).fundraiser;
    const eur = formOf(form, 'eur')!;
    assert.deepEqual(eur.presets.once, [10, 20, 50]);
    assert.equal(eur.min, 3);
    assert.deepEqual(form.presets.once, [5, 10, 25, 50, 100], 'the campaign currency keeps the plain variables');
    bad(
      { DONATE_CURRENCIES: 'usd,eur', DONATE_DEFAULT_ONCE_EUR: '30' },
      'DONATE_DEFAULT_ONCE_EUR',
      /one of DONATE_PRESETS_ONCE_EUR/,
    );
    bad({ DONATE_CURRENCIES: 'usd,eur', DONATE_PRESETS_ONCE_EUR: '5,x' }, 'DONATE_PRESETS_ONCE_EUR', /whole amounts/);
  });

  it('when a currency has no built-in amounts, then its presets must be set, and then it is offered', () => {
    bad({ DONATE_CURRENCIES: 'usd,zar' }, 'DONATE_PRESETS_ONCE_ZAR', /must be set/);
    const { form } = loadConfig({
      DONATE_CURRENCIES: 'usd,zar',
      DONATE_PRESETS_ONCE_ZAR: '50,100,200',
      DONATE_PRESETS_MONTHLY_ZAR: '50,100',
      DONATE_DEFAULT_ONCE_ZAR: '100',
      DONATE_DEFAULT_MONTHLY_ZAR: '50',
      DONATION_MIN_ZAR: '20',
      DONATION_MAX_ZAR: '100000',
    }).fundraiser;
    assert.equal(formOf(form, 'zar')!.defaults.once, 100);
  });

  it('when the list is bad or leaves out the campaign currency, then DONATE_CURRENCIES is named', () => {
    bad({ DONATE_CURRENCIES: 'eur,gbp' }, 'DONATE_CURRENCIES', /must include the campaign's currency .*usd/);
    bad({ DONATE_CURRENCIES: 'usd,euro' }, 'DONATE_CURRENCIES', /three-letter currency codes/);
    bad(
      {
        DONATE_CURRENCIES: 'usd,qqq',
        DONATE_PRESETS_ONCE_QQQ: '5',
        DONATE_PRESETS_MONTHLY_QQQ: '5',
        DONATE_DEFAULT_ONCE_QQQ: '5',
        DONATE_DEFAULT_MONTHLY_QQQ: '5',
        DONATION_MAX_QQQ: '10',
      },
      'DONATE_CURRENCIES',
      /qqq is not a currency/,
    );
  });

  it("when a bound is below Stripe's minimum charge in its currency, then start-up stops naming it", () => {
    bad(
      { FUNDRAISER_CURRENCY: 'jpy', DONATION_MIN: '20' },
      'DONATION_MIN',
      /at least 50, Stripe's minimum charge in jpy/,
    );
    bad({ DONATE_CURRENCIES: 'usd,hkd', DONATION_MIN_HKD: '3' }, 'DONATION_MIN_HKD', /at least 4/);
    assert.equal(minimumWholeAmount('gbp'), 1);
    assert.equal(minimumChargeMinor('xyz'), null);
  });

  it('when the campaign is in yen, then the presets, bounds, named amounts and portal amounts are round yen, not 5 and 25', () => {
    const c = loadConfig({ FUNDRAISER_CURRENCY: 'jpy' });
    const { form } = c.fundraiser;
    assert.deepEqual(form.presets.once, [500, 1000, 3000, 5000, 10_000]);
    assert.deepEqual(form.defaults, { once: 3000, monthly: 1000 });
    assert.equal(c.fundraiser.donationMin, 100);
    assert.equal(form.currencies[0]!.smallGift, 500);
    assert.equal(c.appealNumbers.averageGiftFallback, 3000);
    assert.deepEqual(c.portal.monthlyAmounts, [500, 1000, 3000, 5000, 10_000]);
  });
});

describe("the currencies Stripe's rules allow", () => {
  it('when a currency whose amounts Stripe writes in units this site does not model is offered, then start-up stops', () => {
    bad(
      {
        DONATE_CURRENCIES: 'usd,isk',
        DONATE_PRESETS_ONCE_ISK: '1000',
        DONATE_PRESETS_MONTHLY_ISK: '1000',
        DONATE_DEFAULT_ONCE_ISK: '1000',
        DONATE_DEFAULT_MONTHLY_ISK: '1000',
        DONATION_MAX_ISK: '100000',
      },
      'DONATE_CURRENCIES',
      /isk is not supported/,
    );
  });

  it('when a misspelt currency is offered, then the error says so rather than asking for its amounts', () => {
    bad({ DONATE_CURRENCIES: 'usd,eru' }, 'DONATE_CURRENCIES', /eru is not a currency/);
  });

  it("when the largest gift is more than Stripe's eight digits with the fee cover, then DONATION_MAX is named", () => {
    bad({ DONATION_MAX: '999999' }, 'DONATION_MAX', /more than Stripe can charge/);
    bad({ DONATE_CURRENCIES: 'usd,inr', DONATION_MAX_INR: '1000000' }, 'DONATION_MAX_INR', /more than Stripe/);
    assert.equal(formOf(loadConfig({ DONATE_CURRENCIES: 'usd,inr' }).fundraiser.form, 'inr')!.max, 500_000);
  });
});
