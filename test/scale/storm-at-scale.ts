// npm run storm: the duplicate storm at scale. A throwaway durable PostgreSQL, two instances
// on it behind nginx (the shipped deploy/nginx/ config), and 10,000 distinct signed Stripe
// events (paid gifts, part refunds, bank debits that clear or bounce), each delivered three
// times in a shuffled order, 32 at a time, every one retried until a 2xx as Stripe does. Then
// the database must hold every gift once: none lost, none doubled, totals equal a recount.
// STORM_EVENTS=2000 makes it smaller. Exits 1 on any loss or double.
import { loadConfig } from '../../lib/config.ts';
import { createDb } from '../../lib/db/database.ts';
import { checkTotals } from '../../lib/ledger/check-totals.ts';
import { TEST_WEBHOOK_SECRET } from '../helpers/app.ts';
import { findNginx, startNginx, upstreamsServed, type Nginx } from '../helpers/nginx.ts';
import { startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { deliverUntilAccepted, giftHistory, inParallel, seededRandom } from '../helpers/webhooks.ts';

const EVENTS = Number(process.env.STORM_EVENTS ?? 10_000);
const COPIES = 3;
const CONCURRENCY = 32;
const TAG = 'storm';

const log = (line: string) => console.log(`storm: ${line}`);

async function main(): Promise<boolean> {
  if (!Number.isInteger(EVENTS) || EVENTS < 8) throw new Error('STORM_EVENTS must be a whole number, 8 or more');
  const nginxBin = findNginx();
  if (!nginxBin) throw new Error('nginx is not installed (apt-get install nginx-light)');
  const started = Date.now();
  let postgres: PostgresServer | null = null;
  let nginx: Nginx | undefined;
  const instances: ServerProcess[] = [];
  try {
    postgres = await startPostgres({ durable: true });
    if (!postgres) throw new Error('PostgreSQL is not installed (initdb/pg_ctl not found)');
    const ports = new Set<number>();
    while (ports.size < 3) ports.add(await freePort());
    const [front, ...upstreams] = [...ports];
    const env = {
      BASE_URL: `http://127.0.0.1:${front}`,
      TRUST_PROXY: 'loopback',
      STRIPE_SECRET_KEY: 'sk_test_storm',
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_URL: 'http://127.0.0.1:9', // webhooks only: Stripe itself is never called
      APP_SECRET: 'same-secret-on-every-instance-0123456789',
      FUNDRAISER_GOAL: '100000000',
      DATABASE_POOL_SIZE: '8',
      LOG_LEVEL: 'warn',
    };
    for (const port of upstreams) instances.push(await startServerProcess(env, postgres.url, { port }));
    nginx = await startNginx(nginxBin, upstreams, { port: front });

    // Gifts come in fives that make eight events (a refund and two bank debits add one each).
    const history = giftHistory(Math.max(5, Math.round((EVENTS * 5) / 8)), TAG);
    const random = seededRandom(2026);
    const deliveries = history.events.flatMap((e) => Array.from({ length: COPIES }, () => e));
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    log(
      `${history.events.length} events for ${history.paymentIntents.length} gifts, ` +
        `${deliveries.length} deliveries, ${CONCURRENCY} at a time, through nginx to 2 instances on PostgreSQL`,
    );

    const url = nginx.url;
    let done = 0;
    let resent = 0;
    const ticker = setInterval(() => log(`${done}/${deliveries.length} delivered`), 10_000);
    const stormStarted = Date.now();
    try {
      await inParallel(deliveries, CONCURRENCY, async (event) => {
        resent += await deliverUntilAccepted(event, () => url);
        done++;
      });
    } finally {
      clearInterval(ticker);
    }
    const stormSeconds = (Date.now() - stormStarted) / 1000;
    const served = [...upstreamsServed(nginx.accessLog()).values()];
    log(
      `delivered ${done} in ${stormSeconds.toFixed(1)} s (${(done / stormSeconds).toFixed(0)}/s), ` +
        `${resent} sent again after a non-2xx; per instance: ${served.join(', ')}`,
    );
    return await check(postgres.url, history);
  } finally {
    for (const instance of instances) await instance.stop().catch(() => undefined);
    await nginx?.stop();
    postgres?.stop();
    log(`elapsed ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  }
}

/** Every gift once in the ledger, every event once, totals equal to the history's and a recount. */
async function check(databaseUrl: string, history: ReturnType<typeof giftHistory>): Promise<boolean> {
  const db = createDb(loadConfig({ DATABASE_URL: databaseUrl }).database);
  try {
    const rows = await db
      .selectFrom('contributions')
      .select(['payment_intent_id', 'counted_donor'])
      .where('payment_intent_id', 'like', `pi_test_${TAG}_%`)
      .execute();
    const perGift = new Map<string, number>();
    for (const r of rows) perGift.set(r.payment_intent_id!, (perGift.get(r.payment_intent_id!) ?? 0) + 1);
    const lost = history.paymentIntents.filter((pi) => !perGift.has(pi)).length;
    const doubled = [...perGift.values()].filter((n) => n > 1).length;
    const counted = rows.filter((r) => Number(r.counted_donor)).length;
    const ids = new Set(history.events.map((e) => e.id));
    const events = await db.selectFrom('stripe_events').select('id').execute();
    const eventsRecorded = events.filter((e) => ids.has(e.id)).length;
    const totals = await db.selectFrom('campaign_totals').select(['raised_minor', 'donors']).execute();
    const raised = totals.reduce((sum, t) => sum + Number(t.raised_minor), 0);
    const donors = totals.reduce((sum, t) => sum + Number(t.donors), 0);
    const mismatches = await checkTotals(db);

    log(
      `ledger: ${rows.length} rows for ${history.paymentIntents.length} gifts (${lost} lost, ${doubled} doubled), ` +
        `${counted} counted donors (expected ${history.donors}); ${eventsRecorded}/${ids.size} events recorded`,
    );
    log(
      `totals: raised ${raised} (expected ${history.expected}), donors ${donors}; recount: ${mismatches.length} differ`,
    );
    for (const m of mismatches) log(`MISMATCH ${m.campaign} ${m.field}: stored ${m.stored}, recount ${m.recomputed}`);
    return (
      lost === 0 &&
      doubled === 0 &&
      counted === history.donors &&
      eventsRecorded === ids.size &&
      raised === history.expected &&
      donors === history.donors &&
      mismatches.length === 0
    );
  } finally {
    await db.destroy();
  }
}

main().then(
  (ok) => {
    log(ok ? 'OK: 0 lost, 0 doubled' : 'FAILED: see above');
    process.exit(ok ? 0 : 1);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
