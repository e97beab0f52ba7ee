// Card-testing defence: a burst from one address, or from many in one network, creates at
// most the configured number of Checkout Sessions; the rest get a clear 429, and readers
// elsewhere are never turned away by it (there is no site-wide budget to fill).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openForm, startLiveStack, type LiveStack } from '../helpers/live.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack({ env: { DONATE_LIMIT_PER_IP: '30', DONATE_LIMIT_PER_NETWORK: '40', TRUST_PROXY: '1' } });
});
after(async () => {
  await s.stop();
});

async function burst(n: number, addressOf: (i: number) => string, body: (formId: string) => string) {
  const { agent, formId } = await openForm(s.app);
  const statuses: number[] = [];
  let limitedPage = '';
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, (_, k) =>
        agent
          .post('/donate')
          .set('X-Forwarded-For', addressOf(i + k))
          .type('form')
          .send(body(`${formId}${i + k}`)),
      ),
    );
    for (const r of batch) {
      statuses.push(r.status);
      if (r.status === 429) limitedPage = r.text;
    }
  }
  return { statuses, limitedPage };
}

const valid = (formId: string) => `form_id=${formId}&amount=5&frequency=once`;
const count = (xs: number[], x: number) => xs.filter((y) => y === x).length;

describe('POST /donate rate limits', () => {
  it('when one address makes 1,000 attempts, then at most 30 sessions are created and the rest get a clear 429', async () => {
    const before = s.emulator.state.sessions.size;
    const { statuses, limitedPage } = await burst(1000, () => '203.0.113.7', valid);
    assert.equal(count(statuses, 303), 30);
    assert.equal(count(statuses, 429), 970);
    assert.equal(s.emulator.state.sessions.size - before, 30);
    assert.match(limitedPage, /Too many donation attempts/);
    assert.match(limitedPage, /Nothing was charged/);
  });

  it('when another reader shares nothing with the tester, then they can still give', async () => {
    const { statuses } = await burst(1, () => '198.51.100.20', valid);
    assert.deepEqual(statuses, [303]);
  });

  it('when two addresses use up their own budgets, then a reader on another /24 still gives (no site-wide cap)', async () => {
    const a = await burst(40, () => '192.0.2.1', valid);
    const b = await burst(40, () => '198.18.0.1', valid);
    assert.equal(count(a.statuses, 303), 30);
    assert.equal(count(b.statuses, 303), 30);
    // The old site-wide cap (60 a minute) would now be full; nothing site-wide is left to fill.
    const reader = await burst(1, () => '100.64.9.9', valid);
    assert.deepEqual(reader.statuses, [303]);
  });

  it('when 60 made-up addresses from one /24 arrive through the trusted proxy, then they share one network budget', async () => {
    const before = s.emulator.state.sessions.size;
    const { statuses } = await burst(60, (i) => `10.7.7.${i + 1}`, valid);
    assert.equal(count(statuses, 303), 40);
    assert.equal(count(statuses, 429), 20);
    assert.equal(s.emulator.state.sessions.size - before, 40);
    // The rest of that /24 waits; its neighbour /24 does not.
    assert.deepEqual((await burst(1, () => '10.7.7.200', valid)).statuses, [429]);
    assert.deepEqual((await burst(1, () => '10.7.8.1', valid)).statuses, [303]);
  });

  it('when made-up IPv6 addresses come from one /48, then they share one network budget', async () => {
    const { statuses } = await burst(50, (i) => `2001:db8:aa:${i.toString(16)}::1`, valid);
    assert.equal(count(statuses, 303), 40);
    assert.deepEqual((await burst(1, () => '2001:db8:ab::1', valid)).statuses, [303]);
  });

  it('when the rate-limit headers are read, then they describe only the address and its network', async () => {
    const { agent, formId } = await openForm(s.app);
    const res = await agent.post('/donate').set('X-Forwarded-For', '203.0.114.99').type('form').send(valid(formId));
    assert.equal(res.status, 303);
    const policies = String(res.headers['ratelimit-policy']);
    assert.match(policies, /"address"; q=30; w=600/);
    assert.match(policies, /"network"; q=40; w=600/);
    assert.equal(policies.split(',').length, 2);
    assert.equal(res.headers['x-ratelimit-limit'], undefined);
  });
});

describe('POST /donate rate limits: junk does not lock readers out', () => {
  it('when a flood of invalid posts arrives from many networks, then a reader elsewhere still gives', async () => {
    const fresh = await startLiveStack({
      env: { DONATE_LIMIT_PER_IP: '30', DONATE_LIMIT_PER_NETWORK: '5', TRUST_PROXY: 'loopback' },
    });
    try {
      const { agent, formId } = await openForm(fresh.app);
      for (let i = 0; i < 20; i++) {
        await agent
          .post('/donate')
          .set('X-Forwarded-For', `192.0.${i}.1`)
          .type('form')
          .send(`form_id=${formId}&amount=0.01&frequency=once`)
          .expect(400);
      }
      await agent.post('/donate').set('X-Forwarded-For', '192.0.200.1').type('form').send(valid(formId)).expect(303);
    } finally {
      await fresh.stop();
    }
  });
});
