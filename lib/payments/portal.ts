// Monthly donors manage their gift in Stripe's Customer Portal: no accounts or passwords here.
// Two ways in: right after the gift, the thank-you page's form opens a portal session for that
// Checkout Session's customer (the session id is proof only for MANAGE_WINDOW_MS); any time
// later, the portal's own login page, where Stripe e-mails the donor a one-time link.
//
// The portal can move a pledge only between prices of its product, so monthly Checkout uses
// the product and prices npm run stripe:setup makes (found by their lookup keys, cached here).
import type Stripe from 'stripe';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { toMinor } from '../money.ts';
import { idOf, isOurs, METADATA_FUNDRAISER } from './record-gifts.ts';

/** How long after a monthly gift its Checkout Session id opens the portal (then: the login page). */
export const MANAGE_WINDOW_MS = 60 * 60_000;
/** How long what was found at Stripe (login URL, prices) is kept before it is looked up again. */
const CACHE_MS = 10 * 60_000;
/** After a failed lookup, how long until the next try (so an outage costs one call a minute). */
const RETRY_MS = 60_000;

/** The lookup key of the monthly price for `amountMinor`: how the site finds the prices setup made. */
export function monthlyLookupKey(fundraiser: Config['fundraiser'], amountMinor: number): string {
  return `${fundraiser.id}_monthly_${fundraiser.currency}_${amountMinor}`;
}

/** The monthly product and its prices by amount (minor units); empty until stripe:setup made them. */
export interface MonthlyPrices {
  product: string | null;
  prices: ReadonlyMap<number, string>;
}

export const NO_MONTHLY_PRICES: MonthlyPrices = { product: null, prices: new Map() };

export async function findMonthlyPrices(stripe: Stripe, config: Config): Promise<MonthlyPrices> {
  const { fundraiser } = config;
  const byKey = new Map(
    config.portal.monthlyAmounts.map((a) => [monthlyLookupKey(fundraiser, toMinor(a, fundraiser.currency)), a]),
  );
  const found = await stripe.prices.list({ lookup_keys: [...byKey.keys()], active: true, limit: 100 });
  const prices = new Map<number, string>();
  let product: string | null = null;
  for (const price of found.data) {
    const monthly = price.recurring?.interval === 'month' && price.recurring.interval_count === 1;
    if (price.unit_amount === null || price.currency !== fundraiser.currency || !monthly) continue;
    product ??= idOf(price.product);
    if (idOf(price.product) === product) prices.set(price.unit_amount, price.id);
  }
  return { product, prices };
}

/** The portal configuration npm run stripe:setup made for this fundraiser (found by its metadata). */
export async function findPortalConfiguration(
  stripe: Stripe,
  config: Config,
): Promise<Stripe.BillingPortal.Configuration | null> {
  for await (const c of stripe.billingPortal.configurations.list({ active: true, limit: 100 })) {
    if (c.metadata?.[METADATA_FUNDRAISER] === config.fundraiser.id) return c;
  }
  return null;
}

export interface Portal {
  /** Where "Manage your monthly gift" leads: the portal's login page, or null when there is none. */
  loginUrl(): Promise<string | null>;
  /** The configuration setup made, for portal sessions (null: the account's default one). */
  configurationId(): Promise<string | null>;
  /** The monthly prices for Checkout; empty when they cannot be found (Checkout then names the product inline). */
  monthlyPrices(): Promise<MonthlyPrices>;
  /** Looks everything up again on next use (after the portal was just set up). */
  forget(): void;
}

/**
 * A value looked up at Stripe, kept for CACHE_MS. "Nothing there yet" (before npm run
 * stripe:setup) is kept only RETRY_MS, so setup shows within a minute; a failed lookup keeps
 * serving the last good value (the fallback only when there never was one) and tries again
 * after RETRY_MS.
 */
