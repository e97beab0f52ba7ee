// The emulator's Webhook Endpoints API (/v1/webhook_endpoints), as Stripe's reference describes
// it: each endpoint has its own URL, enabled events ('*' = all), signing secret (returned only
// when the endpoint is made) and API version (null = the account's default, which cannot be
// changed afterwards: the update takes no api_version). delivery.ts sends every event to each
// enabled endpoint that takes it, rendered in the endpoint's version (api-versions.ts).
import { randomBytes } from 'node:crypto';
import { Router, type Request } from 'express';
import type Stripe from 'stripe';
import type { EndpointTargets } from './delivery.ts';
import { nowSeconds, stripeId } from './objects.ts';
import { EmulatorError, found } from './state.ts';
import { booleanParam, invalid, metadataParam, onlyKnown, urlParam, type Params } from './params.ts';

/** Stripe's limit of webhook endpoints per account (and mode). */
export const MAX_WEBHOOK_ENDPOINTS = 16;

const CREATE_PARAMS = ['url', 'enabled_events', 'api_version', 'description', 'metadata', 'connect', 'expand'];
const UPDATE_PARAMS = ['url', 'enabled_events', 'disabled', 'description', 'metadata', 'expand'];

export class WebhookEndpoints implements EndpointTargets {
  private readonly endpoints = new Map<string, Stripe.WebhookEndpoint>();
  private readonly secrets = new Map<string, string>();

  /** accountApiVersion: what an endpoint made without api_version gets (an account's default). */
  constructor(readonly accountApiVersion: string) {}

  create(b: Params): Stripe.WebhookEndpoint {
    onlyKnown(b, CREATE_PARAMS);
    if (this.endpoints.size >= MAX_WEBHOOK_ENDPOINTS)
      throw new EmulatorError(400, `You have reached the maximum of ${MAX_WEBHOOK_ENDPOINTS} test webhook endpoints.`);
    if (b.connect === 'true') throw invalid('Connect webhook endpoints are not emulated.', 'connect');
    const endpoint: Stripe.WebhookEndpoint = {
      id: stripeId('we'),
      object: 'webhook_endpoint',
      api_version: b.api_version === undefined ? null : apiVersionParam(b.api_version),
      application: null,
      created: nowSeconds(),
      description: descriptionParam(b.description),
      enabled_events: eventsParam(b.enabled_events),
      livemode: false,
      metadata: b.metadata === undefined ? {} : metadataParam(b.metadata, {}),
      status: 'enabled',
      url: urlParam(b.url, 'url'),
    };
    const secret = `whsec_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`;
    this.endpoints.set(endpoint.id, endpoint);
    this.secrets.set(endpoint.id, secret);
    return { ...endpoint, secret };
  }

  retrieve(id: string): Stripe.WebhookEndpoint {
    return { ...found(this.endpoints.get(id), 'webhook_endpoint', id) };
  }

  /** Newest first, `limit` (1-100, default 10) and `starting_after`, in Stripe's list envelope. */
  list(query: URLSearchParams): Stripe.ApiList<Stripe.WebhookEndpoint> {
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 10) || 10));
    let items = [...this.endpoints.values()].reverse();
    const after = query.get('starting_after');
    if (after !== null) {
      const i = items.findIndex((e) => e.id === after);
      if (i < 0) throw missing(after, 'starting_after');
      items = items.slice(i + 1);
    }
    const data = items.slice(0, limit).map((e) => ({ ...e }));
    return { object: 'list', data, has_more: items.length > limit, url: '/v1/webhook_endpoints' };
  }

  update(id: string, b: Params): Stripe.WebhookEndpoint {
    const endpoint = found(this.endpoints.get(id), 'webhook_endpoint', id);
    onlyKnown(b, UPDATE_PARAMS);
    // Checked in full before anything changes, so a bad parameter leaves the endpoint as it was.
    const changes: Partial<Stripe.WebhookEndpoint> = {};
    if (b.url !== undefined) changes.url = urlParam(b.url, 'url');
    if (b.enabled_events !== undefined) changes.enabled_events = eventsParam(b.enabled_events);
    if (b.description !== undefined) changes.description = descriptionParam(b.description);
    if (b.metadata !== undefined) changes.metadata = metadataParam(b.metadata, endpoint.metadata);
    if (b.disabled !== undefined) changes.status = booleanParam(b.disabled, 'disabled') ? 'disabled' : 'enabled';
    Object.assign(endpoint, changes);
    return { ...endpoint };
  }

  delete(id: string): Stripe.DeletedWebhookEndpoint {
    found(this.endpoints.get(id), 'webhook_endpoint', id);
    this.endpoints.delete(id);
    this.secrets.delete(id);
    return { id, object: 'webhook_endpoint', deleted: true };
  }

  matching(eventType: string): string[] {
    return [...this.endpoints.values()]
      .filter((e) => e.status === 'enabled' && (e.enabled_events.includes('*') || e.enabled_events.includes(eventType)))
      .map((e) => e.id);
  }

  target(id: string): { url: string; secret: string; apiVersion: string } | null {
    const endpoint = this.endpoints.get(id);
    const secret = this.secrets.get(id);
    if (!endpoint || !secret || endpoint.status !== 'enabled') return null;
    return { url: endpoint.url, secret, apiVersion: endpoint.api_version ?? this.accountApiVersion };
  }
}

export function webhookEndpointsRouter(endpoints: WebhookEndpoints): Router {
  const router = Router();
  // Mounted after api.ts's router, whose /v1 middleware has parsed the form body and checked the key.
  const body = (req: Request) => (req.body ?? {}) as Params;
  const query = (req: Request) => new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
  router.post('/v1/webhook_endpoints', (req, res) => void res.json(endpoints.create(body(req))));
  router.get('/v1/webhook_endpoints', (req, res) => void res.json(endpoints.list(query(req))));
  router.get('/v1/webhook_endpoints/:id', (req, res) => void res.json(endpoints.retrieve(req.params.id)));
  router.post('/v1/webhook_endpoints/:id', (req, res) => void res.json(endpoints.update(req.params.id, body(req))));
  router.delete('/v1/webhook_endpoints/:id', (req, res) => void res.json(endpoints.delete(req.params.id)));
  return router;
}

const missing = (id: string, param: string) =>
  new EmulatorError(404, `No such webhook_endpoint: '${id}'`, 'invalid_request_error', 'resource_missing', param);

// The emulator knows no list of every event type; a name of Stripe's form (or '*') is accepted.
const EVENT_TYPE = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)+)$/;

function eventsParam(v: unknown): string[] {
  // qs gives an array for enabled_events[0]=...; an object with index keys past its array limit.
  const values = Array.isArray(v) ? (v as unknown[]) : typeof v === 'object' && v !== null ? Object.values(v) : [];
  if (values.length === 0)
    throw invalid('Missing required param: enabled_events.', 'enabled_events', 'parameter_missing');
  values.forEach((e, i) => {
    if (typeof e !== 'string' || !EVENT_TYPE.test(e))
      throw invalid(`Invalid enabled_events[${i}]: ${String(e)} is not an event type.`, `enabled_events[${i}]`);
  });
  return [...new Set(values as string[])];
}

function apiVersionParam(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(v))
    throw invalid(`Invalid api_version: ${String(v)}. Use a version such as 2024-06-20.`, 'api_version');
  return v;
}

function descriptionParam(v: unknown): string | null {
  if (v === undefined || v === '') return null;
  if (typeof v !== 'string' || v.length > 5000)
    throw invalid('Invalid description: a string of at most 5000 characters.', 'description');
  return v;
}
