import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import request from 'supertest';
import type { Site } from '../../app.ts';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { addStaff } from '../../lib/staff/users.ts';
import { charge, dispute, stripeEvent } from '../../emulator/objects.ts';
import { completedSession, deliver, makeTestApp, ourMetadata, sessionEvent, type TestApp } from '../helpers/app.ts';
import { collectedMemory } from '../helpers/held-bodies.ts';

const ADMIN = { email: 'admin@example.org', password: 'correct horse battery staple' };
const VIEWER = { email: 'viewer@example.org', password: 'another long passphrase' };

let t: TestApp;
before(async () => {
  t = await makeTestApp({ now: new Date() });
  await addStaff(t.deps.db, ADMIN.email, ADMIN.password, 'admin', new Date());
  await addStaff(t.deps.db, VIEWER.email, VIEWER.password, 'viewer', new Date());
});
after(async () => {
  await t.close();
});

async function loginForm(app: Site) {
  const agent = request.agent(app);
  const page = await agent.get('/staff/login').expect(200);
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
  return { agent, csrf };
}

async function logIn(who: { email: string; password: string }) {
  const { agent, csrf } = await loginForm(t.app);
  await agent
    .post('/staff/login')
    .type('form')
    .send({ _csrf: csrf, email: who.email, password: who.password })
    .expect(303)
    .expect('Location', '/staff');
  const token = (await agent.get('/staff').expect(200)).text.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
  return { agent, csrf: token };
}

