// Signed webhook delivery as Stripe does it: at least once, retried with exponential
// back-off while the endpoint does not answer 2xx.
import Stripe from 'stripe';

export interface DeliveryAttempt {
  eventId: string;
  attempt: number;
  status: number | null;
  error?: string;
  at: string;
}

export interface DeliveryOptions {
  /** Where events go; null = nowhere yet (events are kept but not sent). */
  url: string | null;
  secret: string;
  /** First retry delay; each further retry doubles it, up to maxDelayMs. */
  retryBaseMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  timeoutMs: number;
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

  /** Queues the event for delivery; returns at once. Dropped when delivery is switched off. */
  send(event: Stripe.Event): boolean {
    if (!this.enabled || !this.opts.url || this.stopped) return false;
    this.attempt(event, 1);
    return true;
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

  private attempt(event: Stripe.Event, n: number): void {
    this.inFlight++;
    void this.post(event)
      .then(
        (status) => {
          this.attempts.push({ eventId: event.id, attempt: n, status, at: new Date().toISOString() });
          if (status < 200 || status >= 300) this.retry(event, n);
        },
        (err: Error) => {
          this.attempts.push({
            eventId: event.id,
            attempt: n,
            status: null,
            error: err.message,
            at: new Date().toISOString(),
          });
          this.retry(event, n);
        },
      )
      .finally(() => {
        this.inFlight--;
        this.checkIdle();
      });
  }

  private retry(event: Stripe.Event, n: number): void {
    if (this.stopped || n >= this.opts.maxAttempts) return;
    const delay = Math.min(this.opts.maxDelayMs, this.opts.retryBaseMs * 2 ** (n - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(event, n + 1);
      this.checkIdle();
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private async post(event: Stripe.Event): Promise<number> {
    const url = this.opts.url;
    if (!url) throw new Error('no webhook URL');
    const payload = JSON.stringify(event, null, 2);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: this.opts.secret });
    const res = await fetch(url, {
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
