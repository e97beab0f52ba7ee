// Two server processes on one database behind nginx, configured from the shipped
// deploy/nginx/ files: readers, donors, Stripe and staff all go through the balancer, rate
// limits see each client's own address, and a rolling restart under load loses nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadConfig } from '../../lib/config.ts';
import { createDb } from '../../lib/db/database.ts';
import { TEST_WEBHOOK_SECRET } from '../helpers/app.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, requestFrom } from '../helpers/http-from.ts';
import { NGINX_SITE, nginxOrSkip, startNginx, upstreamsServed, type Nginx } from '../helpers/nginx.ts';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { deliverUntilAccepted, giftHistory, inParallel, paidGift, seededRandom } from '../helpers/webhooks.ts';

const NGINX = nginxOrSkip('the load-balancer tests (test/scale/load-balancer.test.ts)');
const PER_ADDRESS = 5;
const STAFF = { email: 'lb-admin@example.org', password: 'a long load balancer passphrase' };
// How long nginx leaves out an instance it saw fail: the shipped upstream's fail_timeout.
const FAIL_TIMEOUT_MS = 1000 * Number(/fail_timeout=(\d+)s/.exec(fs.readFileSync(NGINX_SITE, 'utf8'))?.[1] ?? 10);

let database: TestDatabase;
let nginx: Nginx;
let env: Record<string, string>;
/** The two instances, by nginx's upstream order; a restarted one takes its predecessor's place. */
const instances: ServerProcess[] = [];

/** `n` distinct free ports (freePort alone could hand out one twice before anything binds it). */
async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

before(async () => {
  if (!NGINX) return;
  database = await freshDatabase();
  const [front, ...ports] = await distinctPorts(3);
  env = {
    BASE_URL: `http://127.0.0.1:${front}`,
    TRUST_PROXY: 'loopback',
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    APP_SECRET: 'same-secret-on-every-instance-0123456789',
    FUNDRAISER_GOAL: '100000',
    DONATE_LIMIT_PER_IP: String(PER_ADDRESS),
    // 127.0.0.x is one /24: its budget must not be what refuses here.
    DONATE_LIMIT_PER_NETWORK: '1000',
    DATABASE_POOL_SIZE: '8',
  };
  for (const port of ports) instances.push(await startServerProcess(env, database.url, { port }));
  // nginx once both listen: before, it would count the one still starting as failed and leave
  // it out for fail_timeout. (Each instance's emulator, at BASE_URL, is then reached through it.)
  nginx = await startNginx(NGINX, ports, { port: front });
});
after(async () => {
  for (const instance of instances) await instance.stop();
  await nginx?.stop();
  await database?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** /api/progress through nginx once every instance's totals in memory are stale (TOTALS_MAX_AGE_MS). */
async function progress(): Promise<{ raised: number; donors: number }> {
  await sleep(600);
  return (await (await fetch(`${nginx.url}/api/progress`)).json()) as { raised: number; donors: number };
}

/** A reader at `from` opens the appeal and gives $5 with its form, as a browser posts it. */
async function donate(from: string, headers: Record<string, string> = {}) {
  const page = await requestFrom(from, nginx.url);
  const formId = /name="form_id" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(formId, `no form id on the appeal (${page.status})`);
  return requestFrom(from, `${nginx.url}/donate`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: nginx.url, ...headers },
    body: new URLSearchParams({ form_id: formId, amount: '5', frequency: 'once' }).toString(),
  });
}

/** Requests per instance (by upstream order) in nginx's access log lines that `line` matches. */
function servedBy(line: RegExp): number[] {
  const log = nginx
    .accessLog()
    .split('\n')
    .filter((l) => line.test(l));
  const served = upstreamsServed(log.join('\n'));
  return instances.map((i) => served.get(i.port) ?? 0);
}

