// Contract tests: every object the emulator answers with and every event it keeps or sends is
// held to the stripe package's own types for the pinned API version (stripe-schema.json): no
// field the type lacks, no enum value the version lacks, every required field present. Objects
// are told apart by `object` and events by `type`, so new routes, objects and events are checked
// as soon as the emulator has them. A failure lists each problem as `Type /path: what`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { STRIPE_API_VERSION } from '../../lib/payments/stripe.ts';
import { FLOWS } from './flows.ts';
import { startHarness, type Harness } from './harness.ts';
import { readEveryRoute, type Read } from './routes.ts';
import { loadContract, type Contract } from './validator.ts';

// No database is used: the PostgreSQL pass of npm test (TEST_DATABASE_URL set) would only repeat it.
const skip = process.env.TEST_DATABASE_URL ? 'needs no database: checked on the SQLite pass' : false;

let h: Harness;
let contract: Contract;
const failedFlows: string[] = [];
let reads: Read[] = [];
let unreachable: string[] = [];

/** Each problem as a line under its source; an empty string when there are none. */
function report(items: Array<{ where: string; value: unknown }>): string {
  const lines: string[] = [];
  for (const { where, value } of items) {
    const problems = contract.check(value);
    if (problems.length) lines.push(`${where}:`, ...problems.map((p) => `  ${p}`));
  }
  return lines.join('\n');
}

describe('emulator contract: the pinned API version as the stripe package types it', { skip }, () => {
  before(async () => {
    contract = loadContract();
    h = await startHarness();
    for (const flow of FLOWS) {
      try {
        await flow.run(h);
      } catch (err) {
        failedFlows.push(`${flow.name}: ${(err as Error).message}`);
      }
    }
    await h.emulator.whenIdle();
    ({ reads, unreachable } = await readEveryRoute(h));
  });
  after(async () => {
    await h?.stop();
  });

  it('when every flow the emulator supports is driven, then each one runs to its end', () => {
    assert.deepEqual(failedFlows, []);
  });

  it("when the flows have run, then every event in the emulator's store matches its type's SDK definition", () => {
    const events = [...h.emulator.state.events.values()];
    assert.ok(events.length > 50, `only ${events.length} events were made`);
    const versions = new Set(events.map((e) => e.api_version));
    assert.deepEqual([...versions], [STRIPE_API_VERSION], 'the store keeps events in the pinned version only');
    const problems = report(events.map((e) => ({ where: `event ${e.type} ${e.id}`, value: e })));
    assert.equal(problems, '', `events that break the contract:\n${problems}`);
  });

  it('when webhooks are sent in the pinned version, then every one delivered matches its SDK definition', () => {
    const pinned = h.deliveries.filter((d) => (d.body as { api_version?: unknown }).api_version === STRIPE_API_VERSION);
    const paths = new Set(pinned.map((d) => d.path));
    assert.ok(paths.has('/default') && paths.has('/pinned'), `pinned deliveries came to ${[...paths].join(', ')}`);
    const problems = report(
      pinned.map((d) => ({ where: `webhook to ${d.path} ${(d.body as { type?: string }).type}`, value: d.body })),
    );
    assert.equal(problems, '', `webhooks that break the contract:\n${problems}`);
  });

  it('when every GET route is read (retrieve and list, with the expansions the site uses), then every object matches', () => {
    assert.deepEqual(unreachable, [], 'GET routes this test does not know how to reach: teach routes.ts');
    const failed = reads.filter((r) => r.status !== 200).map((r) => `${r.url} -> ${r.status}`);
    assert.deepEqual(failed, [], 'routes that did not answer 200');
    assert.ok(reads.length > 100, `only ${reads.length} reads`);
    const problems = report(reads.map((r) => ({ where: `GET ${r.url}`, value: r.body })));
    assert.equal(problems, '', `API answers that break the contract:\n${problems}`);
  });

  it('when the API or a test control answers a change with a Stripe object, then that object matches', () => {
    const changes = h.answers.filter(
      (a) =>
        a.method !== 'GET' &&
        a.status === 200 &&
        (a.url.startsWith('/v1/') || typeof (a.body as { object?: unknown }).object === 'string'),
    );
    assert.ok(changes.length > 20, `only ${changes.length} answers to changes`);
    const problems = report(changes.map((a) => ({ where: `${a.method} ${a.url}`, value: a.body })));
    assert.equal(problems, '', `answers that break the contract:\n${problems}`);
  });

  it('when the flows have run, then they produced every kind of object and the events of each flow', () => {
    const listed = (body: unknown) => {
      const list = body as { object?: string; data?: Array<{ object: string }> };
      return list.object === 'list' && list.data ? list.data.map((o) => o.object) : [];
    };
    const kinds = new Set(reads.flatMap((r) => listed(r.body)));
    // Stripe has no list of portal sessions: the answers that made them must have them.
    const answered = new Set(h.answers.map((a) => (a.body as { object?: unknown }).object));
    const UNLISTED = ['billing_portal.session'];
    for (const kind of Object.keys(contract.schema.objects).filter((k) => k !== 'list')) {
      if (UNLISTED.includes(kind)) assert.ok(answered.has(kind), `no ${kind} was answered`);
      else assert.ok(kinds.has(kind), `no ${kind} was listed by any route`);
    }
    const types = new Set([...h.emulator.state.events.values()].map((e) => e.type));
    for (const type of [
      'checkout.session.completed',
      'checkout.session.async_payment_succeeded',
      'checkout.session.async_payment_failed',
      'checkout.session.expired',
      'invoice.paid',
      'invoice.payment_failed',
      'customer.subscription.updated',
      'customer.subscription.deleted',
      'charge.refunded',
      'refund.failed',
      'charge.dispute.updated',
      'charge.dispute.closed',
      'product.created',
      'price.updated',
      'payment_method.attached',
      'customer.updated',
      'billing_portal.configuration.updated',
      'billing_portal.session.created',
    ])
      assert.ok(types.has(type as never), `no ${type} event`);
  });
});
