// Signed webhook delivery as Stripe does it: at least once, retried with exponential
// back-off while the endpoint does not answer 2xx. Every event goes to the emulator's own
// default URL (in the version it was stored in, the site's pin) and to each enabled webhook
// endpoint registered through the API that takes its type, signed with that endpoint's secret
// and rendered in that endpoint's API version; each destination is retried on its own.
import Stripe from 'stripe';

export interface DeliveryAttempt {
  eventId: string;
  attempt: number;
  status: number | null;
  error?: string;
  at: string;
  /** The registered webhook endpoint (we_...); absent for the default URL. */
  endpoint?: string;
}

/** What delivery needs of the webhook endpoints registered through the API (webhook-endpoints.ts). */
export interface EndpointTargets {
  /** Ids of the enabled endpoints whose enabled_events take this type. */
  matching(eventType: string): string[];
  /** Where, with which secret and in which API version to send now; null once deleted or disabled. */
  target(id: string): { url: string; secret: string; apiVersion: string } | null;
}

export interface DeliveryOptions {
  /** Where events go by default; null = nowhere yet (events are kept but not sent there). */
  url: string | null;
  secret: string;
  /** First retry delay; each further retry doubles it, up to maxDelayMs. */
  retryBaseMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  timeoutMs: number;
  /** Registered endpoints that get every event they take as well; none when absent. */
  endpoints?: EndpointTargets;
  /** The event rendered in another API version (api-versions.ts); default: only re-stamped. */
  render?: (event: Stripe.Event, apiVersion: string) => Stripe.Event;
}

/** One event on its way to one destination: the default URL (endpoint null) or a registered endpoint. */
interface Route {
  eventId: string;
  endpoint: string | null;
  payload: string;
}

export class WebhookDelivery {
  readonly attempts: DeliveryAttempt[] = [];
  enabled = true;
  private inFlight = 0;
  private timers = new Set<NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly opts: DeliveryOptions) {}

  setUrl(url: string | null): void {
    this.opts.url = url;
  }

  get url(): string | null {
    return this.opts.url;
  }

  /** Queues the event for every destination; returns at once. Dropped when delivery is switched off. */
  send(event: Stripe.Event): boolean {
    if (!this.enabled || this.stopped) return false;
    let queued = false;
    if (this.opts.url) {
      this.attempt({ eventId: event.id, endpoint: null, payload: JSON.stringify(event, null, 2) }, 1);
      queued = true;
    }
    const endpoints = this.opts.endpoints;
    for (const id of endpoints?.matching(event.type) ?? []) {
      const version = endpoints?.target(id)?.apiVersion;
      if (!version) continue;
      // Rendered once per endpoint: its retries carry the same body, as Stripe's do.
      const rendered = this.opts.render ? this.opts.render(event, version) : { ...event, api_version: version };
      this.attempt({ eventId: event.id, endpoint: id, payload: JSON.stringify(rendered, null, 2) }, 1);
      queued = true;
    }
    return queued;
  }

  /** Resolves when nothing is being sent and no retry is waiting. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0 && this.timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.checkIdle();
  }

  /** The URL and secret to use now: an endpoint deleted or disabled since is not sent to again. */
  private destination(route: Route): { url: string; secret: string } | null {
    if (route.endpoint === null) return this.opts.url ? { url: this.opts.url, secret: this.opts.secret } : null;
    return this.opts.endpoints?.target(route.endpoint) ?? null;
  }

  private attempt(route: Route, n: number): void {
    const to = this.destination(route);
    if (!to) return;
    const record = (status: number | null, error?: string) =>
      this.attempts.push({
        eventId: route.eventId,
        attempt: n,
        status,
        ...(error === undefined ? {} : { error }),
        at: new Date().toISOString(),
        ...(route.endpoint === null ? {} : { endpoint: route.endpoint }),
      });
    this.inFlight++;
    void this.post(to, route.payload)
      .then(
        (status) => {
          record(status);
          if (status < 200 || status >= 300) this.retry(route, n);
        },
        (err: Error) => {
          record(null, err.message);
          this.retry(route, n);
        },
      )
      .finally(() => {
        this.inFlight--;
        this.checkIdle();
      });
  }

  private retry(route: Route, n: number): void {
    if (this.stopped || n >= this.opts.maxAttempts) return;
    const delay = Math.min(this.opts.maxDelayMs, this.opts.retryBaseMs * 2 ** (n - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(route, n + 1);
      this.checkIdle();
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private async post(to: { url: string; secret: string }, payload: string): Promise<number> {
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: to.secret });
    const res = await fetch(to.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Stripe-Signature': signature,
        'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks) emulator',
      },
      body: payload,
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  }

  private checkIdle(): void {
    if (this.inFlight === 0 && this.timers.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
