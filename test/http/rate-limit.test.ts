// Card-testing defence: a burst from one address, or from many, creates at most the
// configured number of Checkout Sessions; the rest get a clear 429.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openForm, startLiveStack, type LiveStack } from '../helpers/live.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack({ env: { DONATE_LIMIT_PER_IP: '30', DONATE_LIMIT_GLOBAL: '60', TRUST_PROXY: 'loopback' } });
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

  it('when 1,000 addresses make one attempt each, then the site-wide cap holds sessions to 60 a minute', async () => {
    const before = s.emulator.state.sessions.size;
    const { statuses } = await burst(1000, (i) => `10.${(i >> 8) & 255}.${i & 255}.9`, valid);
    const created = s.emulator.state.sessions.size - before;
    // The earlier tests already used 31 of this minute's 60.
    assert.ok(created <= 60, `created ${created}`);
    assert.equal(count(statuses, 303), created);
    assert.equal(count(statuses, 429), 1000 - created);
  });
});

describe('POST /donate rate limits: junk does not lock readers out', () => {
  it('when a flood of invalid posts arrives from many addresses, then the site-wide budget is untouched', async () => {
    const fresh = await startLiveStack({
      env: { DONATE_LIMIT_PER_IP: '30', DONATE_LIMIT_GLOBAL: '5', TRUST_PROXY: 'loopback' },
    });
    try {
      const { agent, formId } = await openForm(fresh.app);
      for (let i = 0; i < 20; i++) {
        await agent
          .post('/donate')
          .set('X-Forwarded-For', `192.0.2.${i}`)
          .type('form')
          .send(`form_id=${formId}&amount=0.01&frequency=once`)
          .expect(400);
      }
      await agent.post('/donate').set('X-Forwarded-For', '192.0.2.200').type('form').send(valid(formId)).expect(303);
    } finally {
      await fresh.stop();
    }
  });
});
