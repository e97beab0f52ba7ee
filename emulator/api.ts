// The part of Stripe's HTTP API the site calls, form-encoded as the SDK sends it, with
// Stripe-shaped errors and idempotency keys.
import { createHash } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import qs from 'qs';
import type Stripe from 'stripe';
import { createSession, str, type Params } from './checkout-sessions.ts';
import { EmulatorError, found, type EmulatorState } from './state.ts';
import { cancel, feedbackParam, updateSubscription } from './renewals.ts';

/** Runs a POST handler once per Idempotency-Key (see apiRouter). */
export type Idempotent = (
  handler: (req: Request) => unknown,
) => (req: Request, res: Response, next: NextFunction) => void;

/**
 * The API's routes. `mount` adds more (products and prices, the billing portal) behind the same
 * API-key check and idempotency keys, which Stripe keeps per account, not per endpoint.
 */
export function apiRouter(
  state: EmulatorState,
  publicUrl: () => string,
  mount?: (router: Router, idempotent: Idempotent) => void,
): Router {
  const router = Router();
  const idempotency = new Map<string, { hash: string; status: number; body: unknown }>();

  router.use('/v1', express.urlencoded({ extended: true, limit: '1mb' }), (req, _res, next) => {
    const auth = req.header('authorization') ?? '';
    if (!/^Bearer (sk|rk)_(test|live)_\w+$/.test(auth)) {
      return next(
        new EmulatorError(
          401,
          'You did not provide a valid API key. Use an Authorization: Bearer sk_test_... header.',
          'authentication_error',
        ),
      );
    }
    next();
  });

  /** Runs a POST once per Idempotency-Key: a repeat gets the first answer, a key reused with other parameters an error. */
  const idempotent: Idempotent =
    (handler: (req: Request) => unknown) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const key = req.header('idempotency-key');
      const hash = createHash('sha256')
        .update(JSON.stringify([req.path, req.body]))
        .digest('hex');
      if (key) {
        const seen = idempotency.get(key);
        if (seen) {
          if (seen.hash !== hash) {
            return next(
              new EmulatorError(
                400,
                'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
                  `Try using a key other than '${key}' if you meant to execute a different request.`,
                'idempotency_error',
              ),
            );
          }
          res.set('Idempotent-Replayed', 'true');
          return void res.status(seen.status).json(seen.body);
        }
      }
      try {
        const body = handler(req);
        if (key) idempotency.set(key, { hash, status: 200, body });
        res.json(body);
      } catch (err) {
        if (key && err instanceof EmulatorError && err.status < 500) {
          idempotency.set(key, { hash, status: err.status, body: errorBody(err) });
        }
        next(err);
      }
    };

  router.post(
    '/v1/checkout/sessions',
    idempotent((req) => createSession(state, req.body as Params, publicUrl())),
  );
  router.get('/v1/checkout/sessions/:id', (req, res) => {
    res.json(expand(state, state.session(req.params.id), expandList(req)));
  });
  router.post(
    '/v1/checkout/sessions/:id/expire',
    idempotent((req) => state.expire(String(req.params.id))),
  );
  router.get('/v1/checkout/sessions', (req, res) =>
    res.json(listOf(state, state.sessions, req, '/v1/checkout/sessions')),
  );

  const retrievable: Array<[string, Map<string, { id: string }>]> = [
    ['payment_intents', state.paymentIntents],
    ['charges', state.charges],
    ['customers', state.customers],
    ['subscriptions', state.subscriptions],
    ['invoices', state.invoices],
    ['refunds', state.refunds],
    ['disputes', state.disputes],
    ['events', state.events],
    ['payment_methods', state.paymentMethods],
    ['balance_transactions', state.balanceTransactions],
  ];
  for (const [name, map] of retrievable) {
    router.get(`/v1/${name}/:id`, (req, res) => {
      const obj = found(map.get(req.params.id), name.replace(/s$/, ''), req.params.id);
      res.json(expand(state, obj, expandList(req)));
    });
    router.get(`/v1/${name}`, (req, res) => res.json(listOf(state, map, req, `/v1/${name}`)));
  }

  router.get('/v1/invoice_payments', (req, res) => {
    const q = queryOf(req);
    const payment = (q.payment ?? {}) as Record<string, unknown>;
    const filtered = new Map(
      [...state.invoicePayments].filter(
        ([, p]) =>
          (q.invoice === undefined || p.invoice === q.invoice) &&
          (payment.payment_intent === undefined || p.payment.payment_intent === payment.payment_intent),
      ),
    );
    res.json(listOf(state, filtered, req, '/v1/invoice_payments'));
  });
  router.get('/v1/invoice_payments/:id', (req, res) => {
    const p = found(state.invoicePayments.get(req.params.id), 'invoice_payment', req.params.id);
    res.json(p);
  });

  router.post(
    '/v1/refunds',
    idempotent((req) => {
      const b = req.body as Params;
      const amount = b.amount === undefined ? undefined : Number(b.amount);
      return state.refund({ charge: str(b.charge), paymentIntent: str(b.payment_intent) }, amount);
    }),
  );
  // The SDK sends a DELETE's parameters in the query string.
  router.delete('/v1/subscriptions/:id', (req, res) => {
    const details = queryOf(req).cancellation_details ?? (req.body as Params | undefined)?.cancellation_details;
    res.json(cancel(state, req.params.id, details === undefined ? {} : feedbackParam(details)));
  });
  router.post(
    '/v1/subscriptions/:id',
    idempotent((req) => updateSubscription(state, String(req.params.id), req.body as Params)),
  );
  mount?.(router, idempotent);

  return router;
}

