// npm run stripe:setup against the emulator on loopback, in process (and twice as the command
// itself, for its exit codes): it makes the webhook endpoint once, changes nothing the second
// time, reports what is wrong under --check, and writes the secret into .env when told to.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type Stripe from 'stripe';
import { loadConfig, PROJECT_ROOT, type Config } from '../../lib/config.ts';
import { HANDLED_EVENT_TYPES } from '../../lib/payments/events.ts';
import { createStripeClient, STRIPE_API_VERSION } from '../../lib/payments/stripe.ts';
import { runStripeSetup, SetupRefused, type SetupOptions } from '../../lib/payments/stripe-setup.ts';
import { createEmulator, listenEmulator, type Emulator } from '../../emulator/emulator.ts';

const SITE = 'https://give.example.org';
const URL_OF_SITE = `${SITE}/webhooks/stripe`;
const handled = [...HANDLED_EVENT_TYPES].sort();

let emulator: Emulator;
let server: Server;
let emulatorUrl: string;
let stripe: Stripe;

// A fresh account per test: an endpoint one test leaves would be another's "looks like ours".
beforeEach(async () => {
  emulator = createEmulator({ webhookUrl: null, webhookSecret: 'whsec_unused', settleDelayMs: null });
  const emu = await listenEmulator(emulator, 0);
  server = emu.server;
  emulatorUrl = emu.url;
  stripe = createStripeClient(configWith().stripe);
});
afterEach(async () => {
  emulator.stop();
  await new Promise((r) => server.close(r));
});

function configWith(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    STRIPE_SECRET_KEY: 'sk_test_setup',
    STRIPE_WEBHOOK_SECRET: 'whsec_not_used_by_setup',
    STRIPE_API_URL: emulatorUrl,
    BASE_URL: SITE,
    ...env,
  });
}

/** Runs the setup in process; its printed lines come back with the report. */
async function setup(opts: Partial<SetupOptions> = {}, config = configWith()) {
  const lines: string[] = [];
  const report = await runStripeSetup(config, { check: false, envFile: null, ...opts, print: (l) => lines.push(l) });
  return { report, lines, text: lines.join('\n') };
}

const endpoints = async () => (await stripe.webhookEndpoints.list({ limit: 100 })).data;

