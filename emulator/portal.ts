// The emulator's Customer Portal API: configurations (portal-configurations.ts) and sessions
// (POST /v1/billing_portal/sessions), as Stripe's reference describes them, with the hosted
// login page each configuration may have and the short life of a session's URL. The pages a
// donor sees are portal-pages.ts; what they change is portal-actions.ts.
//
// How long a session lives: Stripe says only that sessions are short-lived and expire when the
// customer does not visit the URL. The emulator's choice: unvisited, a session expires
// UNVISITED_MS after it was made; once visited, IDLE_MS after the customer's last page or action.
import { randomBytes } from 'node:crypto';
import type { Request, Router } from 'express';
import type Stripe from 'stripe';
import { listOf, queryOf, type Idempotent } from './api.ts';
import { nowSeconds, stripeId } from './objects.ts';
import * as p from './params.ts';
import { changedFrom } from './renewals.ts';
import { changes, newConfiguration } from './portal-configurations.ts';
import { EmulatorError, found, type EmulatorState } from './state.ts';

type Configuration = Stripe.BillingPortal.Configuration;
type Session = Stripe.BillingPortal.Session;
type Flow = Stripe.BillingPortal.Session.Flow;
type AfterCompletion = Stripe.BillingPortal.Session.Flow.AfterCompletion;
type AfterExpiration = Stripe.BillingPortal.Session.AfterExpiration;

export const UNVISITED_MS = 5 * 60_000;
export const IDLE_MS = 60 * 60_000;

const SESSION_PARAMS = [
  ...['customer', 'customer_account', 'configuration', 'return_url', 'flow_data', 'locale'],
  ...['on_behalf_of', 'after_expiration', 'expand'],
];
const FLOWS = ['payment_method_update', 'subscription_cancel', 'subscription_update'] as const;
const NOT_EMULATED_FLOWS = ['customer_update', 'subscription_pause', 'subscription_update_confirm'];

/** A session and what the emulator knows of its use. */
export interface PortalSession {
  session: Session;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  visited: boolean;
  /** Its flow (flow_data) is done: the portal shows its homepage from then on. */
  flowDone: boolean;
}

