// Shutdown always ends: with the log pipe closed (EPIPE) or stalled (nobody reads, the pipe
// fills), SIGTERM during a webhook burst still ends the process within SHUTDOWN_TIMEOUT_MS,
// and every webhook that got a 2xx is in the ledger.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { checkoutSession, stripeEvent } from '../../emulator/objects.ts';
import { TEST_WEBHOOK_SECRET } from '../helpers/app.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const SHUTDOWN_TIMEOUT_MS = 3000;
const env = {
  STRIPE_SECRET_KEY: 'sk_test_shutdown',
  STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  STRIPE_API_URL: 'http://127.0.0.1:9',
  APP_SECRET: 'x'.repeat(40),
  FUNDRAISER_GOAL: '100000',
  // Every request and webhook logged: plenty to fill a pipe nobody reads.
  LOG_LEVEL: 'trace',
  SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
};
let database: TestDatabase;
before(async () => {
  database = await freshDatabase();
});
after(async () => {
  await database?.drop();
});

const raised = async (server: ServerProcess) =>
  ((await (await fetch(`${server.url}/api/progress`)).json()) as { raised: number; donors: number }).raised;

/** 300 signed gifts, 12 at a time; SIGTERM once 100 are under way. Returns the acknowledged sum and the time to exit. */
async function burstThenTerm(server: ServerProcess, tag: string) {
  const queue = Array.from({ length: 300 }, (_, i) =>
    stripeEvent(
      'checkout.session.completed',
      checkoutSession({
        amount_total: 500 + i,
        status: 'complete',
        payment_status: 'paid',
        metadata: { fundraiser: 'fundraiser' },
        payment_intent: `pi_test_${tag}_${i}`,
      }),
    ),
  );
  let acknowledged = 0;
  let sent = 0;
  const workers = Array.from({ length: 12 }, async () => {
    for (let e = queue.shift(); e; e = queue.shift()) {
      sent++;
      const payload = JSON.stringify(e);
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET });
      try {
        const res = await fetch(`${server.url}/webhooks/stripe`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
          body: payload,
        });
        await res.arrayBuffer();
        if (res.status === 200) acknowledged += e.data.object.amount_total!;
      } catch {
        // refused once the listener closed: Stripe retries
      }
    }
  });
  while (sent < 100) await new Promise((r) => setTimeout(r, 5));
  const started = Date.now();
  const code = await Promise.race([
    server.kill('SIGTERM'),
    new Promise<'still running'>((r) => setTimeout(() => r('still running'), SHUTDOWN_TIMEOUT_MS + 5000)),
  ]);
  const exitMs = Date.now() - started;
  await Promise.all(workers);
  return { code, exitMs, acknowledged };
}

describe('shutdown with the log destination gone', () => {
  for (const [how, cut] of [
    ['closed (EPIPE)', (s: ServerProcess) => s.closeStdout()],
    ['stalled (the pipe is full)', (s: ServerProcess) => s.stallStdout()],
  ] as const) {
    it(`when stdout is ${how} and SIGTERM arrives mid-burst, then it exits within SHUTDOWN_TIMEOUT_MS, every acknowledged gift recorded`, async () => {
      const server = await startServerProcess(env, database.url);
      const before = await raised(server);
      cut(server);
      const { code, exitMs, acknowledged } = await burstThenTerm(server, how.split(' ')[0]!);
      if (code === 'still running') await server.kill('SIGKILL');
      assert.notEqual(code, 'still running', `still alive ${exitMs} ms after SIGTERM`);
      // The deadline, and slack for the exit itself on a busy machine (a hang runs past +5 s).
      assert.ok(exitMs <= SHUTDOWN_TIMEOUT_MS + 3000, `exited after ${exitMs} ms`);
      assert.ok(acknowledged > 0);
      const next = await startServerProcess(env, database.url);
      try {
        assert.equal((await raised(next)) - before, acknowledged, 'every 2xx is in the ledger, nothing else');
      } finally {
        await next.kill('SIGTERM');
      }
      console.log(
        `stdout ${how}: exited ${exitMs} ms after SIGTERM (code ${code}), ${acknowledged} cents acknowledged`,
      );
    });
  }
});
