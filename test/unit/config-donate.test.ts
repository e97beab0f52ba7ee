import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertConfigError } from '../helpers/config.ts';
import { loadConfig } from '../../lib/config.ts';
import { feeCoverMinor } from '../../lib/config-donate.ts';

const bad = assertConfigError;

describe('the donate form settings', () => {
  it('when nothing is set, then 5-100 once with $25 preselected, 5-25 monthly with $10, and a 3% fee cover', () => {
    const { form } = loadConfig({}).fundraiser;
    assert.deepEqual(form.presets, { once: [5, 10, 25, 50, 100], monthly: [5, 10, 25] });
    assert.deepEqual(form.defaults, { once: 25, monthly: 10 });
    assert.equal(form.coverFeesPercent, 3);
    assert.ok(Object.isFrozen(form.presets.once));
  });

  it('when lists are set, then they are used sorted and without repeats', () => {
    const { form } = loadConfig({
      DONATE_PRESETS_ONCE: ' 50, 20,20 ,100',
      DONATE_DEFAULT_ONCE: '50',
      DONATE_PRESETS_MONTHLY: '25,5',
      DONATE_DEFAULT_MONTHLY: '5',
      DONATE_COVER_FEES_PERCENT: '2.9',
    }).fundraiser;
    assert.deepEqual(form.presets, { once: [20, 50, 100], monthly: [5, 25] });
    assert.deepEqual(form.defaults, { once: 50, monthly: 5 });
    assert.equal(form.coverFeesPercent, 2.9);
    assert.equal(loadConfig({ DONATE_COVER_FEES_PERCENT: '0' }).fundraiser.form.coverFeesPercent, 0);
  });

  it('when a list is not whole amounts, then the error names it', () => {
    bad({ DONATE_PRESETS_ONCE: '5,ten' }, 'DONATE_PRESETS_ONCE', /whole amounts separated by commas/);
    bad({ DONATE_PRESETS_MONTHLY: '5.5' }, 'DONATE_PRESETS_MONTHLY', /whole amounts/);
    bad({ DONATE_PRESETS_ONCE: '1,2,3,4,5,6,7,8,9' }, 'DONATE_PRESETS_ONCE', /1 to 8/);
  });

  it('when a preset is outside DONATION_MIN..MAX, then the error names the list and the bounds; $5 and $25 are always allowed', () => {
    bad(
      { DONATE_PRESETS_ONCE: '25,20000', DONATE_DEFAULT_ONCE: '25' },
      'DONATE_PRESETS_ONCE',
      /20000 is outside .*2\.\.10000/,
    );
    bad(
      { DONATION_MIN: '10', DONATE_PRESETS_MONTHLY: '7,10', DONATE_DEFAULT_MONTHLY: '10' },
      'DONATE_PRESETS_MONTHLY',
      /7 is outside/,
    );
    const c = loadConfig({ DONATION_MIN: '10', DONATE_PRESETS_MONTHLY: '5,10,25' });
    assert.deepEqual(c.fundraiser.form.presets.monthly, [5, 10, 25]);
  });

  it('when a preselected amount is not in its list, then the error names it and the list', () => {
    bad(
      { DONATE_DEFAULT_ONCE: '30' },
      'DONATE_DEFAULT_ONCE',
      /must be one of DONATE_PRESETS_ONCE \(5, 10, 25, 50, 100\)/,
    );
    bad({ DONATE_PRESETS_MONTHLY: '5,25' }, 'DONATE_DEFAULT_MONTHLY', /must be one of DONATE_PRESETS_MONTHLY/);
    bad({ DONATE_DEFAULT_ONCE: 'lots' }, 'DONATE_DEFAULT_ONCE', /whole amount/);
  });

  it('when the fee cover percent is out of range or too precise, then the error names it', () => {
    bad({ DONATE_COVER_FEES_PERCENT: '-1' }, 'DONATE_COVER_FEES_PERCENT', /0 \(off\) or more/);
    bad({ DONATE_COVER_FEES_PERCENT: '12' }, 'DONATE_COVER_FEES_PERCENT', /at most 10/);
    bad({ DONATE_COVER_FEES_PERCENT: '2.95' }, 'DONATE_COVER_FEES_PERCENT', /one decimal/);
    bad({ DONATE_COVER_FEES_PERCENT: 'some' }, 'DONATE_COVER_FEES_PERCENT', /number/);
  });

  it('when the fee cover is worked out, then it is the percent of the gift rounded to the nearest minor unit', () => {
    assert.equal(feeCoverMinor(2500, 3), 75);
    assert.equal(feeCoverMinor(1000, 2.9), 29);
    assert.equal(feeCoverMinor(500, 2.9), 15); // 14.5 rounds up
    assert.equal(feeCoverMinor(2500, 0), 0);
  });
});
