// What the site remembers of Stripe's Customer Portal (lib/payments/portal.ts): found values are
// kept ten minutes, "nothing yet" one minute (so npm run stripe:setup shows soon), and a failed
// lookup keeps serving the last good value instead of forgetting the prices.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { loadConfig } from '../../lib/config.ts';
import { createLogger } from '../../lib/logger.ts';
import { createPortal, monthlyLookupKey } from '../../lib/payments/portal.ts';

const config = loadConfig({ NODE_ENV: 'test', PORTAL_MONTHLY_AMOUNTS: '10' });

function fakeStripe() {
  const calls = { prices: 0, configurations: 0 };
  let answer: 'none' | 'some' | 'fail' = 'none';
  const price = {
    id: 'price_10',
    product: 'prod_monthly',
    unit_amount: 1000,
    currency: 'usd',
    recurring: { interval: 'month', interval_count: 1 },
    lookup_key: monthlyLookupKey(config.fundraiser, 1000),
  };
  const portalConfig = {
    id: 'bpc_1',
    metadata: { fundraiser: 'fundraiser' },
    login_page: { enabled: true, url: 'https://login' },
  };
  const fail = () => Promise.reject(new Error('Stripe is down'));
  const stripe = {
    prices: {
      list: () => {
        calls.prices++;
        return answer === 'fail' ? fail() : Promise.resolve({ data: answer === 'some' ? [price] : [] });
      },
    },
    billingPortal: {
      configurations: {
        list: () => {
          calls.configurations++;
          if (answer === 'fail') throw new Error('Stripe is down');
          return (async function* () {
            if (answer === 'some') yield portalConfig;
          })();
        },
      },
    },
  } as unknown as Stripe;
  return { stripe, calls, answer: (a: typeof answer) => (answer = a) };
}

describe('the Customer Portal lookups', () => {
  it('when nothing is set up yet, then it looks again after a minute, and keeps what it found for ten', async () => {
    const fake = fakeStripe();
    let now = Date.parse('2026-11-01T00:00:00Z');
    const portal = createPortal({
      stripe: fake.stripe,
      config,
      logger: createLogger('silent'),
      clock: () => new Date(now),
    });
    assert.equal((await portal.monthlyPrices()).prices.size, 0);
    assert.equal(await portal.loginUrl(), null);
    fake.answer('some');
    now += 30_000;
    assert.equal((await portal.monthlyPrices()).prices.size, 0, 'within the minute: from memory');
    now += 31_000;
    assert.equal((await portal.monthlyPrices()).prices.get(1000), 'price_10');
    assert.equal(await portal.loginUrl(), 'https://login');
    assert.equal(await portal.configurationId(), 'bpc_1');
    const calls = { ...fake.calls };
    now += 9 * 60_000;
    await portal.monthlyPrices();
    await portal.loginUrl();
    assert.deepEqual(fake.calls, calls, 'found values are kept ten minutes');
  });

  it('when a lookup fails, then the last good value is still served', async () => {
    const fake = fakeStripe();
    fake.answer('some');
    let now = Date.parse('2026-11-01T00:00:00Z');
    const portal = createPortal({
      stripe: fake.stripe,
      config,
      logger: createLogger('silent'),
      clock: () => new Date(now),
    });
    await portal.monthlyPrices();
    await portal.loginUrl();
    fake.answer('fail');
    now += 11 * 60_000;
    assert.equal((await portal.monthlyPrices()).prices.get(1000), 'price_10');
    assert.equal(await portal.loginUrl(), 'https://login');
  });

  it('when told to forget, then the next use looks again at once', async () => {
    const fake = fakeStripe();
    const portal = createPortal({
      stripe: fake.stripe,
      config,
      logger: createLogger('silent'),
      clock: () => new Date(),
    });
    assert.equal(await portal.loginUrl(), null);
    fake.answer('some');
    portal.forget();
    assert.equal(await portal.loginUrl(), 'https://login');
  });
});
