import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertConfigError } from '../helpers/config.ts';
import { spawnSync } from 'node:child_process';
import { EMULATOR_WEBHOOK_SECRET, loadConfig, PROJECT_ROOT } from '../../lib/config.ts';

const bad = assertConfigError;

describe('config', () => {
  it('when nothing is set, then it runs on SQLite, port 3000 and the built-in emulator', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.baseUrl, 'http://localhost:3000');
    assert.equal(c.database.dialect, 'sqlite');
    assert.ok(c.database.dialect === 'sqlite' && c.database.path.endsWith('data/fundraiser.sqlite'));
    assert.equal(c.stripe.emulator, true);
    assert.equal(c.stripe.webhookSecret, EMULATOR_WEBHOOK_SECRET);
    assert.equal(c.fundraiser.currency, 'usd');
    assert.ok(c.fundraiser.goal > 0);
    assert.ok(Object.isFrozen(c));
  });

  it('when values are set, then they are used', () => {
    const c = loadConfig({
      PORT: '8080',
      BASE_URL: 'https://give.example.org/',
      FUNDRAISER_GOAL: '120000',
      FUNDRAISER_CURRENCY: 'eur',
      STRIPE_SECRET_KEY: 'sk_test_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      DATABASE_URL: 'postgres://u:p@db/fundraiser',
    });
    assert.equal(c.port, 8080);
    assert.equal(c.baseUrl, 'https://give.example.org');
    assert.equal(c.fundraiser.goal, 120000);
    assert.equal(c.fundraiser.currency, 'eur');
    assert.equal(c.stripe.emulator, false);
    assert.deepEqual(c.database, { dialect: 'postgres', url: 'postgres://u:p@db/fundraiser' });
  });

  it('when the portal amounts are set, then they are whole amounts within the donation bounds', () => {
    assert.deepEqual(loadConfig({}).portal.monthlyAmounts, [5, 10, 25, 50, 100]);
    assert.deepEqual(loadConfig({ PORTAL_MONTHLY_AMOUNTS: '25, 5,25,250' }).portal.monthlyAmounts, [5, 25, 250]);
    bad({ PORTAL_MONTHLY_AMOUNTS: '5,ten' }, 'PORTAL_MONTHLY_AMOUNTS', /whole amounts/);
    bad({ PORTAL_MONTHLY_AMOUNTS: '5,20000' }, 'PORTAL_MONTHLY_AMOUNTS', /20000 is outside/);
    bad({ STRIPE_PORTAL_LOGIN_URL: 'billing' }, 'STRIPE_PORTAL_LOGIN_URL', /absolute URL/);
    assert.equal(loadConfig({}).portal.loginUrl, null);
  });

  it('when a value is bad, then the error names the variable', () => {
    bad({ FUNDRAISER_GOAL: '0' }, 'FUNDRAISER_GOAL', /greater than 0/);
    bad({ FUNDRAISER_GOAL: '-5' }, 'FUNDRAISER_GOAL');
    bad({ FUNDRAISER_GOAL: 'lots' }, 'FUNDRAISER_GOAL');
    bad({ FUNDRAISER_GOAL: '10.5' }, 'FUNDRAISER_GOAL', /whole/);
    bad({ FUNDRAISER_CURRENCY: 'USD' }, 'FUNDRAISER_CURRENCY', /lower case/);
    bad({ FUNDRAISER_CURRENCY: 'xyz' }, 'FUNDRAISER_CURRENCY');
    bad({ PORT: '99999' }, 'PORT');
    bad({ EXPERIMENT_COUNTS_FLUSH_MS: '10' }, 'EXPERIMENT_COUNTS_FLUSH_MS', /at least 50/);
    bad({ EXPERIMENT_COUNTS_FLUSH_MS: '60001' }, 'EXPERIMENT_COUNTS_FLUSH_MS', /at most 60000/);
    bad({ TOTALS_MAX_AGE_MS: '-1' }, 'TOTALS_MAX_AGE_MS', /0 or more/);
    assert.equal(loadConfig({}).experimentFlushMs, 1000);
    bad({ BASE_URL: 'not a url' }, 'BASE_URL');
    bad({ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL');
    bad({ STRIPE_SECRET_KEY: 'pk_test_123' }, 'STRIPE_SECRET_KEY');
    bad({ STRIPE_SECRET_KEY: 'sk_test_123' }, 'STRIPE_WEBHOOK_SECRET', /required/);
    bad({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: 'nope' }, 'STRIPE_WEBHOOK_SECRET');
    bad({ NODE_ENV: 'production' }, 'STRIPE_SECRET_KEY', /production/);
    bad(
      {
        NODE_ENV: 'production',
        STRIPE_SECRET_KEY: 'sk_live_1',
        STRIPE_WEBHOOK_SECRET: 'whsec_1',
        APP_SECRET: 'x'.repeat(32),
        STRIPE_API_URL: 'http://localhost:12111',
      },
      'STRIPE_API_URL',
    );
    bad({ NODE_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_1', STRIPE_WEBHOOK_SECRET: 'whsec_1' }, 'APP_SECRET');
    bad({ FUNDRAISER_CAMPAIGN_START: '2026-07-01' }, 'FUNDRAISER_CAMPAIGN_END');
    bad({ FUNDRAISER_CAMPAIGN_START: '2026-07-01', FUNDRAISER_CAMPAIGN_END: '2026-01-01' }, 'FUNDRAISER_CAMPAIGN_END');
    bad(
      { FUNDRAISER_CAMPAIGN_START: '2026-07-01T00:00:00', FUNDRAISER_CAMPAIGN_END: '2027-07-01' },
      'FUNDRAISER_CAMPAIGN_START',
      /offset/,
    );
    bad({ DONATION_MIN: '50', DONATION_MAX: '10' }, 'DONATION_MIN');
  });

  it('when NODE_ENV is not exactly production, development or test, then start-up stops naming NODE_ENV', () => {
    for (const v of ['prod', 'Production', 'staging', 'PRODUCTION '])
      bad({ NODE_ENV: v }, 'NODE_ENV', /production, development or test/);
    for (const v of ['production', 'development', 'test', ''])
      assert.doesNotThrow(() =>
        loadConfig({
          NODE_ENV: v,
          STRIPE_SECRET_KEY: 'sk_live_1',
          STRIPE_WEBHOOK_SECRET: 'whsec_1',
          APP_SECRET: 'x'.repeat(32),
        }),
      );
  });

  it('when no key is set, then the emulator runs only on a loopback BASE_URL or with STRIPE_EMULATOR=1 outside production', () => {
    for (const BASE_URL of [undefined, 'http://localhost:3000', 'http://127.0.0.2:8080', 'http://[::1]:3000']) {
      const c = loadConfig(BASE_URL ? { BASE_URL } : {});
      assert.equal(c.stripe.embeddedEmulator, true, String(BASE_URL));
    }
    for (const BASE_URL of ['https://give.example.org', 'http://10.0.0.5:3000', 'http://localhost.example.org'])
      bad({ BASE_URL }, 'STRIPE_SECRET_KEY', /STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or STRIPE_EMULATOR=1/);
    bad({ BASE_URL: 'https://give.example.org', NODE_ENV: 'prod' }, 'NODE_ENV');
    const shared = loadConfig({ BASE_URL: 'https://test.example.org', STRIPE_EMULATOR: '1' });
    assert.equal(shared.stripe.embeddedEmulator, true);
    bad({ NODE_ENV: 'production', STRIPE_EMULATOR: '1', APP_SECRET: 'x'.repeat(32) }, 'STRIPE_EMULATOR', /production/);
    bad({ STRIPE_EMULATOR: '1', STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1' }, 'STRIPE_EMULATOR');
    bad({ STRIPE_EMULATOR: 'yes' }, 'STRIPE_EMULATOR');
    const keyed = { STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1' };
    assert.equal(loadConfig({ ...keyed, BASE_URL: 'https://give.example.org' }).stripe.embeddedEmulator, false);
  });

  it('when TRUST_PROXY is true, then start-up stops: only hop counts and addresses', () => {
    for (const v of ['true', 'TRUE']) bad({ TRUST_PROXY: v }, 'TRUST_PROXY', /hop count/);
    assert.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1);
    assert.equal(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy, 'loopback, 10.0.0.0/8');
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
  });

  it('when the server starts with a bad value, then it stops with a message naming the variable', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server.ts'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, FUNDRAISER_GOAL: '-5', DATABASE_URL: 'sqlite::memory:' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /FUNDRAISER_GOAL/);
    assert.match(r.stderr, /greater than 0/);
  });
});

describe('organisation details (ORG_*)', () => {
  it('when none is set, then the legal name is the organisation name and nothing else is shown', () => {
    const { org } = loadConfig({ FUNDRAISER_ORG_NAME: 'Example Forum' });
    assert.deepEqual(
      { ...org },
      {
        legalName: 'Example Forum',
        registration: null,
        address: null,
        privacyUrl: null,
        contact: null,
        fundsText: null,
        fundsUrl: null,
      },
    );
  });

  it('when the contact is an e-mail address, a mailto: URL or a web page, then each becomes a link', () => {
    assert.deepEqual(loadConfig({ ORG_CONTACT: 'give@example.org' }).org.contact, {
      href: 'mailto:give@example.org',
      text: 'give@example.org',
    });
    assert.deepEqual(loadConfig({ ORG_CONTACT: 'mailto:give@example.org' }).org.contact, {
      href: 'mailto:give@example.org',
      text: 'give@example.org',
    });
    assert.deepEqual(loadConfig({ ORG_CONTACT: 'https://example.org/contact' }).org.contact, {
      href: 'https://example.org/contact',
      text: 'Contact us',
    });
  });

  it('when a URL setting is not an absolute http(s) URL, then start-up stops naming the variable', () => {
    bad({ ORG_PRIVACY_URL: 'javascript:alert(1)' }, 'ORG_PRIVACY_URL', /absolute http\(s\) URL/);
    bad({ ORG_PRIVACY_URL: '/privacy' }, 'ORG_PRIVACY_URL');
    bad({ ORG_FUNDS_URL: 'ftp://example.org/budget' }, 'ORG_FUNDS_URL');
    bad({ ORG_CONTACT: 'javascript:alert(1)' }, 'ORG_CONTACT', /e-mail address, a mailto: URL/);
    bad({ ORG_CONTACT: 'mailto:nobody' }, 'ORG_CONTACT');
    bad({ ORG_CONTACT: 'not an address' }, 'ORG_CONTACT');
  });

  it('when a text setting is too long, then start-up stops naming the variable', () => {
    bad({ ORG_FUNDS_TEXT: 'x'.repeat(301) }, 'ORG_FUNDS_TEXT', /at most 300 characters/);
    bad({ ORG_LEGAL_NAME: 'x'.repeat(151) }, 'ORG_LEGAL_NAME');
  });
});
