// One load round, run as its own process so the load generator never shares the server's
// event loop: autocannon against one URL for a bounded time, latencies kept at microsecond
// resolution (autocannon's own histogram rounds to whole milliseconds).
//   tsx bench/load.ts '<json LoadSpec>'   -> prints one JSON LoadResult line
import fs from 'node:fs';
import autocannon from 'autocannon';
import Stripe from 'stripe';
import { checkoutSession, stripeEvent } from '../emulator/objects.ts';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Headers each request adds in turn (readers in several languages): autocannon cycles them per connection. */
  cycleHeaders?: Array<Record<string, string>>;
  connections: number;
  seconds: number;
  /** Signed Stripe events: a new paid gift per request, or the same few again and again. */
  webhook?: {
    mode: 'distinct' | 'duplicate';
    secret: string;
    fundraiserId: string;
    campaign: string;
    ackFile?: string;
    idPrefix: string;
    maxRate?: number;
  };
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** A paid one-off gift as Stripe sends it; ids derive from the index so the run can be checked. */
export function paidGiftEvent(
  webhook: NonNullable<LoadSpec['webhook']>,
  i: number,
): { id: string; amount: number; payload: string } {
  const amount = 500 + (i % 7) * 100;
  const session = checkoutSession({
    id: `cs_bench_${webhook.idPrefix}_${i}`,
    status: 'complete',
    payment_status: 'paid',
    amount_total: amount,
    amount_subtotal: amount,
    payment_intent: `pi_bench_${webhook.idPrefix}_${i}`,
    metadata: { fundraiser: webhook.fundraiserId, campaign: webhook.campaign },
  });
  const event = stripeEvent('checkout.session.completed', session, { id: `evt_bench_${webhook.idPrefix}_${i}` });
  return { id: session.id, amount, payload: JSON.stringify(event) };
}

const sign = (payload: string, secret: string) => Stripe.webhooks.generateTestHeaderString({ payload, secret });

async function main() {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  const latencies: number[] = [];
  const acknowledged: { id: string; amount: number }[] = [];
  const baseRequest = { method: spec.method ?? 'GET', headers: spec.headers ?? {}, body: spec.body };

  let requests: autocannon.Request[] | undefined;
  if (spec.cycleHeaders) {
    requests = spec.cycleHeaders.map((h) => ({
      method: baseRequest.method,
      headers: { ...baseRequest.headers, ...h },
    }));
  }
  if (spec.webhook) {
    const webhook = spec.webhook;
    // Built and signed before the clock starts (signatures stay valid five minutes), so the
    // load generator spends as little per request as it does for the baseline's constant body.
    const distinct = webhook.mode === 'distinct';
    const events = Array.from(
      { length: distinct ? Math.ceil(spec.seconds * (webhook.maxRate ?? 5000)) : 200 },
      (_, i) => paidGiftEvent(webhook, i),
    );
    const headers = events.map((e) => sign(e.payload, webhook.secret));
    let next = 0;
    requests = [
      {
        method: 'POST',
        setupRequest: (req, context) => {
          const i = next++;
          if (distinct && i >= events.length)
            throw new Error(`more than ${events.length} requests: raise webhook.maxRate`);
          const event = events[i % events.length]!;
          const header = headers[i % events.length]!;
          (context as { sent?: { id: string; amount: number } }).sent = { id: event.id, amount: event.amount };
          return {
            ...req,
            body: event.payload,
            headers: { ...req.headers, 'content-type': 'application/json', 'stripe-signature': header },
          };
        },
        onResponse: (status, _body, context) => {
          const sent = (context as { sent?: { id: string; amount: number } }).sent;
          if (status >= 200 && status < 300 && sent) acknowledged.push(sent);
        },
      },
    ];
  }

  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const options = {
      url: spec.url,
      connections: spec.connections,
      duration: spec.seconds,
      ...baseRequest,
      ...(requests ? { requests } : {}),
    };
    const instance = autocannon(options, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  if (spec.webhook?.ackFile) fs.writeFileSync(spec.webhook.ackFile, JSON.stringify(acknowledged));
  const out: LoadResult = {
    requests: result.requests.total,
    rps: result.requests.total / spec.seconds,
    p50: at(0.5),
    p99: at(0.99),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
