// Signed events no retry can fix (an impossible amount, an object Stripe does not know) are
// acknowledged, kept in refused_events and warned about, instead of answering 500 until Stripe
// gives up on the endpoint. A failure that a retry can fix (Stripe or the database down) still
// answers 500.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type Stripe from 'stripe';
import { charge, dispute, refund, stripeEvent } from '../../emulator/objects.ts';
import { reconcile } from '../../lib/payments/reconcile.ts';
import { completedSession, deliver, makeTestApp, ourMetadata, sessionEvent, type TestApp } from '../helpers/app.ts';
import { checkoutThroughForm, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { loggedInStaff } from '../helpers/staff.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack();
});
after(async () => {
  await s.stop();
});

const refusedRows = (app: TestApp) =>
  app.deps.db.selectFrom('refused_events').selectAll().orderBy('event_id').execute();

const unknownChargeEvent = () =>
  stripeEvent('charge.refund.updated', refund({ amount: 500, currency: 'usd', charge: 'ch_nobody_knows' }));

describe('signed events that no retry can fix', () => {
  it('when a refund names a charge Stripe does not know, then it is acknowledged as refused, kept, and the bar does not move', async () => {
    const before = await s.deps.ledger.progress();
    const event = unknownChargeEvent();
    const res = await deliver(s.app, event).expect(200);
    assert.equal(res.body.result, 'refused');
    const kept = (await refusedRows(s)).find((r) => r.event_id === event.id);
    assert.equal(kept?.type, 'charge.refund.updated');
    assert.match(kept?.reason ?? '', /Stripe does not know it: No such charge/);
    assert.deepEqual(await s.deps.ledger.progress(), before);

    // Delivered again (Stripe retries what it sent before this fix): still refused, kept once.
    await deliver(s.app, event).expect(200);
    const again = (await refusedRows(s)).filter((r) => r.event_id === event.id);
    assert.equal(again.length, 1);
    assert.equal(again[0]?.attempts, 2);
  });

  it('when a dispute names a charge Stripe does not know, then it is refused, not retried for ever', async () => {
    const dp = dispute({ amount: 700, currency: 'usd', charge: 'ch_unknown_disputed', payment_intent: null });
    const res = await deliver(s.app, stripeEvent('charge.dispute.created', dp)).expect(200);
    assert.equal(res.body.result, 'refused');
  });

  it('when amounts are null, then the event is refused and nothing is written', async () => {
    const before = await s.deps.ledger.progress();
    const ch = charge({
      amount: 0,
      currency: 'usd',
      payment_intent: 'pi_null_amounts',
      metadata: ourMetadata(s.config),
    });
    const nullRefund = { ...ch, amount: null, amount_refunded: null } as unknown as Stripe.Charge;
    const session = completedSession(s.config, { amount_total: null, amount_subtotal: null });
    for (const event of [
      stripeEvent('charge.refunded', nullRefund),
      sessionEvent('checkout.session.completed', session),
    ]) {
      const res = await deliver(s.app, event);
      assert.equal(res.status, 200, event.type);
      assert.equal(res.body.result, 'refused', event.type);
    }
    assert.deepEqual(await s.deps.ledger.progress(), before);
  });

  it('when events were refused, then the dashboard, its JSON and /readyz warn, naming the latest', async () => {
    const event = unknownChargeEvent();
    await deliver(s.app, event).expect(200);
    const staff = await loggedInStaff(s.app, s.deps.db);
    const page = await staff.get('/staff').expect(200);
    assert.match(page.text, /data-refused-warning/);
    assert.ok(page.text.includes(event.id), 'the latest refused event is named');
    const summary = await staff.get('/staff/api/summary').expect(200);
    assert.match(summary.body.refusedWarning, /signed Stripe events were refused/);
    const ready = await request(s.app).get('/readyz').expect(200);
    assert.equal(ready.body.status, 'ready');
    assert.ok(ready.body.warnings.some((w: string) => w.includes(event.id)));
  });

  it('when reconcile meets a refused event, then it keeps it and reads the rest of the window', async () => {
    // A paid gift, so that there is a session to read after the events.
    const sessionId = await checkoutThroughForm(s.app, '25', 'once');
    s.emulator.state.pay(sessionId, 'card', 'reader@example.org');
    await s.emulator.whenIdle();
    const event = unknownChargeEvent();
    s.emulator.state.events.set(event.id, event);
    const report = await reconcile(
      { ledger: s.deps.ledger, stripe: s.deps.stripe, fundraiser: s.config.fundraiser, clock: () => new Date() },
      { since: new Date(Date.now() - 3600_000) },
    );
    assert.ok(report.refused.some((r) => r.id === event.id));
    assert.ok(report.checked.session >= 1, 'the sessions after the events were still read');
    assert.ok((await refusedRows(s)).some((r) => r.event_id === event.id));
  });
});

describe('failures a retry can fix', () => {
  let t: TestApp;
  before(async () => {
    // Its Stripe API address answers nothing: every read from Stripe fails as in an outage.
    t = await makeTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('when Stripe cannot be reached to read a charge, then the event answers 500 and is not kept as refused', async () => {
    const res = await deliver(t.app, unknownChargeEvent());
    assert.equal(res.status, 500);
    assert.equal((await refusedRows(t)).length, 0);
  });

  it('when the refusal cannot be kept, then the event answers 500 so that Stripe sends it again', async () => {
    const keep = t.deps.ledger.noteRefusedEvent;
    t.deps.ledger.noteRefusedEvent = () => Promise.reject(new Error('disk full'));
    try {
      const session = completedSession(t.config, { amount_total: -100, amount_subtotal: -100 });
      await deliver(t.app, sessionEvent('checkout.session.completed', session)).expect(500);
    } finally {
      t.deps.ledger.noteRefusedEvent = keep;
    }
  });
});