export function errorBody(err: EmulatorError) {
  return {
    error: {
      type: err.type,
      message: err.message,
      ...(err.code ? { code: err.code } : {}),
      ...(err.param ? { param: err.param } : {}),
    },
  };
}

/** The query string parsed the way Stripe reads it (expand[0]=..., created[gte]=...). */
export function queryOf(req: Request): Record<string, unknown> {
  return qs.parse(req.originalUrl.split('?')[1] ?? '');
}

export function expandList(req: Request): string[] {
  const e = queryOf(req).expand;
  const list = Array.isArray(e) ? e : e === undefined ? [] : [e];
  return list.filter((x): x is string => typeof x === 'string');
}

/** Replaces id strings by the objects they name, for the `expand[]` paths asked for. */
export function expand<T extends object>(state: EmulatorState, obj: T, paths: string[]): T {
  if (paths.length === 0) return obj;
  const out = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
  const maps: Record<string, Map<string, object>> = {
    payment_intent: state.paymentIntents,
    latest_charge: state.charges,
    charge: state.charges,
    customer: state.customers,
    subscription: state.subscriptions,
    invoice: state.invoices,
    latest_invoice: state.invoices,
    product: state.products,
    default_price: state.prices,
    default_payment_method: state.paymentMethods,
    payment_method: state.paymentMethods,
    balance_transaction: state.balanceTransactions,
  };
  for (const path of paths) {
    let target: Record<string, unknown> | undefined = out;
    const parts = path.split('.');
    parts.forEach((part, i) => {
      if (!target) return;
      const value = target[part];
      if (typeof value === 'string' && maps[part]?.has(value)) {
        target[part] = JSON.parse(JSON.stringify(maps[part].get(value)));
      }
      target =
        i < parts.length - 1 && typeof target[part] === 'object'
          ? (target[part] as Record<string, unknown>)
          : undefined;
    });
  }
  return out as T;
}

/** Stripe's `status` filter; subscriptions leave out canceled ones unless asked ("all", "ended"). */
function statusFilter(url: string, status: unknown): (o: object) => boolean {
  const of = (o: object) => (o as { status?: string }).status;
  if (url === '/v1/subscriptions') {
    if (status === 'all') return () => true;
    if (status === 'ended') return (o) => of(o) === 'canceled' || of(o) === 'incomplete_expired';
    if (status === undefined) return (o) => of(o) !== 'canceled' && of(o) !== 'incomplete_expired';
  }
  return typeof status === 'string' ? (o) => of(o) === status : () => true;
}

/** Stripe's list envelope: newest first, `limit`, `starting_after`, `created[gte|lte|gt|lt]`, `customer`. */
export function listOf<T extends { id: string; created?: number }>(
  state: EmulatorState,
  map: Map<string, T>,
  req: Request,
  url: string,
): Stripe.ApiList<T> {
  const q = queryOf(req);
  const limit = Math.min(100, Math.max(1, Number(q.limit ?? 10) || 10));
  let items = [...map.values()].reverse();
  const created = q.created as Record<string, string> | string | undefined;
  if (created && typeof created === 'object') {
    const c = (o: T) => o.created ?? 0;
    if (created.gte) items = items.filter((o) => c(o) >= Number(created.gte));
    if (created.gt) items = items.filter((o) => c(o) > Number(created.gt));
    if (created.lte) items = items.filter((o) => c(o) <= Number(created.lte));
    if (created.lt) items = items.filter((o) => c(o) < Number(created.lt));
  }
  if (typeof q.type === 'string') items = items.filter((o) => (o as { type?: string }).type === q.type);
  if (Array.isArray(q.types))
    items = items.filter((o) => (q.types as unknown[]).includes((o as { type?: string }).type));
  items = items.filter(statusFilter(url, q.status));
  if (typeof q.customer === 'string')
    items = items.filter((o) => (o as { customer?: unknown }).customer === q.customer);
  if (typeof q.starting_after === 'string') {
    const i = items.findIndex((o) => o.id === q.starting_after);
    if (i < 0)
      throw new EmulatorError(
        400,
        `No such object: '${q.starting_after}'`,
        'invalid_request_error',
        'resource_missing',
        'starting_after',
      );
    items = items.slice(i + 1);
  }
  const expandData = expandList(req)
    .filter((p) => p.startsWith('data.'))
    .map((p) => p.slice('data.'.length));
  const page = items.slice(0, limit).map((o) => expand(state, o, expandData));
  return { object: 'list', data: page, has_more: items.length > limit, url };
}
