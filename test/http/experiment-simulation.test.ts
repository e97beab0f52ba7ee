// A simulated experiment: thousands of readers open the appeal through HTTP, each is drawn a
// variant by the site, and gives with a known true chance for that variant (through the form,
// Checkout in the emulator and its webhooks). The staff page's verdict must name the variant
// that truly raises more, and say "not enough data yet" before there is enough.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { startLiveStack, type LiveStack } from '../helpers/live.ts';
import { loggedInStaff } from '../helpers/staff.ts';
import { runningExperiment, TWO_HEADLINES } from '../helpers/experiments.ts';
import { inParallel, seededRandom } from '../helpers/webhooks.ts';

// The true chance a reader gives, per variant: B converts twice as often as A.
const TRUTH = { a: 0.03, b: 0.06 } as const;
// Enough readers that the true difference shows at z of about 5.9 (the verdict needs 1.96): a
// run where chance pulls it under 1.96 is about three in a hundred thousand.
const READERS = 8000;
const AMOUNTS = ['10', '25'];

let s: LiveStack;
let staff: Awaited<ReturnType<typeof loggedInStaff>>;
before(async () => {
  s = await startLiveStack();
  staff = await loggedInStaff(s.app, s.deps.db, 'admin');
});
after(() => s.stop());

/** One reader: opens the appeal (the site draws the variant), and gives with the variant's chance. */
async function reader(i: number, random: () => number, given: Record<string, number>) {
  const agent = request.agent(s.app);
  const page = await agent.get('/').expect(200);
  const variant = page.text.match(/name="appeal_variant" value="\d+\.([ab])"/)?.[1] as 'a' | 'b' | undefined;
  assert.ok(variant, 'every reader is in the experiment');
  if (random() >= TRUTH[variant]) return;
  const form = (name: string) => page.text.match(new RegExp(`name="${name}" value="([^"]+)"`))![1]!;
  const amount = AMOUNTS[i % AMOUNTS.length]!;
  const res = await agent
    .post('/donate')
    .type('form')
    .send({ form_id: form('form_id'), appeal_variant: form('appeal_variant'), amount, frequency: 'once' })
    .expect(303);
  s.emulator.state.pay(res.headers.location!.split('/').pop()!, 'card', `reader${i}@example.org`);
  given[variant] = (given[variant] ?? 0) + 1;
}

async function verdictOf(id: number) {
  const page = await staff.get(`/staff/experiments/${id}`).expect(200);
  const verdict = page.text.match(/data-verdict="([^"]+)" data-leader="([^"]*)">([^<]+)</)!;
  const api = await staff.get(`/staff/api/experiments/${id}`).expect(200);
  return { kind: verdict[1], leader: verdict[2], text: verdict[3]!, api: api.body };
}

describe('a simulated experiment', () => {
  it('when B truly converts twice as often, then the verdict waits for data and then says B raises more', async () => {
    const id = await runningExperiment(staff, TWO_HEADLINES);
    const random = seededRandom(21);
    const given: Record<string, number> = {};
    let i = 0;
    // A few hundred readers: too few to tell.
    await inParallel(
      Array.from({ length: 400 }, () => i++),
      8,
      (n) => reader(n, random, given),
    );
    await s.emulator.whenIdle();
    const early = await verdictOf(id);
    assert.equal(early.kind, 'not-enough-data');
    assert.match(early.text, /^Not enough data yet/);

    await inParallel(
      Array.from({ length: READERS - 400 }, () => i++),
      8,
      (n) => reader(n, random, given),
    );
    await s.emulator.whenIdle();
    const late = await verdictOf(id);
    assert.equal(late.kind, 'winner', late.text);
    assert.equal(late.leader, 'b');
    assert.match(late.text, /^B raises more money per 1,000 readers than A \(95% sure\)\.$/);

    // The figures behind it are the readers' own: every view counted, every gift once.
    const variants = late.api.variants as Array<{
      key: string;
      impressions: number;
      donors: number;
      checkouts: number;
    }>;
    assert.equal(
      variants.reduce((n, v) => n + v.impressions, 0),
      READERS,
    );
    for (const v of variants) {
      assert.equal(v.donors, given[v.key] ?? 0, `donors of ${v.key}`);
      assert.equal(v.checkouts, given[v.key] ?? 0, `checkouts of ${v.key}`);
    }
  });
});
