// The emulator's Webhook Endpoints API as Stripe's reference describes it, delivery to each
// registered endpoint (its own secret, its own API version), and the drift it makes testable:
// a site whose endpoint renders events in an account default from before basil.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Stripe from 'stripe';
import { loadConfig } from '../../lib/config.ts';
import { createStripeClient, STRIPE_API_VERSION } from '../../lib/payments/stripe.ts';
import { createEmulator, listenEmulator, type Emulator } from '../../emulator/emulator.ts';
import { checkoutThroughForm, seedSession, startLiveStack } from '../helpers/live.ts';

let emulator: Emulator;
let emulatorServer: Server;
let emulatorUrl: string;
let stripe: Stripe;
let receiver: Server;
let receiverUrl: string;
/** What the receiver got: raw body and signature, per path. */
const received: Array<{ path: string; body: string; signature: string }> = [];
/** Answers with this status, once per path, before answering 200. */
const failOnce = new Map<string, number>();

before(async () => {
  emulator = createEmulator({
    webhookUrl: null,
    webhookSecret: 'whsec_default_url_secret',
    apiVersion: STRIPE_API_VERSION,
    retry: { retryBaseMs: 10, maxDelayMs: 50, maxAttempts: 4, timeoutMs: 2000 },
    settleDelayMs: null,
  });
  const emu = await listenEmulator(emulator, 0);
  emulatorServer = emu.server;
  emulatorUrl = emu.url;
  const config = loadConfig({
    NODE_ENV: 'test',
    STRIPE_SECRET_KEY: 'sk_test_endpoints',
    STRIPE_WEBHOOK_SECRET: 'whsec_unused',
    STRIPE_API_URL: emu.url,
  });
  stripe = createStripeClient(config.stripe);

  const app = express();
  app.post('/:name', express.text({ type: '*/*', limit: '1mb' }), (req, res) => {
    const path = String(req.params.name);
    received.push({ path, body: String(req.body), signature: req.header('stripe-signature') ?? '' });
    const status = failOnce.get(path);
    failOnce.delete(path);
    res.status(status ?? 200).end();
  });
  receiver = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

after(async () => {
  emulator.stop();
  await new Promise((r) => emulatorServer.close(r));
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

const events = (path: string) => received.filter((r) => r.path === path);

/** A monthly gift paid in the emulator: its events go to every endpoint that takes them. */
async function monthlyGift(amount = 1500) {
  const id = seedSession(emulator.state, {
    amount,
    mode: 'subscription',
    metadata: { fundraiser: 'fundraiser', campaign: '2026' },
  });
  emulator.state.pay(id, 'card', 'monthly@example.org');
  await emulator.whenIdle();
  return emulator.state.sessions.get(id)!.subscription as string;
}

describe('emulator: the Webhook Endpoints API through the official SDK', () => {
  it('when an endpoint is made, then it is Stripe-shaped, enabled, and its secret comes only with the creation', async () => {
    const made = await stripe.webhookEndpoints.create({
      url: `${receiverUrl}/api`,
      enabled_events: ['invoice.paid', 'charge.refunded'],
      description: 'the fundraiser',
      metadata: { fundraiser: 'fundraiser' },
    });
    assert.equal(made.object, 'webhook_endpoint');
    assert.match(made.id, /^we_/);
    assert.equal(made.status, 'enabled');
    assert.equal(made.api_version, null, "none given: the account's default");
    assert.deepEqual(made.enabled_events, ['invoice.paid', 'charge.refunded']);
    assert.equal(made.description, 'the fundraiser');
    assert.deepEqual(made.metadata, { fundraiser: 'fundraiser' });
    assert.match(made.secret!, /^whsec_\w{20,}$/);

    const got = await stripe.webhookEndpoints.retrieve(made.id);
    assert.equal(got.secret, undefined);
    assert.equal(got.url, made.url);
    const listed = await stripe.webhookEndpoints.list();
    assert.ok(listed.data.every((e) => e.secret === undefined));
    const updated = await stripe.webhookEndpoints.update(made.id, { description: 'renamed' });
    assert.equal(updated.secret, undefined);
    assert.equal(updated.description, 'renamed');
    await stripe.webhookEndpoints.del(made.id);
  });

  it('when endpoints are listed, then they come newest first in a list envelope and pages follow starting_after', async () => {
    const made: string[] = [];
    for (const n of [1, 2, 3])
      made.push((await stripe.webhookEndpoints.create({ url: `${receiverUrl}/list${n}`, enabled_events: ['*'] })).id);
    const page = await stripe.webhookEndpoints.list({ limit: 2 });
    assert.equal(page.object, 'list');
    assert.equal(page.url, '/v1/webhook_endpoints');
    assert.deepEqual(
      page.data.map((e) => e.id),
      [made[2], made[1]],
    );
    assert.equal(page.has_more, true);
    const all: string[] = [];
    for await (const e of stripe.webhookEndpoints.list({ limit: 1 })) all.push(e.id);
    assert.deepEqual(all.slice(0, 3), [made[2], made[1], made[0]]);
    for (const id of made) await stripe.webhookEndpoints.del(id);
  });

  it('when an endpoint is updated, then url, events, description and status change, and metadata merges', async () => {
    const made = await stripe.webhookEndpoints.create({
      url: `${receiverUrl}/before`,
      enabled_events: ['invoice.paid'],
      api_version: '2024-06-20',
      metadata: { a: '1', b: '2' },
    });
    const updated = await stripe.webhookEndpoints.update(made.id, {
      url: `${receiverUrl}/after`,
      enabled_events: ['*'],
      disabled: true,
      description: 'off for now',
      metadata: { a: '', c: '3' },
    });
    assert.equal(updated.url, `${receiverUrl}/after`);
    assert.deepEqual(updated.enabled_events, ['*']);
    assert.equal(updated.status, 'disabled');
    assert.equal(updated.description, 'off for now');
    assert.deepEqual(updated.metadata, { b: '2', c: '3' });
    assert.equal(updated.api_version, '2024-06-20', 'an update never changes the version');
    assert.equal((await stripe.webhookEndpoints.update(made.id, { disabled: false })).status, 'enabled');
    await stripe.webhookEndpoints.del(made.id);
  });

  it('when an endpoint is deleted, then the answer says so and it is gone', async () => {
    const made = await stripe.webhookEndpoints.create({ url: `${receiverUrl}/gone`, enabled_events: ['*'] });
    assert.deepEqual(await stripe.webhookEndpoints.del(made.id), {
      id: made.id,
      object: 'webhook_endpoint',
      deleted: true,
    });
    for (const call of [() => stripe.webhookEndpoints.retrieve(made.id), () => stripe.webhookEndpoints.del(made.id)])
      await assert.rejects(call(), (err: Stripe.errors.StripeError) => err.statusCode === 404);
  });

  it('when the input is bad, then Stripe-style 400 errors name the parameter and nothing is made', async () => {
    const count = emulator.endpoints.list(new URLSearchParams({ limit: '100' })).data.length;
    const bad: Array<[Stripe.WebhookEndpointCreateParams, string]> = [
      [{ enabled_events: ['*'] } as unknown as Stripe.WebhookEndpointCreateParams, 'url'],
      [{ url: 'not a url', enabled_events: ['*'] }, 'url'],
      [{ url: 'ftp://example.org/hook', enabled_events: ['*'] }, 'url'],
      [{ url: `${receiverUrl}/x`, enabled_events: [] }, 'enabled_events'],
      [{ url: `${receiverUrl}/x`, enabled_events: ['not an event' as never] }, 'enabled_events[0]'],
      [{ url: `${receiverUrl}/x`, enabled_events: ['*'], api_version: 'yesterday' as never }, 'api_version'],
    ];
    for (const [params, param] of bad) {
      await assert.rejects(stripe.webhookEndpoints.create(params), (err: Stripe.errors.StripeError) => {
        assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, param);
        assert.equal(err.statusCode, 400);
        assert.equal(err.param, param);
        return true;
      });
    }
    assert.equal(emulator.endpoints.list(new URLSearchParams({ limit: '100' })).data.length, count);

    const made = await stripe.webhookEndpoints.create({ url: `${receiverUrl}/x`, enabled_events: ['*'] });
    // Stripe takes no api_version on an update: a version is fixed when the endpoint is made.
    await assert.rejects(
      stripe.webhookEndpoints.update(made.id, { api_version: '2026-10-28.endive' } as never),
      (err: Stripe.errors.StripeError) => err.statusCode === 400 && err.param === 'api_version',
    );
    await assert.rejects(
      stripe.webhookEndpoints.update(made.id, { url: 'nope', disabled: true }),
      (err: Stripe.errors.StripeError) => err.param === 'url',
    );
    assert.equal(
      (await stripe.webhookEndpoints.retrieve(made.id)).status,
      'enabled',
      'a refused update changes nothing',
    );
    await stripe.webhookEndpoints.del(made.id);
  });

  it('when the API key is missing, then it answers 401 as the rest of the API does', async () => {
    const noKey = await fetch(`${emulatorUrl}/v1/webhook_endpoints`, { method: 'POST' });
    assert.equal(noKey.status, 401);
    assert.equal(((await noKey.json()) as { error: { type: string } }).error.type, 'authentication_error');
  });
});

describe('emulator: delivery to registered webhook endpoints', () => {
  it('when an endpoint is on a pre-basil version, then its invoice.paid has subscription at the top level, no parent, and its own signature', async () => {
    const old = await stripe.webhookEndpoints.create({
      url: `${receiverUrl}/acacia`,
      enabled_events: ['invoice.paid'],
      api_version: '2024-06-20',
    });
    const pinned = await stripe.webhookEndpoints.create({
      url: `${receiverUrl}/pinned`,
      enabled_events: ['*'],
      api_version: STRIPE_API_VERSION,
    });
    const sub = await monthlyGift(1500);

    const got = events('acacia');
    assert.equal(got.length, 1, 'only the type it takes');
    const { body, signature } = got[0]!;
    const event = Stripe.webhooks.constructEvent(body, signature, old.secret!);
    assert.throws(() => Stripe.webhooks.constructEvent(body, signature, pinned.secret!), /signature/i);
    assert.equal(event.type, 'invoice.paid');
    assert.equal(event.api_version, '2024-06-20');
    const invoice = event.data.object as unknown as Record<string, unknown>;
    assert.equal(invoice.parent, undefined);
    assert.equal(invoice.subscription, sub);
    assert.deepEqual(invoice.subscription_details, { metadata: { fundraiser: 'fundraiser', campaign: '2026' } });
    assert.equal(invoice.paid, true);
    assert.match(String(invoice.payment_intent), /^pi_/);
    assert.match(String(invoice.charge), /^ch_/);
    assert.equal(invoice.amount_paid, 1500);
    assert.equal(invoice.customer_email, 'monthly@example.org');

    // The same event (same id) in the pinned shape for the other endpoint, and as stored.
    const same = events('pinned')
      .map((r) => JSON.parse(r.body) as Stripe.Event)
      .find((e) => e.id === event.id)!;
    assert.equal(same.api_version, STRIPE_API_VERSION);
    assert.equal((same.data.object as Stripe.Invoice).parent?.subscription_details?.subscription, sub);
    const stored = emulator.state.events.get(event.id)!;
    assert.equal(stored.api_version, STRIPE_API_VERSION);
    assert.ok((stored.data.object as Stripe.Invoice).parent, 'the stored event keeps the pinned shape');
    assert.ok(events('pinned').length > 1, "'*' takes every type");
    for (const e of [old, pinned]) await stripe.webhookEndpoints.del(e.id);
  });

  it("when an endpoint has no api_version, then it gets the account's default, and Checkout's ui_mode in that version's words", async () => {
    const made = await stripe.webhookEndpoints.create({ url: `${receiverUrl}/default`, enabled_events: ['*'] });
    await monthlyGift();
    const got = events('default').map((r) => JSON.parse(r.body) as Stripe.Event);
    assert.ok(got.length > 0);
    assert.ok(got.every((e) => e.api_version === emulator.endpoints.accountApiVersion));
    assert.equal(emulator.endpoints.accountApiVersion, '2024-06-20');
    const session = got.find((e) => e.type === 'checkout.session.completed')!.data.object as { ui_mode: string };
    assert.equal(session.ui_mode, 'hosted');
    await stripe.webhookEndpoints.del(made.id);
  });

  it('when an endpoint answers 500, then it alone is retried, and a disabled or deleted endpoint gets nothing', async () => {
    const flaky = await stripe.webhookEndpoints.create({
      url: `${receiverUrl}/flaky`,
      enabled_events: ['invoice.paid'],
    });
    const steady = await stripe.webhookEndpoints.create({
      url: `${receiverUrl}/steady`,
      enabled_events: ['invoice.paid'],
    });
    const off = await stripe.webhookEndpoints.create({ url: `${receiverUrl}/off`, enabled_events: ['*'] });
    await stripe.webhookEndpoints.update(off.id, { disabled: true });
    const gone = await stripe.webhookEndpoints.create({ url: `${receiverUrl}/gone2`, enabled_events: ['*'] });
    await stripe.webhookEndpoints.del(gone.id);
    failOnce.set('flaky', 500);
    await monthlyGift();

    const tries = (id: string) => emulator.delivery.attempts.filter((a) => a.endpoint === id);
    assert.deepEqual(
      tries(flaky.id).map((a) => a.status),
      [500, 200],
    );
    assert.deepEqual(
      tries(steady.id).map((a) => a.status),
      [200],
    );
    assert.equal(events('off').length + events('gone2').length, 0);
    const ids = events('flaky').map((r) => (JSON.parse(r.body) as Stripe.Event).id);
    assert.equal(ids[0], ids[1], 'the retry is the same event');
    for (const e of [flaky, steady, off]) await stripe.webhookEndpoints.del(e.id);
  });
});

describe('API-version drift, end to end', () => {
  it('when the site gets its events through an endpoint on a version before basil, then a monthly renewal still counts', async () => {
    const s = await startLiveStack({ endpoint: {} });
    try {
      const endpoint = s.emulator.endpoints.list(new URLSearchParams()).data[0]!;
      assert.equal(endpoint.api_version, null, "the account's default, as a Dashboard-made endpoint");
      const id = await checkoutThroughForm(s.app, '12', 'monthly');
      s.emulator.state.pay(id, 'card', 'monthly@example.org');
      await s.emulator.whenIdle();
      const sub = s.emulator.state.sessions.get(id)!.subscription as string;
      const renewed = await fetch(`${s.emulatorUrl}/_emulator/subscriptions/${sub}/renew`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      assert.equal(renewed.status, 200);
      await s.emulator.whenIdle();

      const tries = s.emulator.delivery.attempts.filter((a) => a.endpoint === endpoint.id);
      assert.ok(tries.length > 0 && tries.every((a) => a.status === 200), 'every event accepted');
      assert.equal((await s.deps.ledger.progress()).raised, 2400, 'both months count');
      const versions = await s.deps.metrics.webhookApiVersions.get();
      assert.ok((versions.values.find((v) => v.labels.api_version === '2024-06-20')?.value ?? 0) >= 2);
    } finally {
      await s.stop();
    }
  });
});
