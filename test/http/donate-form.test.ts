// The donate form as the server renders it (the state it works in without the script), its
// errors tied to their fields, and the fee cover: charged, said in the session's metadata,
// and counted once, at what Stripe says was paid.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { openForm, postDonateForm, startLiveStack, type LiveStack } from '../helpers/live.ts';
import { loggedInStaff } from '../helpers/staff.ts';
import { makeTestApp } from '../helpers/app.ts';

let s: LiveStack;
before(async () => {
  s = await startLiveStack();
});
after(async () => {
  await s.stop();
});
beforeEach(() => {
  s.emulator.state.sessions.clear();
});

const sessions = () => [...s.emulator.state.sessions.values()];
const progress = async () =>
  (await request(s.app).get('/api/progress').expect(200)).body as { raised: number; donors: number };

const post = (fields: Record<string, string>, status: number) => postDonateForm(s.app, fields, status);

const checked = (html: string, name: string) =>
  [...html.matchAll(new RegExp(`name="${name}" value="([^"]+)" checked`, 'g'))].map((m) => m[1]);
const button = (html: string) =>
  /<span class="give-what" data-give-what>(.*?)<\/span>/
    .exec(html)![1]!
    .replace(/<[^>]+>/g, '')
    .trim();

describe('the donate form, as the server renders it', () => {
  it('when the appeal is opened, then $25 once is preselected and the button says "Donate $25 once"', async () => {
    const html = (await request(s.app).get('/').expect(200)).text;
    assert.deepEqual(checked(html, 'amount'), ['25']);
    assert.deepEqual(checked(html, 'frequency'), ['once']);
    assert.equal(button(html), 'Donate $25 once');
    for (const a of [5, 10, 25, 50, 100])
      assert.match(
        html,
        new RegExp(`class="amount-choice in-once[^"]*">\\s*<input type="radio" name="amount" value="${a}"`),
      );
    assert.match(
      html,
      /class="amount-choice in-once">\s*<input type="radio" name="amount" value="50"/,
      '$50 is once only',
    );
    assert.match(html, /class="amount-choice in-once in-monthly">\s*<input type="radio" name="amount" value="10"/);
    assert.match(html, /<span class="per-month">\/month<\/span>/);
    assert.match(html, /name="cover_fees" value="1">/);
    assert.match(html, /Add 3%<span data-fee-amount> \(\$0\.75\)<\/span> to cover the payment fees/);
    assert.match(html, /<p class="error" role="alert" id="donate-error" hidden><\/p>/);
    assert.doesNotMatch(html, /aria-invalid/);
  });

  it('when the appeal is asked for monthly, then the monthly preselection shows on the button', async () => {
    const html = (await request(s.app).get('/?frequency=monthly').expect(200)).text;
    assert.deepEqual(checked(html, 'amount'), ['10']);
    assert.deepEqual(checked(html, 'frequency'), ['monthly']);
    assert.equal(button(html), 'Donate $10 monthly');
  });

  it('when a cancelled checkout comes back with the fee cover, then the choice and the total are kept', async () => {
    const html = (await request(s.app).get('/?cancelled=1&amount=50&frequency=once&cover_fees=1').expect(200)).text;
    assert.deepEqual(checked(html, 'amount'), ['50']);
    assert.match(html, /name="cover_fees" value="1" checked/);
    assert.equal(button(html), 'Donate $51.50 once');
  });

  it('when other presets and preselections are configured, then the form offers those', async () => {
    const t = await makeTestApp({
      env: {
        DONATE_PRESETS_ONCE: '20,40,80',
        DONATE_DEFAULT_ONCE: '40',
        DONATE_PRESETS_MONTHLY: '8,15',
        DONATE_DEFAULT_MONTHLY: '15',
        DONATE_COVER_FEES_PERCENT: '0',
      },
    });
    try {
      const html = (await request(t.app).get('/').expect(200)).text;
      const values = [...html.matchAll(/name="amount" value="(\d+)"/g)].map((m) => Number(m[1]));
      assert.deepEqual(values, [8, 15, 20, 40, 80]);
      assert.deepEqual(checked(html, 'amount'), ['40']);
      assert.equal(button(html), 'Donate $40 once');
      assert.doesNotMatch(html, /cover_fees/, 'no fee cover when it is off');
    } finally {
      await t.close();
    }
  });
});

describe('the donate form: errors', () => {
  it('when "another amount" is sent empty, then the field is marked invalid, tied to the message and focused', async () => {
    const res = await post({ amount: 'other', other_amount: '', frequency: 'once' }, 400);
    assert.match(
      res.text,
      /<p class="error" role="alert" id="donate-error">Please enter the amount you would like to give\.<\/p>/,
    );
    assert.match(res.text, /name="other_amount"[^>]*aria-invalid="true" aria-describedby="donate-error" autofocus>/);
    assert.deepEqual(checked(res.text, 'amount'), ['other']);
    assert.equal(button(res.text), 'Donate', 'no amount to name yet');
    assert.equal(sessions().length, 0);
  });

  it('when the typed amount is out of bounds, then it is shown again in the marked field', async () => {
    const res = await post({ amount: 'other', other_amount: '1', frequency: 'once' }, 400);
    assert.match(res.text, /between \$2 and \$10,000/);
    assert.match(res.text, /name="other_amount"[^>]*value="1"[^>]*aria-invalid="true"/);
    assert.equal(sessions().length, 0);
  });

  it('when the frequency is refused, then its first choice takes the focus and the group names the message', async () => {
    const res = await post({ amount: '25', frequency: 'weekly' }, 400);
    assert.match(res.text, /<fieldset class="frequency" aria-describedby="donate-error">/);
    assert.match(res.text, /name="frequency" value="once"[^>]* autofocus>/);
    assert.doesNotMatch(res.text, /name="other_amount"[^>]*aria-invalid/);
  });
});

