// What the Customer Portal needs at Stripe, made by npm run stripe:setup (and, for npm start,
// in the built-in emulator when the site starts): the monthly product with a price for each
// amount donors may switch to (PORTAL_MONTHLY_AMOUNTS, found by lookup keys), and the portal
// configuration (found by its metadata): cancel at the period's end with a reason, change the
// amount among those prices without proration (a month already paid keeps its amount), update
// the card, see invoices, and a login page where Stripe e-mails the donor a one-time link.
import type Stripe from 'stripe';
import type { Config } from '../config.ts';
import { formatMoney, toMinor } from '../money.ts';
import { findMonthlyPrices, findPortalConfiguration, monthlyLookupKey, type MonthlyPrices } from './portal.ts';
import { METADATA_FUNDRAISER } from './record-gifts.ts';
import type { StepContext } from './stripe-setup.ts';

const CANCEL_REASONS: Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionCancel.CancellationReason.Option[] =
  ['too_expensive', 'switched_service', 'unused', 'other'];

/** The monthly product and one price per amount in PORTAL_MONTHLY_AMOUNTS. */
export async function ensureMonthlyPrices(ctx: StepContext): Promise<MonthlyPrices> {
  const { stripe, config } = ctx;
  const { fundraiser } = config;
  const found = await findMonthlyPrices(stripe, config);
  const wanted = config.portal.monthlyAmounts.map((a) => toMinor(a, fundraiser.currency));
  const missing = wanted.filter((m) => !found.prices.has(m));
  const money = (m: number) => formatMoney(m, fundraiser.currency);
  if (missing.length === 0) {
    ctx.say(`ok: product ${found.product}, monthly prices ${wanted.map(money).join(', ')}`);
    return found;
  }
  ctx.problem(`monthly prices missing for ${missing.map(money).join(', ')} (donors cannot switch to them)`);
  if (ctx.check) return found;
  let product = found.product;
  if (!product) {
    const made = await stripe.products.create({
      name: `Monthly donation to ${fundraiser.orgName}`,
      metadata: { [METADATA_FUNDRAISER]: fundraiser.id },
    });
    product = made.id;
    ctx.changed(`made product ${product}`);
  }
  const prices = new Map(found.prices);
  for (const amount of missing) {
    const price = await stripe.prices.create({
      product,
      currency: fundraiser.currency,
      unit_amount: amount,
      recurring: { interval: 'month' },
      lookup_key: monthlyLookupKey(fundraiser, amount),
      // A price of another product may hold the key (a product made by hand): it moves here.
      transfer_lookup_key: true,
      metadata: { [METADATA_FUNDRAISER]: fundraiser.id },
    });
    prices.set(amount, price.id);
    ctx.changed(`made price ${price.id}: ${money(amount)} a month`);
  }
  return { product, prices };
}

/** The portal's heading; Stripe takes at most 60 characters, so a long name is left out. */
function headline(orgName: string): string {
  const full = `Manage your monthly gift to ${orgName}`;
  return full.length <= 60 ? full : 'Manage your monthly gift';
}

function desiredConfiguration(config: Config, monthly: MonthlyPrices): Stripe.BillingPortal.ConfigurationCreateParams {
  const update: Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionUpdate = monthly.product
    ? {
        enabled: true,
        default_allowed_updates: ['price'],
        products: [{ product: monthly.product, prices: [...monthly.prices.values()] }],
        // The new amount from the next month on: a month already paid is never charged again.
        proration_behavior: 'none',
      }
    : { enabled: false };
  return {
    business_profile: { headline: headline(config.fundraiser.orgName) },
    default_return_url: `${config.baseUrl}/`,
    features: {
      // Off: a donor who changed the e-mail here would hand the login page (and the gift) to
      // whoever held the thank-you link's hour; the e-mail stays the one given at Checkout.
      customer_update: { enabled: false },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
      subscription_cancel: {
        enabled: true,
        mode: 'at_period_end',
        cancellation_reason: { enabled: true, options: CANCEL_REASONS },
      },
      subscription_update: update,
    },
    login_page: { enabled: true },
    metadata: { [METADATA_FUNDRAISER]: config.fundraiser.id },
  };
}

/** What differs between a configuration at Stripe and the one wanted, in words. */
function differences(
  c: Stripe.BillingPortal.Configuration,
  want: Stripe.BillingPortal.ConfigurationCreateParams,
  monthly: MonthlyPrices,
): string[] {
  const f = c.features;
  const out: string[] = [];
  if (!c.login_page.enabled) out.push('its login page is off');
  if (!f.subscription_cancel.enabled) out.push('donors cannot cancel');
  if (f.subscription_cancel.mode !== 'at_period_end') out.push('cancelling ends the gift at once, not with the month');
  if (!f.payment_method_update.enabled) out.push('donors cannot update their card');
  if (!f.invoice_history.enabled) out.push('donors cannot see their receipts');
  if (f.customer_update.enabled) out.push('donors can change their e-mail address (the key to the login page)');
  const wantedPrices = [...monthly.prices.values()];
  const hasPrices = f.subscription_update.products?.flatMap((p) => p.prices) ?? [];
  if (wantedPrices.some((p) => !hasPrices.includes(p)) || hasPrices.length !== wantedPrices.length)
    out.push('the amounts donors may switch to differ from PORTAL_MONTHLY_AMOUNTS');
  if (f.subscription_update.enabled !== (monthly.product !== null))
    out.push(`changing the amount is ${f.subscription_update.enabled ? 'on without prices' : 'off'}`);
  if (c.default_return_url !== want.default_return_url) out.push(`it returns donors to ${c.default_return_url}`);
  return out;
}

/** The portal configuration this fundraiser's donors use, made or corrected in place. */
export async function ensurePortalConfiguration(ctx: StepContext, monthly: MonthlyPrices): Promise<void> {
  const { stripe, config } = ctx;
  const want = desiredConfiguration(config, monthly);
  const current = await findPortalConfiguration(stripe, config);
  if (!current) {
    ctx.problem('no Customer Portal configuration for this fundraiser: monthly donors cannot manage their gift');
    if (ctx.check) return;
    const made = await stripe.billingPortal.configurations.create(want);
    ctx.changed(`made portal configuration ${made.id}`);
    ctx.say(`donors log in at ${made.login_page.url ?? '(no login page)'}; the site finds it by itself`);
    return;
  }
  const diff = differences(current, want, monthly);
  for (const d of diff) ctx.problem(`${current.id}: ${d}`);
  if (diff.length === 0) {
    ctx.say(`ok: ${current.id}, donors log in at ${current.login_page.url ?? '(no login page)'}`);
    return;
  }
  if (ctx.check) return;
  const { metadata: _metadata, ...changes } = want;
  await stripe.billingPortal.configurations.update(current.id, changes);
  ctx.changed(`${current.id}: ${diff.join('; ')} (corrected)`);
}

/** Both, in order (the configuration lists the prices). */
export async function ensureCustomerPortal(ctx: StepContext): Promise<void> {
  await ensurePortalConfiguration(ctx, await ensureMonthlyPrices(ctx));
}

/** The same, outside npm run stripe:setup: npm start makes them in its built-in emulator. */
export async function prepareCustomerPortal(
  stripe: Stripe,
  config: Config,
  say: (line: string) => void,
): Promise<void> {
  const ctx: StepContext = {
    stripe,
    config,
    check: false,
    envFile: null,
    say,
    problem: () => undefined,
    changed: say,
    todo: say,
    setSecret: () => undefined,
  };
  await ensureCustomerPortal(ctx);
}
