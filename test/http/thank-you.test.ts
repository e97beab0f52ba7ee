import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { completedSession, countRows, deliver, makeTestApp, sessionEvent } from '../helpers/app.ts';
import { checkoutThroughForm, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { renew } from '../../emulator/renewals.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack();
});
after(async () => {
  await s.stop();
});

const startCheckout = (amount: string, frequency: 'once' | 'monthly' = 'once') =>
  checkoutThroughForm(s.app, amount, frequency);

async function progress() {
  return (await request(s.app).get('/api/progress').expect(200)).body as { raised: number; donors: number };
}

describe('GET /thank-you', () => {
  it('when the page is opened before the webhook arrives, then it records the gift, and the late webhook changes nothing', async () => {
    const before = await progress();
    s.emulator.delivery.enabled = false;
    const id = await startCheckout('25');
    s.emulator.state.pay(id, 'card', 'reader@example.org');
    const page = await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    assert.match(page.text, /Thank you for your gift of \$25\./);
    assert.match(page.text, /r•••@example\.org/);
    assert.equal((await progress()).raised, before.raised + 2500);
    assert.match(
      page.text,
      new RegExp(`data-raised>\\$${(before.raised + 2500) / 100}<`),
      'the bar on the page includes the gift',
    );

    // The webhook for the same payment arrives afterwards (and twice).
    s.emulator.delivery.enabled = true;
    const completed = [...s.emulator.state.events.values()].find(
      (e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === id,
    )!;
    s.emulator.state.replay(completed.id);
    s.emulator.state.replay(completed.id);
    await s.emulator.whenIdle();
    await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    const afterAll = await progress();
    assert.equal(afterAll.raised, before.raised + 2500);
    assert.equal(afterAll.donors, before.donors + 1);
  });

  it('when the webhook arrived first, then the page thanks the reader without counting again', async () => {
    const before = await progress();
    const id = await startCheckout('5');
    s.emulator.state.pay(id, 'card', 'reader@example.org');
    await s.emulator.whenIdle();
    assert.equal((await progress()).raised, before.raised + 500);
    const page = await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    assert.match(page.text, /gift of \$5\./);
    assert.equal((await progress()).raised, before.raised + 500);
  });

  it('when the URL is opened without paying, then nothing is recorded', async () => {
    const rows = await countRows(s.deps, 'contributions');
    const id = await startCheckout('25');
    const page = await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    assert.match(page.text, /has not been paid/);
    assert.match(page.text, /Nothing was charged/);
    assert.equal(await countRows(s.deps, 'contributions'), rows);
  });

  it('when the checkout expired before it was paid, then the page says so and nothing is recorded', async () => {
    const before = await progress();
    const rows = await countRows(s.deps, 'contributions');
    const id = await startCheckout('25');
    s.emulator.state.expire(id);
    await s.emulator.whenIdle();
    const page = await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    assert.match(page.text, /This checkout expired before it was paid/);
    assert.equal(await countRows(s.deps, 'contributions'), rows);
    assert.deepEqual(await progress(), before);
  });

  it('when a bank debit is still on its way, then the page says it is being processed and the bar waits', async () => {
    const before = await progress();
    const id = await startCheckout('40');
    s.emulator.state.pay(id, 'delayed_success', 'reader@example.org');
    await s.emulator.whenIdle();
    const page = await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    assert.match(page.text, /is being processed/);
    assert.equal((await progress()).raised, before.raised);

    s.emulator.state.settle(id, 'succeeded');
    await s.emulator.whenIdle();
    assert.equal((await progress()).raised, before.raised + 4000);
  });

  it('when a bank debit fails, then the page says so and nothing counts', async () => {
    const before = await progress();
    const id = await startCheckout('40');
    s.emulator.state.pay(id, 'delayed_failure', 'reader@example.org');
    s.emulator.state.settle(id, 'failed');
    await s.emulator.whenIdle();
    const page = await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    assert.match(page.text, /did not go through/);
    assert.equal((await progress()).raised, before.raised);
  });

  it('when a monthly gift is paid, then month one counts once whichever of webhook, replay and page comes first', async () => {
    const before = await progress();
    const id = await startCheckout('10', 'monthly');
    s.emulator.state.pay(id, 'card', 'monthly@example.org');
    await s.emulator.whenIdle();
    const page = await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    assert.match(page.text, /monthly gift of \$10 a month/);
    for (const e of [...s.emulator.state.events.values()])
      if (e.type === 'invoice.paid' || e.type === 'checkout.session.completed') s.emulator.state.duplicate(e.id);
    await s.emulator.whenIdle();
    let p = await progress();
    assert.equal(p.raised, before.raised + 1000);
    assert.equal(p.donors, before.donors + 1);

    // A second month adds money but not another donor.
    const sub = s.emulator.state.sessions.get(id)!.subscription as string;
    renew(s.emulator.state, sub);
    await s.emulator.whenIdle();
    p = await progress();
    assert.equal(p.raised, before.raised + 2000);
    assert.equal(p.donors, before.donors + 1);
    const pledge = await s.deps.db
      .selectFrom('pledges')
      .selectAll()
      .where('subscription_id', '=', sub)
      .executeTakeFirst();
    assert.equal(pledge?.email, 'monthly@example.org');
  });

  it('when a monthly gift is paid and no webhook arrives, then the page alone records month one', async () => {
    const before = await progress();
    s.emulator.delivery.enabled = false;
    try {
      const id = await startCheckout('8', 'monthly');
      s.emulator.state.pay(id, 'card', 'monthly@example.org');
      await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
      await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    } finally {
      s.emulator.delivery.enabled = true;
    }
    const p = await progress();
    assert.equal(p.raised, before.raised + 800);
    assert.equal(p.donors, before.donors + 1);
  });

  it('when the gift is already recorded as paid, then the page thanks without asking Stripe', async () => {
    const offline = await makeTestApp(); // its Stripe API address answers nothing
    try {
      const session = completedSession(offline.config, { amount_total: 1500 });
      await deliver(offline.app, sessionEvent('checkout.session.completed', session)).expect(200);
      const page = await request(offline.app).get(`/thank-you?session_id=${session.id}`).expect(200);
      assert.match(page.text, /Thank you for your gift of \$15\./);
      assert.match(page.text, /r•••@example\.org/);
    } finally {
      await offline.close();
    }
  });

  it('when Stripe cannot be reached for an unknown gift, then the reader is reassured (502) and nothing is recorded', async () => {
    const offline = await makeTestApp();
    try {
      const page = await request(offline.app).get('/thank-you?session_id=cs_test_notyetknown').expect(502);
      assert.match(page.text, /If you paid, your gift is safe/);
      assert.equal(await countRows(offline.deps, 'contributions'), 0);
    } finally {
      await offline.close();
    }
  });

  it('when the session id is unknown, malformed or missing, then a friendly 404', async () => {
    for (const q of ['?session_id=cs_test_doesnotexist', '?session_id=<script>', '?session_id=pi_123', '']) {
      const res = await request(s.app).get(`/thank-you${q}`).expect(404);
      assert.match(res.text, /could not find that gift/);
      assert.doesNotMatch(res.text, /<script>/);
    }
  });

  it('when the session belongs to someone else on the Stripe account, then 404 and nothing recorded', async () => {
    const rows = await countRows(s.deps, 'contributions');
    const foreign = await s.deps.stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [
        { quantity: 1, price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'T-shirt' } } },
      ],
      metadata: { shop_order: '77' },
      success_url: 'https://shop.example/ok',
    });
    s.emulator.state.pay(foreign.id, 'card', 'shopper@example.org');
    await s.emulator.whenIdle();
    await request(s.app).get(`/thank-you?session_id=${foreign.id}`).expect(404);
    assert.equal(await countRows(s.deps, 'contributions'), rows);
  });
});