describe('the donate form: what is charged', () => {
  it('when a tile is checked and an amount typed too, then the typed amount is charged (the script empties the field on a tile)', async () => {
    await post({ amount: '25', other_amount: '40', frequency: 'once' }, 303);
    assert.equal(sessions()[0]!.amount_total, 4000);
  });

  it('when a monthly-only amount comes with its tile, then it is charged monthly', async () => {
    await post({ amount: '10', frequency: 'monthly' }, 303);
    assert.equal(sessions()[0]!.amount_total, 1000);
    assert.equal(sessions()[0]!.mode, 'subscription');
  });
});

describe('the fee cover', () => {
  it('when $25 once comes with the fee cover, then $25.75 is charged, the metadata says what covers fees, and the cancel link keeps it', async () => {
    await post({ amount: '25', frequency: 'once', cover_fees: '1' }, 303);
    const [session] = sessions();
    assert.equal(session!.amount_total, 2575);
    assert.equal(session!.metadata?.gift_minor, '2500');
    assert.equal(session!.metadata?.fee_cover_minor, '75');
    assert.equal(s.emulator.state.extras.get(session!.id)!.paymentIntentMetadata.fee_cover_minor, '75');
    assert.match(session!.cancel_url!, /cover_fees=1/);
  });

  it('when it is paid and its webhooks come twice, then the bar counts $25.75 once, one donor, and staff see the fee part', async () => {
    const before = await progress();
    await post({ amount: '25', frequency: 'once', cover_fees: '1' }, 303);
    const id = sessions()[0]!.id;
    s.emulator.state.pay(id, 'card', 'cover@example.org');
    await s.emulator.whenIdle();
    for (const e of [...s.emulator.state.events.values()].filter((e) => (e.data.object as { id?: string }).id === id))
      s.emulator.state.replay(e.id);
    await s.emulator.whenIdle();
    await request(s.app).get(`/thank-you?session_id=${id}`).expect(200);
    const after = await progress();
    assert.equal(after.raised - before.raised, 2575, 'the charge, once: the fee part is not added again');
    assert.equal(after.donors - before.donors, 1);
    const row = await s.deps.db
      .selectFrom('contributions')
      .select(['amount_minor', 'fee_cover_minor'])
      .where('checkout_session_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      { amount: Number(row.amount_minor), cover: Number(row.fee_cover_minor) },
      { amount: 2575, cover: 75 },
    );

    const staff = await loggedInStaff(s.app, s.deps.db);
    const csv = (await staff.get('/staff/gifts.csv').expect(200)).text.trim().split('\n');
    const header = csv[0]!.split(',');
    const line = csv.find((l) => l.includes(id))!.split(',');
    assert.equal(line[header.indexOf('amount')], '25.75');
    assert.equal(line[header.indexOf('fee_cover')], '0.75');
    assert.match(
      (await staff.get('/staff/gifts').expect(200)).text,
      /\$25\.75<br><span class="fine">incl\. \$0\.75 for fees<\/span>/,
    );
    // The dashboard splits by the tile chosen (the fee part aside) among the configured tiles.
    const dashboard = (await staff.get('/staff').expect(200)).text;
    assert.match(
      dashboard,
      /<tr><td>\$25<\/td><td>once<\/td><td class="num">1<\/td><td class="num">\$25\.75<\/td><\/tr>/,
    );
    assert.match(dashboard, /<tr><td>\$100<\/td><td>once<\/td>/);
    assert.match(dashboard, /<tr><td>\$10<\/td><td>monthly<\/td>/);
  });

  it('when $10 monthly comes with the fee cover, then each paid month counts $10.30 once and keeps its fee part', async () => {
    const before = await progress();
    await post({ amount: '10', frequency: 'monthly', cover_fees: '1' }, 303);
    const session = sessions()[0]!;
    assert.equal(session.amount_total, 1030);
    assert.equal(s.emulator.state.extras.get(session.id)!.subscriptionMetadata.fee_cover_minor, '30');
    s.emulator.state.pay(session.id, 'card', 'monthly-cover@example.org');
    await s.emulator.whenIdle();
    const after = await progress();
    assert.equal(after.raised - before.raised, 1030);
    assert.equal(after.donors - before.donors, 1);
    const paid = s.emulator.state.sessions.get(session.id)!;
    const row = await s.deps.db
      .selectFrom('contributions')
      .select(['amount_minor', 'fee_cover_minor'])
      .where('subscription_id', '=', String(paid.subscription))
      .executeTakeFirstOrThrow();
    assert.deepEqual([Number(row.amount_minor), Number(row.fee_cover_minor)], [1030, 30]);
  });

  it('when the fee cover is off, then a cover_fees field adds nothing', async () => {
    const off = await startLiveStack({ env: { DONATE_COVER_FEES_PERCENT: '0' } });
    try {
      const { agent, formId } = await openForm(off.app);
      await agent
        .post('/donate')
        .type('form')
        .send({ form_id: formId, amount: '25', frequency: 'once', cover_fees: '1' })
        .expect(303);
      const [session] = [...off.emulator.state.sessions.values()];
      assert.equal(session!.amount_total, 2500);
      assert.equal(session!.metadata?.fee_cover_minor, undefined);
    } finally {
      await off.stop();
    }
  });
});