/** An app behind a trusted proxy (so tests can speak from many addresses) that records the login brake's waits. */
async function proxiedApp() {
  const waits: number[] = [];
  const app = await makeTestApp({
    now: new Date(),
    env: { TRUST_PROXY: '1' },
    deps: {
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  });
  await addStaff(app.deps.db, ADMIN.email, ADMIN.password, 'admin', new Date());
  await addStaff(app.deps.db, 'target@example.org', 'a very good password', 'viewer', new Date());
  return { app: app.app, waits, setNow: app.setNow, close: app.close };
}

function post(form: Awaited<ReturnType<typeof loginForm>>, address: string, who: { email: string; password: string }) {
  return form.agent
    .post('/staff/login')
    .set('X-Forwarded-For', address)
    .type('form')
    .send({ _csrf: form.csrf, email: who.email, password: who.password });
}

describe('staff access', () => {
  it('when nobody is logged in, then pages redirect to the login and data answers 401', async () => {
    for (const path of ['/staff', '/staff/gifts', '/staff/settings', '/staff/no-such-page']) {
      const res = await request(t.app).get(path).expect(302);
      assert.equal(res.headers.location, `/staff/login?next=${encodeURIComponent(path)}`);
    }
    for (const path of ['/staff/api/summary', '/staff/gifts.csv']) await request(t.app).get(path).expect(401);
    await request(t.app).post('/staff/settings/goal').type('form').send({ goal: '1' }).expect(302);
  });

  it('when the password is wrong or the account unknown, then the same generic message, 401', async () => {
    for (const email of [ADMIN.email, 'nobody@example.org']) {
      const { agent, csrf } = await loginForm(t.app);
      const res = await agent
        .post('/staff/login')
        .type('form')
        .send({ _csrf: csrf, email, password: 'wrong password here' })
        .expect(401);
      assert.match(res.text, /That e-mail and password do not match an account/);
    }
  });

  it('when a JSON login sends an e-mail that String() cannot turn into text, then 401, not a 500', async () => {
    // Found by test/fuzz/staff-login.test.ts: the login limit's account key threw on it.
    const { agent, csrf } = await loginForm(t.app);
    await agent
      .post('/staff/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ _csrf: csrf, email: { toString: 'x' }, password: 'wrong password here' }))
      .expect(401);
  });

  it('when the login form has no CSRF token, then it is refused, and such junk cannot lock the account', async () => {
    const { agent } = await loginForm(t.app);
    for (let i = 0; i < 12; i++)
      await agent.post('/staff/login').type('form').send({ email: ADMIN.email, password: ADMIN.password }).expect(403);
    await logIn(ADMIN);
  });

  it('when an admin logs in, then the dashboard is shown and the session lives in the database; logout ends it there', async () => {
    const { agent, csrf } = await logIn(ADMIN);
    const sessions = async () =>
      Number(
        (
          await t.deps.db
            .selectFrom('staff_sessions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await sessions();
    assert.ok(before >= 1);
    await agent.post('/staff/logout').type('form').send({ _csrf: csrf }).expect(303).expect('Location', '/staff/login');
    assert.equal(await sessions(), before - 1);
    await agent.get('/staff').expect(302);
  });

  it('when a viewer tries an admin action, then it is refused and nothing changes', async () => {
    const { agent, csrf } = await logIn(VIEWER);
    const goal = (await t.deps.ledger.progress()).goal;
    await agent.post('/staff/settings/goal').type('form').send({ _csrf: csrf, goal: '1' }).expect(403);
    await agent
      .post('/staff/adjustments')
      .type('form')
      .send({ _csrf: csrf, amount: '100', received_on: '2026-01-02', reason: 'cheque' })
      .expect(403);
    await agent.get('/staff/settings').expect(403);
    assert.equal((await t.deps.ledger.progress()).goal, goal);
  });

  it('when an admin form has no CSRF token, then it is refused and nothing changes', async () => {
    const { agent } = await logIn(ADMIN);
    const goal = (await t.deps.ledger.progress()).goal;
    await agent.post('/staff/settings/goal').type('form').send({ goal: '1' }).expect(403);
    assert.equal((await t.deps.ledger.progress()).goal, goal);
  });

  it('when ten wrong passwords for an account come from address A, then the right password from address B logs in at once, and A is throttled', async () => {
    const { app, waits, close } = await proxiedApp();
    try {
      const victim = { email: 'target@example.org', password: 'a very good password' };
      const fromA = await loginForm(app);
      for (let i = 0; i < 10; i++)
        await post(fromA, '192.0.2.1', { email: victim.email, password: `guess ${i} wrong` }).expect(401);
      const res = await post(fromA, '192.0.2.1', victim).expect(429);
      assert.match(res.text, /Too many failed attempts from your address/);
      await post(await loginForm(app), '198.51.100.7', victim)
        .expect(303)
        .expect('Location', '/staff');
      assert.deepEqual(waits, [], 'no attempt was slowed');
      // Other accounts from A are not throttled by it.
      await post(await loginForm(app), '192.0.2.1', ADMIN).expect(303);
    } finally {
      await close();
    }
  });

  it('when a brute force comes from many addresses, then each attempt on the account waits longer, capped, and the right password still logs in', async () => {
    const { app, waits, close, setNow } = await proxiedApp();
    try {
      const victim = { email: 'target@example.org', password: 'a very good password' };
      // 40 addresses, one wrong guess each: no per-address limit is reached.
      for (let i = 0; i < 40; i++)
        await post(await loginForm(app), `203.0.113.${i + 1}`, { email: victim.email, password: `guess ${i}` }).expect(
          401,
        );
      // The first 20 failures were free; then 1 s, 2 s, ... up to 10 s per attempt.
      assert.deepEqual(
        waits,
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10].map((x) => x * 1000),
      );
      // The owner from yet another address: waits the capped 10 s, then is let in.
      await post(await loginForm(app), '198.51.100.8', victim)
        .expect(303)
        .expect('Location', '/staff');
      assert.equal(waits.at(-1), 10_000);
      // Other accounts are not slowed.
      waits.length = 0;
      await post(await loginForm(app), '198.51.100.9', ADMIN).expect(303);
      assert.deepEqual(waits, []);
      // 15 minutes later the account's count starts again.
      setNow(new Date(Date.now() + 16 * 60_000));
      await post(await loginForm(app), '198.51.100.10', victim).expect(303);
      assert.deepEqual(waits, []);
    } finally {
      await close();
    }
  });

  it('when one address fails too often across accounts, then it is throttled', async () => {
    const strict = await makeTestApp({ env: { LOGIN_LIMIT_PER_IP: '3' } });
    try {
      const { agent, csrf } = await loginForm(strict.app);
      for (let i = 0; i < 3; i++)
        await agent
          .post('/staff/login')
          .type('form')
          .send({ _csrf: csrf, email: `u${i}@example.org`, password: 'nope nope nope' })
          .expect(401);
      await agent
        .post('/staff/login')
        .type('form')
        .send({ _csrf: csrf, email: 'u9@example.org', password: 'nope nope nope' })
        .expect(429);
    } finally {
      await strict.close();
    }
  });
});

describe('staff figures', () => {
  it('when gifts, a refund and a lost dispute have come in, then the dashboard equals the ledger', async () => {
    const metadata = ourMetadata(t.config);
    const a = completedSession(t.config, { amount_total: 2500, payment_intent: 'pi_staff_a' });
    const b = completedSession(t.config, { amount_total: 500, payment_intent: 'pi_staff_b' });
    const c = completedSession(t.config, {
      amount_total: 10_000,
      payment_intent: 'pi_staff_c',
      customer_details: {
        ...a.customer_details!,
        name: '=HYPERLINK("http://evil.example","click")',
        email: 'c@example.org',
      },
    });
    for (const s of [a, b, c]) await deliver(t.app, sessionEvent('checkout.session.completed', s)).expect(200);
    await deliver(
      t.app,
      stripeEvent(
        'charge.refunded',
        charge({ amount: 2500, currency: 'usd', payment_intent: 'pi_staff_a', metadata, amount_refunded: 1000 }),
      ),
    ).expect(200);
    await deliver(
      t.app,
      stripeEvent(
        'charge.dispute.closed',
        dispute({ amount: 500, currency: 'usd', charge: 'ch_staff_b', payment_intent: 'pi_staff_b', status: 'lost' }),
      ),
    ).expect(200);

    const { agent } = await logIn(ADMIN);
    const p = await t.deps.ledger.progress();
    const summary = (await agent.get('/staff/api/summary').expect(200)).body;
    assert.equal(summary.raised, p.raised);
    assert.equal(summary.raised, 2500 + 500 + 10_000 - 1000 - 500);
    assert.equal(summary.gross, 13_000);
    assert.equal(summary.refunded, 1000);
    assert.equal(summary.disputeLost, 500);
    assert.equal(summary.donors, 2);
    const html = (await agent.get('/staff').expect(200)).text;
    assert.match(html, /data-k="raised">\$115</);
    assert.match(html, /data-k="refunded">\$10</);
    assert.match(html, /data-k="disputeLost">\$5</);
    assert.match(html, /<svg class="chart"/);
    assert.match(html, /pi_staff_c/);
    assert.doesNotMatch(html, /<a href="http:\/\/evil/);
  });

  it('when a viewer lists gifts, then e-mails are hidden; an admin sees them; filters narrow the list', async () => {
    const viewer = await logIn(VIEWER);
    const v = (await viewer.agent.get('/staff/gifts').expect(200)).text;
    assert.doesNotMatch(v, /c@example\.org/);
    const adm = await logIn(ADMIN);
    assert.match((await adm.agent.get('/staff/gifts').expect(200)).text, /c@example\.org/);
    const big = (await adm.agent.get('/staff/gifts?min=50&status=paid').expect(200)).text;
    assert.match(big, /pi_staff_c/);
    assert.doesNotMatch(big, /pi_staff_a/);
    const bad = await adm.agent.get('/staff/gifts?status=stolen&from=yesterday').expect(200);
    assert.match(bad.text, /Unknown status/);
    const badCsv = await adm.agent.get('/staff/gifts.csv?min=lots').expect(400);
    assert.match(badCsv.body.error, /"min" must be a whole amount/);
  });

  it('when an admin records an offline gift and a goal, then both show in the total and the audit list, and the goal outlives a restart', async () => {
    const { agent, csrf } = await logIn(ADMIN);
    const before = await t.deps.ledger.progress();
    await agent
      .post('/staff/adjustments')
      .type('form')
      .send({
        _csrf: csrf,
        amount: '250',
        received_on: new Date().toISOString().slice(0, 10),
        reason: 'Cheque no. 1234',
        donor_name: 'J. Smith',
      })
      .expect(303);
    await agent.post('/staff/settings/goal').type('form').send({ _csrf: csrf, goal: '80,000' }).expect(303);
    const p = await t.deps.ledger.progress();
    assert.equal(p.raised, before.raised + 25_000);
    assert.equal(p.donors, before.donors + 1);
    assert.equal(p.goal, 8_000_000);
    const settings = (await agent.get('/staff/settings').expect(200)).text;
    // Money in the change log reads as money (#18), not as the cents the ledger writes.
    assert.match(
      settings,
      /admin@example\.org<\/td><td>offline gift<\/td><td>\$250 received \d{4}-\d{2}-\d{2} \(manual_[^)]+\): Cheque no\. 1234/,
    );
    assert.match(settings, /admin@example\.org<\/td><td>goal<\/td><td>campaign \d{4}: \$[\d,]+ → \$80,000<\/td>/);
    assert.doesNotMatch(settings, /\d usd/);
    await t.deps.ledger.syncCampaign(); // what a restart does
    assert.equal((await t.deps.ledger.progress()).goal, 8_000_000);
    const invalid = await agent
      .post('/staff/adjustments')
      .type('form')
      .send({ _csrf: csrf, amount: '-5', received_on: '2026-01-01', reason: 'x' })
      .expect(400);
    assert.match(invalid.text, /whole amount greater than 0/);
    const future = await agent
      .post('/staff/adjustments')
      .type('form')
      .send({ _csrf: csrf, amount: '5', received_on: '2099-01-01', reason: 'a cheque' })
      .expect(400);
    assert.match(future.text, /cannot be in the future/);
    const outside = await agent
      .post('/staff/adjustments')
      .type('form')
      .send({ _csrf: csrf, amount: '5', received_on: '2001-01-01', reason: 'a cheque' })
      .expect(400);
    assert.match(outside.text, /must fall within campaign/);
    // A day that does not exist is refused, not rolled over to 2026-03-02.
    const noSuchDay = await agent
      .post('/staff/adjustments')
      .type('form')
      .send({ _csrf: csrf, amount: '5', received_on: '2026-02-30', reason: 'a cheque' })
      .expect(400);
    assert.match(noSuchDay.text, /no such day as 2026-02-30/);
    assert.equal((await t.deps.ledger.progress()).raised, p.raised, 'refused offline gifts change nothing');
  });
});

describe('CSV export', () => {
  it('when 100,000 gifts are exported, then the CSV streams them all with bounded memory and formulas stay inert', async () => {
    const now = new Date().toISOString();
    const campaign = await t.deps.db.selectFrom('campaigns').select('id').executeTakeFirstOrThrow();
    for (let start = 0; start < 100_000; start += 1000) {
      await t.deps.db
        .insertInto('contributions')
        .values(
          Array.from({ length: 1000 }, (_, i) => ({
            stripe_id: `cs_test_bulk_${start + i}`,
            checkout_session_id: `cs_test_bulk_${start + i}`,
            subscription_id: null,
            donor_key: `cs_test_bulk_${start + i}`,
            payment_intent_id: null,
            customer_id: null,
            email: `bulk${start + i}@example.org`,
            donor_name: i === 0 ? '@SUM(1+1)' : `Donor ${start + i}`,
            source: 'stripe' as const,
            note: null,
            frequency: 'once' as const,
            status: 'pending' as const,
            currency: 'usd',
            amount_minor: 500,
            refunded_minor: 0,
            disputed_minor: 0,
            dispute_lost_minor: 0,
            counted_donor: 0,
            campaign_id: campaign.id,
            paid_at: null,
            paid_at_source: null,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
    }
    // Read the response as a stream from a real socket, counting lines, never holding it whole.
    const server = http.createServer(t.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const login = await logInCookie(server);
    // Live memory (after a collection), not heapUsed as it comes: garbage V8 has yet to collect
    // made that figure a matter of timing. A buffered export holds 100,000 rows live at once.
    const live = () => {
      const m = collectedMemory();
      return m.heapUsed + m.external;
    };
    const baseline = live();
    let peak = baseline;
    let lines = 0;
    let sample = '';
    let evil = '';
    await new Promise<void>((resolve, reject) => {
      http.get(
        { port: (server.address() as AddressInfo).port, path: '/staff/gifts.csv', headers: { cookie: login } },
        (res) => {
          assert.equal(res.statusCode, 200);
          assert.match(String(res.headers['content-type']), /text\/csv/);
          assert.equal(res.headers['content-length'], undefined, 'streamed, not buffered');
          let rest = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const parts = (rest + chunk).split('\n');
            rest = parts.pop() ?? '';
            for (const line of parts) {
              lines++;
              if (lines === 2) sample = line;
              if (line.includes('HYPERLINK') || line.includes('SUM(1+1)')) evil += line + '\n';
              if (lines % 10_000 === 0) peak = Math.max(peak, live());
            }
          });
          res.on('end', () => resolve());
          res.on('error', reject);
        },
      );
    });
    server.close();
    assert.ok(lines >= 100_003, `lines: ${lines}`); // header + 100,000 + the earlier gifts
    assert.match(sample, /^\d+,/);
    assert.match(evil, /,"'=HYPERLINK\(""http/);
    assert.match(evil, /,'@SUM\(1\+1\)/);
    assert.doesNotMatch(evil, /,"?=HYPERLINK/);
    assert.ok(peak - baseline < 40 * 1024 * 1024, `live memory grew by ${Math.round((peak - baseline) / 1e6)} MB`);
  });
});

async function logInCookie(server: http.Server): Promise<string> {
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const page = await fetch(`${base}/staff/login`);
  const jar = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
  const res = await fetch(`${base}/staff/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar },
    body: new URLSearchParams({ _csrf: csrf, email: ADMIN.email, password: ADMIN.password }),
  });
  assert.equal(res.status, 303);
  return [jar, ...res.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
}

describe('npm run staff', () => {
  it('when accounts are added, listed, reset and removed from the command line, then the database follows', async () => {
    const run = (args: string[], password?: string) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'bin/staff.ts', ...args],
          {
            cwd: PROJECT_ROOT,
            env: {
              PATH: process.env.PATH,
              DATABASE_URL: t.databaseUrl,
              ...(password ? { STAFF_PASSWORD: password } : {}),
            },
          },
          (err, stdout, stderr) =>
            resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    assert.match(
      (await run(['add', 'New.Person@Example.org', '--role', 'viewer'], 'twelve chars ok')).stdout,
      /added new\.person@example\.org \(viewer\)/,
    );
    assert.match((await run(['add', 'new.person@example.org'], 'twelve chars ok')).stderr, /already has an account/);
    assert.match((await run(['add', 'short@example.org'], 'short')).stderr, /at least 12 characters/);
    assert.match((await run(['list'])).stdout, /new\.person@example\.org\tviewer/);
    assert.match(
      (await run(['reset-password', 'new.person@example.org'], 'a brand new password')).stdout,
      /new password set/,
    );
    await logIn({ email: 'new.person@example.org', password: 'a brand new password' });
    assert.match((await run(['remove', 'new.person@example.org'])).stdout, /removed/);
    const { agent, csrf } = await loginForm(t.app);
    await agent
      .post('/staff/login')
      .type('form')
      .send({ _csrf: csrf, email: 'new.person@example.org', password: 'a brand new password' })
      .expect(401);
    assert.match((await run(['fly'])).stderr, /usage/);
  });
});