const token = () => `test_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;

export class BillingPortal {
  readonly configurations = new Map<string, Configuration>();
  readonly sessions = new Map<string, PortalSession>();
  /** Login page token -> its configuration. */
  private readonly logins = new Map<string, string>();

  constructor(
    readonly state: EmulatorState,
    private readonly publicUrl: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  private readonly loginUrl = (configurationId: string) => {
    const t = token();
    this.logins.set(t, configurationId);
    return `${this.publicUrl()}/p/login/${t}`;
  };

  createConfiguration(b: p.Params): Configuration {
    const c = newConfiguration(b, this.state, this.loginUrl);
    this.configurations.set(c.id, c);
    this.state.emit('billing_portal.configuration.created', c);
    return c;
  }

  configuration(id: string): Configuration {
    return found(this.configurations.get(id), 'configuration', id);
  }

  updateConfiguration(id: string, b: p.Params): Configuration {
    const c = this.configuration(id);
    const next = { ...c, ...changes(c, b, this.state, this.loginUrl) };
    const previous = changedFrom(c, next);
    if (Object.keys(previous).length === 0) return c;
    Object.assign(c, next, { updated: nowSeconds() });
    this.state.emit('billing_portal.configuration.updated', c, previous);
    return c;
  }

  listConfigurations(req: Request): Stripe.ApiList<Configuration> {
    const q = queryOf(req);
    const active = q.active === undefined ? null : p.booleanParam(q.active, 'active');
    const isDefault = q.is_default === undefined ? null : p.booleanParam(q.is_default, 'is_default');
    const matches = (c: Configuration) =>
      (active === null || c.active === active) && (isDefault === null || c.is_default === isDefault);
    const list = new Map([...this.configurations].filter(([, c]) => matches(c)));
    return listOf(this.state, list, req, '/v1/billing_portal/configurations');
  }

  /** The configuration a login page token opens, while its page is enabled and it is active. */
  loginConfiguration(loginToken: string): Configuration | null {
    const c = this.configurations.get(this.logins.get(loginToken) ?? '');
    const live = c?.active && c.login_page.enabled && c.login_page.url?.endsWith(`/p/login/${loginToken}`);
    return live ? c : null;
  }

  createSession(b: p.Params): Session {
    p.onlyKnown(b, SESSION_PARAMS);
    if (b.customer_account !== undefined || b.on_behalf_of !== undefined)
      throw p.invalid('The emulator makes portal sessions for customers only.', 'customer_account');
    const customerId = p.stringParam(b.customer, 'customer');
    if (!customerId) throw p.missingParam('customer');
    if (!this.state.customers.has(customerId)) throw p.noSuch('customer', customerId, 'customer');
    const config = this.configurationFor(b.configuration);
    const returnUrl = b.return_url === undefined ? config.default_return_url : p.urlParam(b.return_url, 'return_url');
    const flow = b.flow_data === undefined ? null : this.flowParam(b.flow_data, customerId, config);
    const locale = b.locale === undefined ? null : (p.stringParam(b.locale, 'locale', 10) ?? null);
    return this.openSession(customerId, config, { returnUrl, flow, locale, afterExpiration: afterExpiration(b) });
  }

  /** A portal session the emulator itself opens (the login page, a recovered session). */
  openSession(
    customer: string,
    config: Configuration,
    o: {
      returnUrl: string | null;
      flow?: Flow | null;
      locale?: string | null;
      afterExpiration?: AfterExpiration | null;
    },
  ): Session {
    const id = stripeId('bps');
    const session: Session = {
      id,
      object: 'billing_portal.session',
      after_expiration: o.afterExpiration ?? null,
      configuration: config.id,
      created: nowSeconds(),
      customer,
      customer_account: null,
      flow: o.flow ?? null,
      livemode: false,
      locale: o.locale ?? null,
      on_behalf_of: null,
      return_url: o.returnUrl,
      url: `${this.publicUrl()}/p/session/${id}`,
    };
    this.sessions.set(id, { session, expiresAt: this.now() + UNVISITED_MS, visited: false, flowDone: false });
    this.state.emit('billing_portal.session.created', session);
    return session;
  }

  /** The session at its URL while it has not expired; each use keeps it alive for IDLE_MS more. */
  use(id: string): PortalSession | 'expired' | null {
    const s = this.sessions.get(id);
    if (!s) return null;
    if (this.now() >= s.expiresAt) return 'expired';
    s.visited = true;
    s.expiresAt = this.now() + IDLE_MS;
    return s;
  }

  /** Test control: the session expires now. */
  expire(id: string): Session {
    const s = found(this.sessions.get(id), 'billing_portal.session', id);
    s.expiresAt = this.now();
    return s.session;
  }

  /**
   * The login page's e-mail: a new session for the most recently created customer with that
   * e-mail and a live subscription (else the newest with that e-mail), or null when there is none.
   */
  loginSession(config: Configuration, email: string): Session | null {
    const wanted = email.trim().toLowerCase();
    const customers = [...this.state.customers.values()].reverse().filter((c) => c.email?.toLowerCase() === wanted);
    const live = (c: Stripe.Customer) =>
      [...this.state.subscriptions.values()].some(
        (s) => s.customer === c.id && s.status !== 'canceled' && s.status !== 'incomplete_expired',
      );
    const customer = customers.find(live) ?? customers[0];
    return customer ? this.openSession(customer.id, config, { returnUrl: config.default_return_url }) : null;
  }

  /** after_expiration[type]=customer_login: the customer proves the e-mail and gets a replacement session. */
  recoverSession(expired: PortalSession, email: string): Session | null {
    const old = expired.session;
    const login = old.after_expiration?.customer_login;
    if (old.after_expiration?.type !== 'customer_login') return null;
    if (login?.expires_at != null && nowSeconds() >= login.expires_at) return null;
    const customer = this.state.customers.get(old.customer);
    if (!customer?.email || customer.email.toLowerCase() !== email.trim().toLowerCase()) return null;
    const config = this.configurations.get(String(old.configuration));
    if (!config?.active) return null;
    return this.openSession(old.customer, config, {
      returnUrl: old.return_url,
      locale: old.locale,
      afterExpiration: old.after_expiration,
    });
  }

  private configurationFor(v: unknown): Configuration {
    if (v === undefined) {
      const fallback = [...this.configurations.values()].find((c) => c.is_default && c.active);
      if (!fallback)
        throw new EmulatorError(
          400,
          'You can’t create a portal session in test mode until you save your customer portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal. (Emulator: pass `configuration`, the id of one made through the API.)',
        );
      return fallback;
    }
    const id = String(v);
    const c = this.configurations.get(id);
    if (!c) throw p.noSuch('configuration', id, 'configuration');
    if (!c.active) throw p.invalid(`The configuration ${id} is not active.`, 'configuration');
    return c;
  }

  private flowParam(v: unknown, customer: string, config: Configuration): Flow {
    const b = p.objectParam(v, 'flow_data');
    p.onlyKnown(b, ['type', 'after_completion', ...FLOWS, ...NOT_EMULATED_FLOWS], 'flow_data');
    if (b.type === undefined) throw p.missingParam('flow_data[type]');
    if (NOT_EMULATED_FLOWS.includes(String(b.type)))
      throw p.invalid(`The emulator does not offer the ${String(b.type)} flow.`, 'flow_data[type]');
    const type = p.enumParam(b.type, 'flow_data[type]', FLOWS);
    if (!config.features[type].enabled)
      throw p.invalid(`The ${type} feature is disabled in the configuration ${config.id}.`, 'flow_data[type]');
    const flow: Flow = {
      after_completion: afterCompletion(b.after_completion),
      customer_update: null,
      subscription_cancel: null,
      subscription_pause: null,
      subscription_update: null,
      subscription_update_confirm: null,
      type,
    };
    if (type === 'subscription_cancel') {
      const c = p.objectParam(b.subscription_cancel, 'flow_data[subscription_cancel]');
      if (c.retention !== undefined)
        throw p.invalid('The emulator offers no retention coupons.', 'flow_data[subscription_cancel][retention]');
      flow.subscription_cancel = { retention: null, subscription: this.flowSubscription(c, customer, type) };
    } else if (type === 'subscription_update') {
      const u = p.objectParam(b.subscription_update, 'flow_data[subscription_update]');
      flow.subscription_update = { subscription: this.flowSubscription(u, customer, type) };
    }
    return flow;
  }

  private flowSubscription(b: p.Params, customer: string, type: string): string {
    const param = `flow_data[${type}][subscription]`;
    const id = p.stringParam(b.subscription, param);
    if (!id) throw p.missingParam(param);
    const sub = this.state.subscriptions.get(id);
    if (!sub || sub.customer !== customer) throw p.noSuch('subscription', id, param);
    if (sub.status === 'canceled') throw p.invalid(`The subscription ${id} has been canceled.`, param);
    return id;
  }
}

function afterCompletion(v: unknown): AfterCompletion {
  const b = p.objectParam(v, 'flow_data[after_completion]');
  const type =
    b.type === undefined
      ? 'portal_homepage'
      : p.enumParam(b.type, 'flow_data[after_completion][type]', [
          'portal_homepage',
          'hosted_confirmation',
          'redirect',
        ]);
  const out: AfterCompletion = { hosted_confirmation: null, redirect: null, type };
  if (type === 'redirect') {
    const r = p.objectParam(b.redirect, 'flow_data[after_completion][redirect]');
    out.redirect = { return_url: p.urlParam(r.return_url, 'flow_data[after_completion][redirect][return_url]') };
  }
  if (type === 'hosted_confirmation') {
    const h = p.objectParam(b.hosted_confirmation, 'flow_data[after_completion][hosted_confirmation]');
    const message = p.stringParam(
      h.custom_message,
      'flow_data[after_completion][hosted_confirmation][custom_message]',
      500,
    );
    out.hosted_confirmation = { custom_message: message ?? null };
  }
  return out;
}

function afterExpiration(b: p.Params): AfterExpiration | null {
  if (b.after_expiration === undefined) return null;
  const a = p.objectParam(b.after_expiration, 'after_expiration');
  p.enumParam(a.type, 'after_expiration[type]', ['customer_login']);
  const login = p.objectParam(a.customer_login, 'after_expiration[customer_login]');
  const expiresAt =
    login.expires_at === undefined
      ? null
      : p.integerParam(login.expires_at, 'after_expiration[customer_login][expires_at]');
  return { customer_login: { expires_at: expiresAt }, type: 'customer_login' };
}

export function portalRoutes(router: Router, portal: BillingPortal, idempotent: Idempotent): void {
  const body = (req: Request) => (req.body ?? {}) as p.Params;
  const id = (req: Request) => String(req.params.id);
  router.post(
    '/v1/billing_portal/configurations',
    idempotent((req) => portal.createConfiguration(body(req))),
  );
  router.get('/v1/billing_portal/configurations', (req, res) => void res.json(portal.listConfigurations(req)));
  router.get('/v1/billing_portal/configurations/:id', (req, res) => void res.json(portal.configuration(id(req))));
  router.post(
    '/v1/billing_portal/configurations/:id',
    idempotent((req) => portal.updateConfiguration(id(req), body(req))),
  );
  router.post(
    '/v1/billing_portal/sessions',
    idempotent((req) => portal.createSession(body(req))),
  );
}