describe('two instances behind nginx (the shipped config)', { skip: !NGINX && 'nginx is not installed' }, () => {
  it('when readers and a donor come through nginx, then every page answers and both instances serve them', async () => {
    for (let i = 0; i < 6; i++)
      for (const path of ['/', '/api/progress', '/embed/banner']) {
        const res = await fetch(`${nginx.url}${path}`);
        await res.arrayBuffer();
        assert.equal(res.status, 200, path);
      }
    const given = await donate('127.0.0.1');
    assert.equal(given.status, 303, given.body);
    assert.match(String(given.headers.location), /\/c\/pay\/cs_test_/);
    const [a, b] = servedBy(/"GET \/(api\/progress|embed\/banner)? /);
    assert.ok(a! > 0 && b! > 0, `requests per instance: ${a}, ${b}`);
  });

  it('when one address uses up its donation budget, then it gets 429 even with a forged X-Forwarded-For, and another address still gives', async () => {
    for (let i = 0; i < PER_ADDRESS; i++) assert.equal((await donate('127.0.0.2')).status, 303, `attempt ${i + 1}`);
    const limited = await donate('127.0.0.2');
    assert.equal(limited.status, 429);
    assert.match(limited.body, /Too many donation attempts/);
    const forged = await donate('127.0.0.2', { 'x-forwarded-for': '203.0.113.50' });
    assert.equal(forged.status, 429, 'the forged header chose a fresh address');
    assert.equal((await donate('127.0.0.3')).status, 303);
    // The budget is kept in the database: both instances counted into it.
    const [a, b] = servedBy(/"POST \/donate /);
    assert.ok(a! > 0 && b! > 0, `donations per instance: ${a}, ${b}`);
  });

  it('when Stripe delivers signed webhooks through nginx, each twice and out of order, then each gift is recorded once', async () => {
    const before = await progress();
    const { events, expected, donors } = giftHistory(40, 'lb');
    const random = seededRandom(7);
    const deliveries = [...events, ...events].sort(() => random() - 0.5);
    await inParallel(deliveries, 8, async (e) => void (await deliverUntilAccepted(e, () => nginx.url)));
    const after = await progress();
    assert.equal(after.raised - before.raised, expected);
    assert.equal(after.donors - before.donors, donors);
    const [a, b] = servedBy(/"POST \/webhooks\/stripe /);
    assert.ok(a! > 0 && b! > 0, `webhooks per instance: ${a}, ${b}`);
  });

  it('when staff log in through nginx, then their session works on both instances', async () => {
    await instances[0]!.addStaff(STAFF.email, STAFF.password);
    const form = await requestFrom('127.0.0.1', `${nginx.url}/staff/login`);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
    assert.ok(token, 'no CSRF token on the login form');
    const login = await requestFrom('127.0.0.1', `${nginx.url}/staff/login`, {
      method: 'POST',
      headers: { cookie: cookiesOf(form), 'content-type': 'application/x-www-form-urlencoded', origin: nginx.url },
      body: new URLSearchParams({ _csrf: token, ...STAFF }).toString(),
    });
    assert.equal(login.status, 303, login.body);
    const cookie = cookiesOf(login, cookiesOf(form));
    for (let i = 0; i < 4; i++)
      for (const path of ['/staff', '/staff/api/summary', '/staff/gifts']) {
        const res = await requestFrom('127.0.0.1', `${nginx.url}${path}`, { headers: { cookie } });
        assert.equal(res.status, 200, `${path}: ${res.status} ${String(res.headers.location ?? '')}`);
      }
    const [a, b] = servedBy(/"GET \/staff(\/api\/summary|\/gifts)? /);
    assert.ok(a! >= 3 && b! >= 3, `staff pages per instance: ${a}, ${b}`);
  });

  it('when both instances are restarted one after the other under load, then no reader request fails and every webhook counts once', async () => {
    const before = await progress();
    const load = startLoad();
    await sleep(1000);
    for (const [i, old] of instances.entries()) {
      assert.equal(await old.kill('SIGTERM'), 0, old.logs());
      instances[i] = await startServerProcess(env, database.url, { port: old.port });
      await untilReady(instances[i].url);
      // nginx takes a failed instance back only after fail_timeout: the procedure waits it out.
      await sleep(FAIL_TIMEOUT_MS + 500);
    }
    const counts = await load.stop();
    const after = await progress();
    const rows = await giftRows('pi_test_roll_%');
    // A request nginx moved to the other instance has two addresses in its upstream= field.
    const movedByNginx = nginx.accessLog().match(/upstream=\S+, /g)?.length ?? 0;
    console.log(
      `rolling restart: ${counts.reads} reader requests, ${counts.readFailures.length} failed; ` +
        `${counts.acknowledged} webhooks acknowledged (${counts.retries} sent again), ` +
        `${rows.rows} recorded for ${rows.distinct} payments; nginx moved ${movedByNginx} requests to the other instance`,
    );
    const nginxErrors = nginx
      .errorLog()
      .split('\n')
      .filter((l) => /\[(warn|error|crit)\]/.test(l));
    assert.equal(
      counts.readFailures.length,
      0,
      `${counts.readFailures.slice(0, 5).join(', ')}…\nnginx said:\n${nginxErrors.slice(0, 20).join('\n')}`,
    );
    assert.ok(counts.reads > 500, `only ${counts.reads} reader requests`);
    assert.ok(counts.acknowledged > 50, `only ${counts.acknowledged} webhooks`);
    assert.equal(rows.rows, counts.acknowledged, 'one ledger row per acknowledged event');
    assert.equal(rows.distinct, counts.acknowledged, 'no payment recorded twice');
    assert.equal(after.raised - before.raised, counts.raised);
    assert.equal(after.donors - before.donors, counts.acknowledged);
  });
});

/**
 * 8 readers (the appeal and /api/progress, back to back) and 2 Stripe senders (distinct paid
 * gifts, each retried until a 2xx) through nginx until stopped.
 */
function startLoad() {
  let running = true;
  let reads = 0;
  const readFailures: string[] = [];
  let acknowledged = 0;
  let retries = 0;
  let raised = 0;
  let next = 0;
  const readers = Array.from({ length: 8 }, async (_, r) => {
    while (running) {
      const path = r % 2 ? '/api/progress' : '/';
      reads++;
      try {
        const res = await fetch(`${nginx.url}${path}`);
        await res.arrayBuffer();
        if (res.status !== 200 && res.status !== 304) readFailures.push(`${path}: ${res.status}`);
      } catch (err) {
        readFailures.push(`${path}: ${(err as Error).message}`);
      }
    }
  });
  const senders = Array.from({ length: 2 }, async () => {
    while (running) {
      const amount = 100 + (next % 50);
      const event = paidGift(amount, `pi_test_roll_${next++}`);
      retries += await deliverUntilAccepted(event, () => nginx.url);
      acknowledged++;
      raised += amount;
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all([...readers, ...senders]);
      return { reads, readFailures, acknowledged, retries, raised };
    },
  };
}

async function untilReady(url: string): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const res = await fetch(`${url}/readyz`).catch(() => null);
    await res?.arrayBuffer();
    if (res?.status === 200) return;
    await sleep(100);
  }
  throw new Error(`${url} never became ready`);
}

/** Ledger rows for the payment intents `like` matches, and how many distinct payments they are. */
async function giftRows(like: string): Promise<{ rows: number; distinct: number }> {
  const db = createDb(loadConfig({ DATABASE_URL: database.url }).database);
  try {
    const found = await db
      .selectFrom('contributions')
      .select('payment_intent_id')
      .where('payment_intent_id', 'like', like)
      .execute();
    return { rows: found.length, distinct: new Set(found.map((r) => r.payment_intent_id)).size };
  } finally {
    await db.destroy();
  }
}
