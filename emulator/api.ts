// The part of Stripe's HTTP API the site calls, form-encoded as the SDK sends it, with
// Stripe-shaped errors and idempotency keys.
import { createHash } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import qs from 'qs';
import type Stripe from 'stripe';
import * as make from './objects.ts';
import { EmulatorError, type EmulatorState } from './state.ts';

type Params = Record<string, unknown>;

export function apiRouter(state: EmulatorState, publicUrl: () => string): Router {
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
  const idempotent =
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
                `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
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
  ];
  for (const [name, map] of retrievable) {
    router.get(`/v1/${name}/:id`, (req, res) => {
      const obj = map.get(req.params.id);
      if (!obj)
        throw new EmulatorError(
          404,
          `No such ${name.replace(/s$/, '')}: '${req.params.id}'`,
          'invalid_request_error',
          'resource_missing',
          'id',
        );
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
    const p = state.invoicePayments.get(req.params.id);
    if (!p)
      throw new EmulatorError(
        404,
        `No such invoice_payment: '${req.params.id}'`,
        'invalid_request_error',
        'resource_missing',
        'id',
      );
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
  router.delete('/v1/subscriptions/:id', (req, res) => res.json(state.cancelSubscription(req.params.id)));

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

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function metadataOf(v: unknown, param: string): Stripe.Metadata {
  if (v === undefined || v === '') return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new EmulatorError(400, `Invalid object`, 'invalid_request_error', 'parameter_invalid', param);
  const out: Stripe.Metadata = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string')
      throw new EmulatorError(
        400,
        `Invalid metadata value for ${k}`,
        'invalid_request_error',
        'parameter_invalid',
        `${param}[${k}]`,
      );
    if (k.length > 40 || val.length > 500)
      throw new EmulatorError(
        400,
        `Metadata keys are at most 40 characters and values at most 500.`,
        'invalid_request_error',
        'parameter_invalid',
        param,
      );
    out[k] = val;
  }
  return out;
}

function integerParam(v: unknown, param: string): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n))
    throw new EmulatorError(
      400,
      `Invalid integer: ${String(v)}`,
      'invalid_request_error',
      'parameter_invalid_integer',
      param,
    );
  return n;
}

// Stripe's minimum charge, in minor units, for the common currencies (others: 50).
const MINIMUM_CHARGE: Record<string, number> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  cad: 50,
  aud: 50,
  chf: 50,
  jpy: 50,
  sek: 300,
  nok: 300,
  dkk: 250,
};

function createSession(state: EmulatorState, b: Params, publicUrl: string): Stripe.Checkout.Session {
  const mode = str(b.mode);
  if (mode !== 'payment' && mode !== 'subscription') {
    throw new EmulatorError(
      400,
      mode ? `Invalid mode: must be one of payment, setup, or subscription` : 'Missing required param: mode.',
      'invalid_request_error',
      'parameter_missing',
      'mode',
    );
  }
  const successUrl = str(b.success_url);
  if (!successUrl)
    throw new EmulatorError(
      400,
      'Missing required param: success_url.',
      'invalid_request_error',
      'parameter_missing',
      'success_url',
    );
  for (const [param, url] of [
    ['success_url', successUrl],
    ['cancel_url', str(b.cancel_url)],
  ] as const) {
    if (url && !/^https?:\/\//.test(url))
      throw new EmulatorError(400, `Not a valid URL`, 'invalid_request_error', 'url_invalid', param);
  }
  const items = b.line_items;
  if (!Array.isArray(items) || items.length === 0) {
    throw new EmulatorError(
      400,
      'Missing required param: line_items.',
      'invalid_request_error',
      'parameter_missing',
      'line_items',
    );
  }
  let total = 0;
  let currency: string | undefined;
  let productName = 'Donation';
  let interval: 'day' | 'week' | 'month' | 'year' | null = null;
  items.forEach((raw: unknown, i: number) => {
    const item = (raw ?? {}) as Params;
    const pd = item.price_data as Params | undefined;
    if (!pd)
      throw new EmulatorError(
        400,
        'The emulator supports line_items with price_data only.',
        'invalid_request_error',
        'parameter_missing',
        `line_items[${i}][price_data]`,
      );
    const cur = str(pd.currency);
    if (!cur || !/^[a-z]{3}$/.test(cur))
      throw new EmulatorError(
        400,
        'Invalid currency.',
        'invalid_request_error',
        'parameter_invalid',
        `line_items[${i}][price_data][currency]`,
      );
    if (currency && currency !== cur)
      throw new EmulatorError(
        400,
        'All line items must use the same currency.',
        'invalid_request_error',
        'parameter_invalid',
        `line_items[${i}][price_data][currency]`,
      );
    currency = cur;
    const unit = integerParam(pd.unit_amount, `line_items[${i}][price_data][unit_amount]`);
    if (unit < 0)
      throw new EmulatorError(
        400,
        'This value must be greater than or equal to 0.',
        'invalid_request_error',
        'parameter_invalid_integer',
        `line_items[${i}][price_data][unit_amount]`,
      );
    const qty = item.quantity === undefined ? 1 : integerParam(item.quantity, `line_items[${i}][quantity]`);
    if (qty < 1)
      throw new EmulatorError(
        400,
        'Quantity must be at least 1.',
        'invalid_request_error',
        'parameter_invalid_integer',
        `line_items[${i}][quantity]`,
      );
    const product = (pd.product_data ?? {}) as Params;
    if (!str(product.name))
      throw new EmulatorError(
        400,
        'Missing required param: line_items[0][price_data][product_data][name].',
        'invalid_request_error',
        'parameter_missing',
        `line_items[${i}][price_data][product_data][name]`,
      );
    productName = str(product.name)!;
    const recurring = pd.recurring as Params | undefined;
    if (recurring) {
      const iv = str(recurring.interval);
      if (iv !== 'day' && iv !== 'week' && iv !== 'month' && iv !== 'year')
        throw new EmulatorError(
          400,
          'Invalid recurring interval.',
          'invalid_request_error',
          'parameter_invalid',
          `line_items[${i}][price_data][recurring][interval]`,
        );
      interval = iv;
    }
    total += unit * qty;
  });
  if (mode === 'subscription' && !interval) {
    throw new EmulatorError(
      400,
      'You must provide at least one recurring price in `subscription` mode when using prices.',
      'invalid_request_error',
      'parameter_invalid',
      'line_items',
    );
  }
  if (mode === 'payment' && interval) {
    throw new EmulatorError(
      400,
      'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
      'invalid_request_error',
      'parameter_invalid',
      'line_items',
    );
  }
  const min = MINIMUM_CHARGE[currency!] ?? 50;
  if (total < min)
    throw new EmulatorError(
      400,
      `The Checkout Session's total amount due must add up to at least ${min} ${currency}.`,
      'invalid_request_error',
      'amount_too_small',
      'line_items',
    );
  if (total > 99_999_999)
    throw new EmulatorError(
      400,
      'Amount must be no more than 99999999.',
      'invalid_request_error',
      'amount_too_large',
      'line_items',
    );

  const submitType = str(b.submit_type);
  if (submitType && !['auto', 'book', 'donate', 'pay', 'subscribe'].includes(submitType)) {
    throw new EmulatorError(400, 'Invalid submit_type.', 'invalid_request_error', 'parameter_invalid', 'submit_type');
  }
  if (submitType && mode !== 'payment' && submitType !== 'subscribe') {
    throw new EmulatorError(
      400,
      '`submit_type` can only be used in `payment` mode.',
      'invalid_request_error',
      'parameter_invalid',
      'submit_type',
    );
  }
  const piData = (b.payment_intent_data ?? {}) as Params;
  const subData = (b.subscription_data ?? {}) as Params;
  if (mode !== 'payment' && b.payment_intent_data !== undefined) {
    throw new EmulatorError(
      400,
      'You can only pass in `payment_intent_data` in `payment` mode.',
      'invalid_request_error',
      'parameter_invalid',
      'payment_intent_data',
    );
  }
  if (mode !== 'subscription' && b.subscription_data !== undefined) {
    throw new EmulatorError(
      400,
      'You can only pass in `subscription_data` in `subscription` mode.',
      'invalid_request_error',
      'parameter_invalid',
      'subscription_data',
    );
  }

  let expiresAt: number | undefined;
  if (b.expires_at !== undefined) {
    expiresAt = integerParam(b.expires_at, 'expires_at');
    const now = make.nowSeconds();
    if (expiresAt < now + 30 * 60 - 5 || expiresAt > now + 24 * 3600) {
      throw new EmulatorError(
        400,
        'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
        'invalid_request_error',
        'parameter_invalid',
        'expires_at',
      );
    }
  }
  const session = make.checkoutSession({
    ...(expiresAt ? { expires_at: expiresAt } : {}),
    mode,
    amount_subtotal: total,
    amount_total: total,
    currency: currency!,
    metadata: metadataOf(b.metadata, 'metadata'),
    success_url: successUrl,
    cancel_url: str(b.cancel_url) ?? null,
    submit_type: submitType ?? null,
    customer_email: str(b.customer_email) ?? null,
    client_reference_id: str(b.client_reference_id) ?? null,
    payment_method_types: mode === 'payment' ? ['card', 'us_bank_account'] : ['card'],
  });
  session.url = `${publicUrl}/c/pay/${session.id}`;
  state.sessions.set(session.id, session);
  state.extras.set(session.id, {
    productName,
    interval,
    paymentIntentMetadata: metadataOf(piData.metadata, 'payment_intent_data[metadata]'),
    subscriptionMetadata: metadataOf(subData.metadata, 'subscription_data[metadata]'),
  });
  return session;
}

/** The query string parsed the way Stripe reads it (expand[0]=..., created[gte]=...). */
function queryOf(req: Request): Record<string, unknown> {
  return qs.parse(req.originalUrl.split('?')[1] ?? '');
}

function expandList(req: Request): string[] {
  const e = queryOf(req).expand;
  const list = Array.isArray(e) ? e : e === undefined ? [] : [e];
  return list.filter((x): x is string => typeof x === 'string');
}

/** Replaces id strings by the objects they name, for the `expand[]` paths asked for. */
function expand<T extends object>(state: EmulatorState, obj: T, paths: string[]): T {
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

/** Stripe's list envelope: newest first, `limit`, `starting_after`, `created[gte|lte|gt|lt]`. */
function listOf<T extends { id: string; created?: number }>(
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
  if (typeof q.status === 'string') items = items.filter((o) => (o as { status?: string }).status === q.status);
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
