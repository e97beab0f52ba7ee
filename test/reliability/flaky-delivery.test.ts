// Stripe's deliveries meet a flaky network: connections reset, answers too slow for the
// sender's timeout. The emulator retries as Stripe does; nothing is lost or counted twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectedTotals } from '../helpers/model.ts';
import { seedSession, startLiveStack, type LiveStack } from '../helpers/live.ts';

let s: LiveStack;
let proxy: http.Server;
const seen = { reset: 0, slow: 0, passed: 0 };

before(async () => {
  s = await startLiveStack({
    emulator: { retry: { retryBaseMs: 10, maxDelayMs: 80, maxAttempts: 30, timeoutMs: 1000 } },
  });
  const target = s.emulator.delivery.url!;
  let n = 0;
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    const forward = async () => {
      const roll = n++ % 5; // a fixed pattern: reset, slow, pass, reset, pass ...
      if (roll === 0 || roll === 3) {
        seen.reset++;
        return void req.socket.destroy();
      }
      if (roll === 1) {
        seen.slow++;
        await new Promise((r) => setTimeout(r, 1300)); // past the sender's 1 s timeout
      } else seen.passed++;
      try {
        const upstream = await fetch(target, {
          method: 'POST',
          headers: {
            'content-type': String(req.headers['content-type']),
            'stripe-signature': String(req.headers['stripe-signature']),
          },
          body: Buffer.concat(chunks),
        });
        res.writeHead(upstream.status).end(await upstream.text());
      } catch {
        res.destroy();
      }
    };
    req.on('end', () => void forward());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  s.emulator.delivery.setUrl(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}/webhooks/stripe`);
});
after(async () => {
  await s.stop();
  proxy.close();
});

describe('delivery through a flaky network', () => {
  it('when connections reset and answers come too late, then retries land every gift exactly once', async () => {
    const st = s.emulator.state;
    for (let i = 0; i < 40; i++) {
      const id = seedSession(st, {
        amount: 500 + i * 100,
        metadata: { fundraiser: s.config.fundraiser.id },
        mode: i % 8 === 0 ? 'subscription' : 'payment',
      });
      st.pay(id, 'card', `f${i}@example.org`);
      if (i % 6 === 0 && i % 8 !== 0)
        st.refund(
          { charge: st.paymentIntents.get(st.sessions.get(id)!.payment_intent as string)!.latest_charge as string },
          200,
        );
    }
    await s.emulator.whenIdle();
    await new Promise((r) => setTimeout(r, 1500)); // slow answers still on their way to the site
    const p = await s.deps.ledger.progress();
    const expected = expectedTotals(st, s.config.fundraiser.id);
    assert.equal(p.raised, expected.raised);
    assert.equal(p.donors, expected.donors);
    assert.equal(p.refunded, expected.refunded);
    const failedAttempts = s.emulator.delivery.attempts.filter((a) => a.status === null).length;
    assert.ok(seen.reset > 10 && seen.slow > 5 && failedAttempts > 15, JSON.stringify({ seen, failedAttempts }));
    const delivered = new Set(s.emulator.delivery.attempts.filter((a) => a.status === 200).map((a) => a.eventId));
    assert.equal(delivered.size, st.events.size, 'every event was finally acknowledged');
    console.log(
      `flaky: ${st.events.size} events, ${s.emulator.delivery.attempts.length} attempts, ${seen.reset} resets, ${seen.slow} timeouts, 0 lost, 0 double counted`,
    );
  });
});
