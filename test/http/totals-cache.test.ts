// The totals kept in memory: never stale after this instance's own write, refreshed within
// TOTALS_MAX_AGE_MS after another instance's, and one object (so one rendered page) while
// the figures do not change.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { completedSession, deliver, makeTestApp, sessionEvent, type TestApp } from '../helpers/app.ts';
import { createLedger } from '../../lib/ledger/ledger.ts';
import type { GiftFacts } from '../../lib/ledger/types.ts';
import { formatMoney } from '../../lib/money.ts';

let t: TestApp;
before(async () => {
  t = await makeTestApp({ now: new Date(), env: { TOTALS_MAX_AGE_MS: '60000' } });
});
after(async () => {
  await t.close();
});

const raised = async () => ((await request(t.app).get('/api/progress').expect(200)).body as { raised: number }).raised;

const gift = (id: string, amountMinor: number): GiftFacts => ({
  stripeId: id,
  checkoutSessionId: id,
  subscriptionId: null,
  donorKey: id,
  paymentIntentId: null,
  customerId: null,
  email: null,
  frequency: 'once',
  status: 'paid',
  currency: 'usd',
  amountMinor,
  occurredAt: new Date(),
  timeSource: 'stripe',
});

describe('totals kept in memory', () => {
  it('when this instance records a gift, then the very next read of every public view shows it', async () => {
    const start = await raised();
    await request(t.app).get('/embed/banner').expect(200); // rendered and kept
    await deliver(
      t.app,
      sessionEvent('checkout.session.completed', completedSession(t.config, { amount_total: 1234 })),
    ).expect(200);
    assert.equal(await raised(), start + 1234);
    const banner = await request(t.app).get('/embed/banner').expect(200);
    assert.ok(banner.text.includes(formatMoney(start + 1234, 'usd')), 'the banner shows the new total');
    const page = await request(t.app).get('/').expect(200);
    assert.match(page.text, /data-raised>\s*\$[\d,.]+/);
  });

  it('when another instance writes, then this one shows it only after TOTALS_MAX_AGE_MS (here a minute: not yet)', async () => {
    const start = await raised();
    // Another instance: its own ledger on the same database.
    const other = createLedger({ db: t.deps.db, fundraiser: t.config.fundraiser, clock: () => new Date() });
    await other.recordGift(gift('cs_test_other_instance', 500));
    assert.equal(await raised(), start, 'served from memory within the max age');
    // A write through this instance drops the copy; the other instance's gift shows with it.
    await deliver(
      t.app,
      sessionEvent('checkout.session.completed', completedSession(t.config, { amount_total: 700 })),
    ).expect(200);
    assert.equal(await raised(), start + 500 + 700);
  });

  it('when the max age is 0, then every read goes to the database', async () => {
    const fresh = await makeTestApp({ now: new Date(), env: { TOTALS_MAX_AGE_MS: '0' } });
    try {
      const before = (await request(fresh.app).get('/api/progress').expect(200)).body.raised as number;
      const other = createLedger({ db: fresh.deps.db, fundraiser: fresh.config.fundraiser, clock: () => new Date() });
      await other.recordGift(gift('cs_test_uncached', 900));
      assert.equal((await request(fresh.app).get('/api/progress').expect(200)).body.raised, before + 900);
    } finally {
      await fresh.close();
    }
  });

  it('when the figures have not changed, then reads share one frozen object, and the ETag holds', async () => {
    const a = await t.deps.ledger.progress();
    const b = await t.deps.ledger.progress();
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    const first = await request(t.app).get('/api/progress').expect(200);
    await request(t.app).get('/api/progress').set('If-None-Match', first.headers.etag!).expect(304);
  });

  it('when the figures are asked with HEAD, then the headers come without a body', async () => {
    const head = await request(t.app).head('/api/progress').expect(200);
    assert.equal(head.text, undefined);
    assert.ok(Number(head.headers['content-length']) > 0);
    assert.ok(head.headers.etag);
    const page = await request(t.app).head('/').expect(200);
    assert.equal(page.headers['cache-control'], 'private, no-store');
  });

  it('when the totals cannot be read, then the fast lane answers 500 and the next read recovers', async () => {
    const broken = await makeTestApp({ now: new Date(), env: { TOTALS_MAX_AGE_MS: '0' } });
    try {
      const real = broken.deps.ledger.progress;
      broken.deps.ledger.progress = () => Promise.reject(new Error('database unavailable'));
      for (const path of ['/api/progress', '/embed/banner', '/embed/banner.json', '/'])
        await request(broken.app).get(path).expect(500);
      broken.deps.ledger.progress = real;
      await request(broken.app).get('/api/progress').expect(200);
    } finally {
      await broken.close();
    }
  });

  it("when the fast lane's totals read throws instead of failing its promise, then the reader gets a 500 and the process goes on", async () => {
    const broken = await makeTestApp({ now: new Date() });
    try {
      const real = broken.deps.ledger.progress;
      broken.deps.ledger.progress = () => {
        throw new Error('thrown, not rejected');
      };
      // Ahead of Express nothing would turn this into an answer: the fast lane itself must.
      await request(broken.app).get('/api/progress').expect(500);
      await request(broken.app).get('/healthz').expect(200);
      broken.deps.ledger.progress = real;
      await request(broken.app).get('/api/progress').expect(200);
    } finally {
      await broken.close();
    }
  });

  it('when TOTALS_MAX_AGE_MS is not a number of milliseconds, then the start-up stops naming it', async () => {
    await assert.rejects(makeTestApp({ env: { TOTALS_MAX_AGE_MS: '-1' } }), /TOTALS_MAX_AGE_MS/);
  });
});