function cached<T>(
  clock: () => Date,
  load: () => Promise<T>,
  fallback: T,
  found: (v: T) => boolean,
  onError: (err: unknown) => void,
) {
  let value: { v: T; until: number } | null = null;
  let pending: Promise<T> | null = null;
  const get = (): Promise<T> => {
    const now = clock().getTime();
    if (value && now < value.until) return Promise.resolve(value.v);
    pending ??= load().then(
      (v) => {
        value = { v, until: now + (found(v) ? CACHE_MS : RETRY_MS) };
        pending = null;
        return v;
      },
      (err: unknown) => {
        onError(err);
        value = { v: value?.v ?? fallback, until: now + RETRY_MS };
        pending = null;
        return value.v;
      },
    );
    return pending;
  };
  return Object.assign(get, {
    forget: () => {
      value = null;
    },
  });
}

export function createPortal(deps: { stripe: Stripe; config: Config; logger: Logger; clock: () => Date }): Portal {
  const { stripe, config, logger, clock } = deps;
  const configured = config.portal.loginUrl;
  const configuration = cached(
    clock,
    async () => {
      const found = await findPortalConfiguration(stripe, config);
      return found ? { id: found.id, loginUrl: found.login_page.enabled ? found.login_page.url : null } : null;
    },
    null,
    (v) => v !== null,
    (err) => logger.warn({ err }, 'could not look up the Customer Portal configuration'),
  );
  const monthlyPrices = cached(
    clock,
    () => findMonthlyPrices(stripe, config),
    NO_MONTHLY_PRICES,
    (v) => v.prices.size > 0,
    (err) => logger.warn({ err }, 'could not look up the monthly prices'),
  );
  return {
    loginUrl: async () => configured ?? (await configuration())?.loginUrl ?? null,
    configurationId: async () => (await configuration())?.id ?? null,
    monthlyPrices,
    forget: () => {
      configuration.forget();
      monthlyPrices.forget();
    },
  };
}

export type ManageOutcome =
  | { kind: 'portal'; url: string }
  /** Not a session of this site (unknown, another site's, malformed). */
  | { kind: 'not-found' }
  /** A one-off gift, or a checkout not completed: there is nothing to manage. */
  | { kind: 'not-monthly' }
  /** Past MANAGE_WINDOW_MS: the session id no longer opens the portal. */
  | { kind: 'too-late' }
  | { kind: 'unavailable'; error: unknown };

/**
 * A portal session for the customer of a monthly gift's Checkout Session, made only when the
 * session is this site's, complete, monthly, and its subscription started under MANAGE_WINDOW_MS
 * ago: nothing else proves who the visitor is.
 */
export async function portalForCheckout(
  deps: { stripe: Stripe; config: Config; clock: () => Date; portal: Pick<Portal, 'configurationId'> },
  sessionId: string,
): Promise<ManageOutcome> {
  const { stripe, config } = deps;
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ['subscription'] });
  } catch (err) {
    if ((err as { code?: string }).code === 'resource_missing') return { kind: 'not-found' };
    return { kind: 'unavailable', error: err };
  }
  if (!isOurs(session.metadata, config.fundraiser.id)) return { kind: 'not-found' };
  const sub = typeof session.subscription === 'object' ? session.subscription : null;
  const customer = idOf(session.customer);
  if (session.mode !== 'subscription' || session.status !== 'complete' || !sub || !customer)
    return { kind: 'not-monthly' };
  if (deps.clock().getTime() - sub.created * 1000 > MANAGE_WINDOW_MS) return { kind: 'too-late' };
  try {
    // Stripe's test mode has no default configuration until one is saved in the Dashboard.
    const configuration = await deps.portal.configurationId();
    const portal = await stripe.billingPortal.sessions.create({
      customer,
      return_url: `${config.baseUrl}/`,
      ...(configuration ? { configuration } : {}),
    });
    return { kind: 'portal', url: portal.url };
  } catch (err) {
    return { kind: 'unavailable', error: err };
  }
}
