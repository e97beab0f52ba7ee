// What operations watch: Prometheus metrics (webhook outcomes, ledger totals, request
// latency) and the "no webhook for too long" signal the dashboard and /metrics share.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LastWebhook, Ledger, Progress, RefusedEvents } from './ledger/types.ts';
import { contains } from './campaign-window.ts';

/** The warning when Stripe has gone quiet during a running campaign, or null. */
export function webhookSilence(
  progress: Progress,
  last: { at: string } | null,
  now: Date,
  hours: number,
): string | null {
  const running = contains({ startsAt: new Date(progress.startsAt), endsAt: new Date(progress.endsAt) }, now);
  if (!running) return null;
  if (!last) return 'No webhook from Stripe has ever arrived: check the endpoint and its signing secret.';
  if (now.getTime() - new Date(last.at).getTime() > hours * 3600_000) {
    return `No webhook from Stripe for over ${hours} hours during the campaign: check the endpoint, then run npm run reconcile.`;
  }
  return null;
}

/** How long the API-version warning stays up after the last event in another version. */
export const API_VERSION_WARNING_HOURS = 24;

/**
 * The warning while Stripe sends events in another API version than the pinned one (an
 * endpoint made in the Dashboard takes the account's default): nothing is lost, since such
 * events are read again through the API, but each costs a call until the endpoint is fixed.
 */
export function apiVersionDrift(last: LastWebhook | null, now: Date, pinned: string): string | null {
  const other = last?.otherApiVersion;
  if (!other || now.getTime() - new Date(other.at).getTime() > API_VERSION_WARNING_HOURS * 3600_000) return null;
  return (
    `Stripe sent events in API version ${other.version}, not ${pinned} (last at ${other.at.slice(0, 16)} UTC). ` +
    'They are read again through the API, so nothing is lost, but the webhook endpoint wants fixing: ' +
    'run npm run stripe:setup -- --check.'
  );
}

/** How far back refused events are warned about. */
export const REFUSED_EVENTS_WARNING_DAYS = 7;

/** Since when refused events are warned about. */
export const refusedSince = (now: Date) => new Date(now.getTime() - REFUSED_EVENTS_WARNING_DAYS * 86_400_000);

/**
 * The warning while signed events were refused (an impossible amount, a charge Stripe does not
 * know). They were acknowledged so that Stripe does not retry them for days and then disable
 * the endpoint; nothing of theirs counts until someone looks.
 */
export function refusedEventsWarning(refused: RefusedEvents): string | null {
  if (!refused.latest) return null;
  const { id, type, reason, at } = refused.latest;
  const n = refused.count === 1 ? 'A signed Stripe event was' : `${refused.count} signed Stripe events were`;
  return (
    `${n} refused in the last ${REFUSED_EVENTS_WARNING_DAYS} days and did not count; the latest: ${id} (${type}) ` +
    `at ${at.slice(0, 16)} UTC: ${reason}. Look the event up in Stripe's Dashboard; once the cause is fixed, ` +
    'npm run reconcile reads it again.'
  );
}

export interface Metrics {
  registry: Registry;
  webhookEvents: Counter<'type' | 'result'>;
  /** Signed events rendered in another API version than the pinned one (read again through the API). */
  webhookApiVersions: Counter<'api_version'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** The fast lane's responses (figures, banner, landing appeal), counted but not timed. */
  fastLaneRequests: Counter<'route' | 'status'>;
}

export function createMetrics(deps: { ledger: Ledger; clock: () => Date; webhookWarningHours: number }): Metrics {
  const registry = new Registry();
  const webhookEvents = new Counter({
    name: 'fundraiser_webhook_events_total',
    help:
      'Signed Stripe events received, by type and outcome ' +
      '(recorded, duplicate-event, ignored, unhandled-type, failed, refused, rejected)',
    labelNames: ['type', 'result'] as const,
    registers: [registry],
  });
  const webhookApiVersions = new Counter({
    name: 'fundraiser_webhook_other_api_version_total',
    help: 'Signed events rendered in another API version than the pinned one, by version (fix the webhook endpoint)',
    labelNames: ['api_version'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'fundraiser_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const fastLaneRequests = new Counter({
    // The name predates the fast lane's; dashboards and alerts use it.
    name: 'fundraiser_hot_requests_total',
    help: 'Responses the fast lane wrote (the figures, the banner, the landing appeal), by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  // Read from the ledger at scrape time, so they are never stale.
  const totals = new Gauge({
    name: 'fundraiser_campaign_minor',
    help: 'Campaign figures in minor units (cents)',
    labelNames: ['figure'] as const,
    registers: [registry],
  });
  const donors = new Gauge({
    name: 'fundraiser_campaign_donors',
    help: 'Donors counted in the campaign on show',
    registers: [registry],
  });
  const silence = new Gauge({
    name: 'fundraiser_webhook_silence_alert',
    help: '1 when no webhook has arrived for too long during a running campaign',
    registers: [registry],
  });
  const since = new Gauge({
    name: 'fundraiser_seconds_since_last_webhook',
    help: 'Seconds since the last signed webhook (-1: never)',
    registers: [registry],
  });
  new Gauge({
    name: 'fundraiser_scrape_ok',
    help: '1 when the ledger could be read for this scrape',
    registers: [registry],
    async collect() {
      try {
        const p = await deps.ledger.progress();
        for (const [figure, v] of Object.entries({
          raised: p.raised,
          goal: p.goal,
          gross: p.gross,
          refunded: p.refunded,
          disputed: p.disputed,
          dispute_lost: p.disputeLost,
        }))
          totals.set({ figure }, v);
        donors.set(p.donors);
        const last = await deps.ledger.lastWebhook();
        const now = deps.clock();
        since.set(last ? Math.round((now.getTime() - new Date(last.at).getTime()) / 1000) : -1);
        silence.set(webhookSilence(p, last, now, deps.webhookWarningHours) ? 1 : 0);
        this.set(1);
      } catch {
        this.set(0);
      }
    },
  });
  return { registry, webhookEvents, webhookApiVersions, httpDuration, fastLaneRequests };
}
