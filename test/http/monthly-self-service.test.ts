// Monthly donors manage their own gift through Stripe's Customer Portal, and staff can end a
// pledge: the thank-you page's way in (only for the hour after the gift, only for this site's
// monthly sessions), the portal's login page any time later, monthly Checkout on the prices the
// portal can switch between, an admin's cancellation with its reason in the change log, and
// the yearly statement per donor.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type Stripe from 'stripe';
import { prepareCustomerPortal } from '../../lib/payments/portal-setup.ts';
import { MANAGE_WINDOW_MS, monthlyLookupKey } from '../../lib/payments/portal.ts';
import { checkoutThroughForm, seedSession, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { loggedInStaff } from '../helpers/staff.ts';

let s: LiveStack;
let portalSessions: Stripe.BillingPortal.SessionCreateParams[] = [];
before(async () => {
  s = await startLiveStack();
  await prepareCustomerPortal(s.deps.stripe, s.config, () => undefined);
  // Every portal session the site asks for, to prove that refused requests ask for none.
  const create = s.deps.stripe.billingPortal.sessions.create.bind(s.deps.stripe.billingPortal.sessions);
  s.deps.stripe.billingPortal.sessions.create = (params: Stripe.BillingPortal.SessionCreateParams) => {
    portalSessions.push(params);
    return create(params);
  };
});
after(async () => {
  await s.stop();
});
beforeEach(() => {
  portalSessions = [];
});

const st = () => s.emulator.state;

/** A monthly gift given through the form and paid; its Checkout Session. */
async function monthlyGift(amount = '10'): Promise<Stripe.Checkout.Session> {
  const id = await checkoutThroughForm(s.app, amount, 'monthly');
  st().pay(id, 'card', 'monthly@example.org');
  await s.emulator.whenIdle();
  return st().sessions.get(id)!;
}

const manage = (sessionId: string, origin?: string) => {
  const req = request(s.app).post('/thank-you/manage').type('form');
  if (origin) void req.set('Origin', origin);
  return req.send({ session_id: sessionId });
};

describe('the way in from the thank-you page', () => {
  it('when a monthly donor presses "Manage your monthly gift" within the hour, then they land in a portal session of their own', async () => {
    const session = await monthlyGift('10');
    const page = await request(s.app).get(`/thank-you?session_id=${session.id}`).expect(200);
    assert.match(page.text, /action="\/thank-you\/manage"/);
    assert.match(page.text, new RegExp(`name="session_id" value="${session.id}"`));
    const res = await manage(session.id).expect(303);
    assert.match(res.headers.location!, /^http:\/\/127\.0\.0\.1:\d+\/p\/session\//);
    assert.equal(portalSessions.length, 1);
    assert.equal(portalSessions[0]!.customer, session.customer);
    assert.equal(portalSessions[0]!.return_url, `${s.config.baseUrl}/`);
  });

  it('when the gift was one-off, then there is nothing to manage and no portal session is made', async () => {
    const id = await checkoutThroughForm(s.app, '25', 'once');
    st().pay(id, 'card', 'once@example.org');
    const page = await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    assert.doesNotMatch(page.text, /thank-you\/manage/);
    const res = await manage(id).expect(400);
    assert.match(res.text, /no monthly gift to manage/);
    assert.equal(portalSessions.length, 0);
  });

  it("when the session id is unknown, malformed or another site's, then it is not found and no portal session is made", async () => {
    await manage('cs_test_doesnotexist').expect(404);
    await manage('not-a-session').expect(404);
    await request(s.app).post('/thank-you/manage').type('form').send('session_id=a&session_id=b').expect(404);
    const foreign = seedSession(st(), { amount: 1000, mode: 'subscription', metadata: { fundraiser: 'another-site' } });
    st().pay(foreign, 'card', 'x@example.org');
    const res = await manage(foreign).expect(404);
    assert.match(res.text, /href="\/manage"/, 'points to the login page instead');
    assert.equal(portalSessions.length, 0);
  });

  it('when the checkout was never paid, then there is nothing to manage', async () => {
    const id = await checkoutThroughForm(s.app, '10', 'monthly');
    await manage(id).expect(400);
    assert.equal(portalSessions.length, 0);
  });

  it('when more than an hour has passed since the gift, then the session id no longer opens the portal', async () => {
    const session = await monthlyGift('10');
    s.setNow(new Date(Date.now() + MANAGE_WINDOW_MS + 60_000));
    try {
      const res = await manage(session.id).expect(410);
      assert.match(res.text, /works for an hour/);
      assert.match(res.text, /href="\/manage"/);
      assert.equal(portalSessions.length, 0);
    } finally {
      s.setNow(new Date());
    }
  });

  it('when the form is posted from another site, then it is refused and no portal session is made', async () => {
    const session = await monthlyGift('10');
    await manage(session.id, 'https://evil.example').expect(403);
    assert.equal(portalSessions.length, 0);
  });
});

describe('the way in any time later', () => {
  it('when a reader follows "Manage your monthly gift", then they reach the portal login page of the configuration setup made', async () => {
    const appeal = await request(s.app).get('/').expect(200);
    assert.match(appeal.text, /href="\/manage"/);
    const res = await request(s.app).get('/manage').expect(303);
    const configs = await s.deps.stripe.billingPortal.configurations.list();
    const ours = configs.data.find((c) => c.metadata?.fundraiser === s.config.fundraiser.id)!;
    assert.equal(res.headers.location, ours.login_page.url);
    assert.ok(ours.login_page.url, 'the login page is on');
  });

  it('when a monthly donor has given, then the banner thanks them with the way to manage the gift', async () => {
    const session = await monthlyGift('10');
    const agent = request.agent(s.app);
    await agent.get(`/thank-you?session_id=${session.id}`).expect(200);
    const banner = await agent.get('/embed/banner').expect(200);
    assert.match(
      banner.text,
      /Thank you for your gift\. <a href="[^"]+\/manage" target="_top">Manage your monthly gift/,
    );
    const once = await checkoutThroughForm(s.app, '5', 'once');
    st().pay(once, 'card', 'o@example.org');
    const other = request.agent(s.app);
    await other.get(`/thank-you?session_id=${once}`).expect(200);
    assert.doesNotMatch((await other.get('/embed/banner').expect(200)).text, /Manage your monthly gift/);
  });
});

describe("monthly Checkout on the portal's prices", () => {
  it('when a monthly amount has a price, then Checkout uses it; another amount goes on the same product', async () => {
    const listed = await monthlyGift('10');
    const prices = await s.deps.stripe.prices.list({
      lookup_keys: [monthlyLookupKey(s.config.fundraiser, 1000)],
    });
    const price = prices.data[0]!;
    const subOf = (session: Stripe.Checkout.Session) => st().subscriptions.get(session.subscription as string)!;
    assert.equal(subOf(listed).items.data[0]!.price.id, price.id);
    const custom = await monthlyGift('7');
    const item = subOf(custom).items.data[0]!;
    assert.equal(item.price.unit_amount, 700);
    assert.equal(item.price.product, price.product, 'the product the portal can switch prices of');
  });
});

describe('staff end a pledge', () => {
  it('when an admin cancels a pledge at the period end with a reason, then Stripe has it, the pledge is ending and the change log says why', async () => {
    const session = await monthlyGift('10');
    const sub = session.subscription as string;
    const admin = await loggedInStaff(s.app, s.deps.db, 'admin');
    const gifts = await admin.get('/staff/gifts?frequency=monthly').expect(200);
    assert.match(gifts.text, new RegExp(`href="/staff/pledges/${sub}/cancel"`));
    const form = await admin.get(`/staff/pledges/${sub}/cancel`).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const noReason = await admin
      .post(`/staff/pledges/${sub}/cancel`)
      .type('form')
      .send({ _csrf: csrf, when: 'period_end', reason: '' });
    assert.equal(noReason.status, 400);
    assert.equal(st().subscriptions.get(sub)!.cancel_at_period_end, false, 'nothing changed');
    await admin
      .post(`/staff/pledges/${sub}/cancel`)
      .type('form')
      .send({ _csrf: csrf, when: 'period_end', reason: 'Donor wrote in to stop' })
      .expect(303);
    assert.equal(st().subscriptions.get(sub)!.cancel_at_period_end, true);
    assert.equal((await s.deps.ledger.findPledge(sub))?.status, 'ending');
    const settings = await admin.get('/staff/settings').expect(200);
    assert.match(settings.text, /pledge cancelled/);
    assert.match(settings.text, /Donor wrote in to stop/);
  });

  it('when an admin cancels a pledge at once, then it has ended and its paid month still counts', async () => {
    const before = (await s.deps.ledger.progress()).raised;
    const session = await monthlyGift('12');
    const sub = session.subscription as string;
    const admin = await loggedInStaff(s.app, s.deps.db, 'admin');
    const form = await admin.get(`/staff/pledges/${sub}/cancel`).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    await admin
      .post(`/staff/pledges/${sub}/cancel`)
      .type('form')
      .send({ _csrf: csrf, when: 'now', reason: 'Card reported stolen' })
      .expect(303);
    await s.emulator.whenIdle();
    assert.equal(st().subscriptions.get(sub)!.status, 'canceled');
    assert.equal((await s.deps.ledger.findPledge(sub))?.status, 'ended');
    assert.equal((await s.deps.ledger.progress()).raised, before + 1200);
  });

  it('when a viewer, a forged form or an unknown pledge tries, then nothing is cancelled', async () => {
    const session = await monthlyGift('10');
    const sub = session.subscription as string;
    const viewer = await loggedInStaff(s.app, s.deps.db, 'viewer');
    await viewer.get(`/staff/pledges/${sub}/cancel`).expect(403);
    await viewer.post(`/staff/pledges/${sub}/cancel`).type('form').send({ when: 'now', reason: 'x x x' }).expect(403);
    const admin = await loggedInStaff(s.app, s.deps.db, 'admin');
    await admin.post(`/staff/pledges/${sub}/cancel`).type('form').send({ when: 'now', reason: 'no token' }).expect(403);
    await admin.get('/staff/pledges/sub_test_unknown/cancel').expect(404);
    await request(s.app).get(`/staff/pledges/${sub}/cancel`).expect(302);
    assert.equal(st().subscriptions.get(sub)!.status, 'active');
  });
});

describe('yearly statements', () => {
  it('when an admin exports a year, then each donor has one row with what they gave that year, refunds taken off', async () => {
    const email = `statement-${Date.now()}@example.org`;
    for (const amount of ['20', '30']) {
      const id = await checkoutThroughForm(s.app, amount, 'once');
      st().pay(id, 'card', amount === '20' ? email : email.toUpperCase());
    }
    await s.emulator.whenIdle();
    const charge = [...st().charges.values()].find(
      (c) => c.amount === 3000 && c.receipt_email === email.toUpperCase(),
    )!;
    st().refund({ charge: charge.id }, 500);
    await s.emulator.whenIdle();
    const admin = await loggedInStaff(s.app, s.deps.db, 'admin');
    const year = new Date().getUTCFullYear();
    const csv = (await admin.get(`/staff/statements.csv?year=${year}`).expect(200)).text;
    const [header, ...lines] = csv.trim().split('\n');
    assert.equal(header, 'year,email,donor_name,currency,payments,gross,refunded,net,first_paid_at,last_paid_at');
    const row = lines.find((l) => l.includes(email))!.split(',');
    assert.deepEqual(row.slice(0, 8), [String(year), email, 'Test Donor', 'usd', '2', '50.00', '5.00', '45.00']);
    await admin.get('/staff/statements.csv?year=nineteen').expect(400);
    const viewer = await loggedInStaff(s.app, s.deps.db, 'viewer');
    await viewer.get(`/staff/statements.csv?year=${year}`).expect(403);
  });
});