/** Runs bin/stripe-setup.ts as npm would; its exit code and output. */
function command(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/stripe-setup.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NODE_ENV: 'test', STRIPE_WEBHOOK_SECRET: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

describe('npm run stripe:setup', () => {
  it('when no endpoint exists, then it makes one with the handled events in the pinned version and prints its secret once', async () => {
    const { report, lines, text } = await setup();
    const [made, ...others] = await endpoints();
    assert.equal(others.length, 0);
    assert.equal(made!.url, URL_OF_SITE);
    assert.equal(made!.api_version, STRIPE_API_VERSION);
    assert.equal(made!.status, 'enabled');
    assert.deepEqual([...made!.enabled_events].sort(), handled);
    assert.match(report.secret!, /^whsec_/);
    assert.equal(lines.filter((l) => l.includes(report.secret!)).length, 1, 'the secret is shown once');
    assert.match(text, /Customer Portal \(monthly donors manage their gift\)/);
    assert.match(text, /Still to do:\n.*STRIPE_WEBHOOK_SECRET/);
    assert.ok(report.ok);
  });

  it('when it runs a second time, then nothing changes and no secret is printed', async () => {
    await setup();
    const before = await endpoints();
    const { report, text } = await setup();
    assert.deepEqual(report.changes, []);
    assert.equal(report.secret, null);
    assert.doesNotMatch(text, /whsec_/);
    assert.match(text, /Nothing to change\./);
    assert.deepEqual(await endpoints(), before);
    const check = await setup({ check: true });
    assert.ok(check.report.ok, check.text);
    assert.match(check.text, /Everything is set up\./);
  });

  it('when an event is missing or extra, then --check reports both and changes nothing, and setup puts them right', async () => {
    await setup();
    const [e] = await endpoints();
    const dropped = 'invoice.paid';
    const events = [...handled.filter((t) => t !== dropped), 'customer.created'];
    await stripe.webhookEndpoints.update(e!.id, {
      enabled_events: events as Stripe.WebhookEndpointUpdateParams.EnabledEvent[],
    });
    const check = await setup({ check: true });
    assert.equal(check.report.ok, false);
    assert.equal(check.report.problems.length, 2, check.text);
    assert.match(check.text, /missing events the site handles: invoice\.paid/);
    assert.match(check.text, /takes events the site does not handle: customer\.created/);
    assert.deepEqual((await endpoints())[0]!.enabled_events, events, '--check changes nothing');

    const fixed = await setup();
    assert.equal(fixed.report.changes.length, 2);
    assert.deepEqual([...(await endpoints())[0]!.enabled_events].sort(), handled);
    assert.equal((await endpoints())[0]!.id, e!.id, 'corrected in place');
    assert.ok((await setup({ check: true })).report.ok);
  });

  it('when the endpoint is disabled, then --check reports it and setup enables it again', async () => {
    await setup();
    const [e] = await endpoints();
    await stripe.webhookEndpoints.update(e!.id, { disabled: true });
    const check = await setup({ check: true });
    assert.deepEqual(check.report.problems, [`${e!.id} is disabled: Stripe sends it nothing`]);
    await setup();
    assert.equal((await endpoints())[0]!.status, 'enabled');
  });

  it('when the endpoint at the URL is in another API version, then --check says so; setup makes a new one and says to delete the old', async () => {
    // As the Dashboard makes one: the account's default version, every event.
    const old = await stripe.webhookEndpoints.create({ url: URL_OF_SITE, enabled_events: ['*'] });
    const check = await setup({ check: true });
    assert.equal(check.report.ok, false);
    const endpointProblems = check.report.problems.filter((p) => p.startsWith('we_'));
    assert.equal(endpointProblems.length, 1, check.text);
    assert.match(check.text, new RegExp(`${old.id} at this URL renders events in the account's default API version`));
    assert.match(check.text, /Stripe cannot change the version of an existing endpoint/);

    const { report, text } = await setup();
    const made = (await endpoints()).find((e) => e.id !== old.id)!;
    assert.equal(made.api_version, STRIPE_API_VERSION);
    assert.match(report.secret!, /^whsec_/);
    assert.ok(report.todo.some((t) => t.startsWith(`${old.id} `) && t.includes('delete it')));
    assert.match(text, new RegExp(`Still to do:[^]*${old.id}`));
    assert.equal((await endpoints()).length, 2, 'the old one stays until the site has the new secret');

    const again = await setup({ check: true });
    assert.equal(again.report.ok, false, 'two endpoints at one URL is still a problem');
    await stripe.webhookEndpoints.del(old.id);
    assert.ok((await setup({ check: true })).report.ok);
  });

  it('when an endpoint elsewhere looks like this site, then --check reports it and setup leaves it to do', async () => {
    const moved = await stripe.webhookEndpoints.create({
      url: 'https://old-name.example.org/webhooks/stripe',
      enabled_events: ['*'],
    });
    await setup();
    const check = await setup({ check: true });
    assert.equal(check.report.problems.length, 1);
    assert.match(check.report.problems[0]!, new RegExp(`${moved.id} at https://old-name.example.org/webhooks/stripe`));
    assert.ok((await setup()).report.todo.some((t) => t.includes(moved.id)));
  });

  it('when the Customer Portal is not set up, then setup makes the monthly prices and the portal, once, and --check finds what drifts', async () => {
    const first = await setup();
    const prices = (await stripe.prices.list({ limit: 100 })).data;
    assert.deepEqual(
      prices.map((p) => p.unit_amount).sort((a, b) => a! - b!),
      [500, 1000, 2500, 5000, 10000],
    );
    assert.equal(new Set(prices.map((p) => p.product)).size, 1, 'one product');
    assert.ok(prices.every((p) => p.recurring?.interval === 'month' && p.lookup_key));
    const [portal, ...more] = (await stripe.billingPortal.configurations.list()).data;
    assert.equal(more.length, 0);
    assert.equal(portal!.metadata?.fundraiser, 'fundraiser');
    assert.ok(portal!.login_page.enabled && portal!.login_page.url);
    assert.equal(portal!.features.subscription_cancel.mode, 'at_period_end');
    assert.equal(portal!.features.customer_update.enabled, false, 'the e-mail is the key to the login page');
    assert.equal(portal!.features.subscription_update.proration_behavior, 'none');
    assert.deepEqual(
      [...portal!.features.subscription_update.products![0]!.prices].sort(),
      prices.map((p) => p.id).sort(),
    );
    assert.match(first.text, new RegExp(`donors log in at ${portal!.login_page.url.replace(/[.?]/g, '\\$&')}`));

    const again = await setup();
    assert.deepEqual(again.report.changes, []);

    await stripe.billingPortal.configurations.update(portal!.id, { login_page: { enabled: false } });
    const check = await setup({ check: true });
    assert.deepEqual(check.report.problems, [`${portal!.id}: its login page is off`]);
    const fixed = await setup();
    assert.match(fixed.report.changes.join('\n'), /login page is off \(corrected\)/);
    assert.ok((await setup({ check: true })).report.ok);
  });

  it('when --write-env is given, then the secret goes into .env, replacing the old one, and every other line stays', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-setup-'));
    try {
      const envFile = path.join(dir, '.env');
      const lines = ['# my settings', 'PORT=3000', 'STRIPE_WEBHOOK_SECRET=whsec_old', '', 'FUNDRAISER_GOAL=5000', ''];
      fs.writeFileSync(envFile, lines.join('\n'));
      const { report, text } = await setup({ envFile });
      assert.doesNotMatch(text, new RegExp(report.secret!), 'not printed when written');
      const expected = [...lines];
      expected[2] = `STRIPE_WEBHOOK_SECRET=${report.secret}`;
      assert.equal(fs.readFileSync(envFile, 'utf8'), expected.join('\n'));

      // No .env yet: one is made, readable by its owner only.
      await stripe.webhookEndpoints.del((await endpoints())[0]!.id);
      const fresh = path.join(dir, 'fresh.env');
      const second = await setup({ envFile: fresh });
      assert.equal(fs.readFileSync(fresh, 'utf8'), `STRIPE_WEBHOOK_SECRET=${second.report.secret}\n`);
      assert.equal(fs.statSync(fresh).mode & 0o777, 0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when there is no STRIPE_SECRET_KEY, then it refuses with a clear message and changes nothing', async () => {
    const noKey = loadConfig({ NODE_ENV: 'test', STRIPE_API_URL: emulatorUrl, BASE_URL: SITE, STRIPE_EMULATOR: '1' });
    await assert.rejects(setup({}, noKey), (err: Error) => {
      assert.ok(err instanceof SetupRefused);
      assert.match(err.message, /^STRIPE_SECRET_KEY is not set/);
      return true;
    });
    assert.equal((await endpoints()).length, 0);
  });

  it('when the key is live and BASE_URL is not https, then --check reports it and setup refuses before any change', async () => {
    const live = configWith({ STRIPE_SECRET_KEY: 'sk_live_setup', BASE_URL: 'http://give.example.org' });
    const check = await setup({ check: true }, live);
    assert.match(check.report.problems[0]!, /not https: Stripe sends live-mode events only to https URLs/);
    await assert.rejects(setup({}, live), SetupRefused);
    assert.equal((await endpoints()).length, 0);
  });

  it('when BASE_URL is this machine and the API is Stripe, then it refuses and points to stripe listen --latest', async () => {
    const local = loadConfig({
      NODE_ENV: 'test',
      STRIPE_SECRET_KEY: 'sk_test_setup',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      BASE_URL: 'http://localhost:3000',
    });
    // Refused before any request, so this never reaches api.stripe.com.
    await assert.rejects(setup({}, local), /stripe listen --latest --forward-to localhost:3000\/webhooks\/stripe/);
  });

  it('when run as a command, then --check exits 1 on a problem and 0 once set up, and no key exits 1 with the reason', async () => {
    const env = { STRIPE_SECRET_KEY: 'sk_test_setup', STRIPE_API_URL: emulatorUrl, BASE_URL: SITE };
    const missing = await command(['--check'], env);
    assert.equal(missing.code, 1, missing.output);
    assert.match(missing.output, /no webhook endpoint at https:\/\/give\.example\.org\/webhooks\/stripe/);
    await setup();
    const ok = await command(['--check'], env);
    assert.equal(ok.code, 0, ok.output);
    const noKey = await command([], { ...env, STRIPE_SECRET_KEY: '' });
    assert.equal(noKey.code, 1);
    assert.match(noKey.output, /STRIPE_SECRET_KEY (is not set|is required when BASE_URL is public)/);
  });
});
