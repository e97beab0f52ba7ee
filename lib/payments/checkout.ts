// Creates the Stripe Checkout Session for a reader's choice.
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { Config } from '../config.ts';
import type { DonationChoice } from '../appeal/donation-options.ts';
import { displayedWindow } from '../campaign-window.ts';
import { METADATA_FEE_COVER, METADATA_FUNDRAISER, METADATA_GIFT } from './record-gifts.ts';
import { NO_MONTHLY_PRICES, type MonthlyPrices } from './portal.ts';
import { translator, type Translate } from '../i18n/translator.ts';
import { isShipped, SOURCE_LANGUAGE } from '../i18n/languages.ts';
import { BANNER_QUERY, METADATA_VARIANT } from '../experiments/assign.ts';

// For people reading Stripe's dashboard: the campaign on show when the gift was started. The
// ledger does not read it: a payment counts toward the campaign of the moment it was paid.
const METADATA_CAMPAIGN = 'campaign';
/** The reader's language, as the gift records it. */
export const METADATA_LANG = 'lang';

const SLOT_MS = 10 * 60_000;

export interface CheckoutRequest {
  choice: DonationChoice;
  /** Random id of the rendered form: a double submit of the same choice yields one session. */
  formId: string;
  now: Date;
  /** The monthly product and prices npm run stripe:setup made (portal.ts); empty: named inline. */
  monthlyPrices?: MonthlyPrices;
  /** The reader's language ("de"): Checkout's own and the thank-you page's, and kept on the gift. */
  lang: string;
  /** The experiments' variants the form was shown with ("12.b"), checked: the gift is attributed to them. */
  variants?: { appeal?: string; banner?: string };
}

/**
 * The line item: a monthly gift on the product the Customer Portal knows (its price when the
 * amount has one, so the portal can later switch it to another), else the product named inline.
 */
function lineItem(
  config: Config,
  choice: DonationChoice,
  monthly: MonthlyPrices,
  t: Translate,
): Stripe.Checkout.SessionCreateParams.LineItem {
  const { fundraiser } = config;
  const { currency } = choice;
  if (choice.frequency === 'monthly') {
    // The prices setup made are in the campaign's currency; a gift in another names its amount inline.
    const price = currency === fundraiser.currency ? monthly.prices.get(choice.chargeMinor) : undefined;
    if (price) return { quantity: 1, price };
    if (monthly.product) {
      const price_data = { currency, unit_amount: choice.chargeMinor, product: monthly.product };
      return { quantity: 1, price_data: { ...price_data, recurring: { interval: 'month' } } };
    }
  }
  const monthlyGift = choice.frequency === 'monthly';
  return {
    quantity: 1,
    price_data: {
      currency,
      unit_amount: choice.chargeMinor,
      product_data: {
        // Named in the reader's language: Checkout and the receipt show it to them.
        name: t(monthlyGift ? 'donate.product.monthly' : 'donate.product.once', { org: fundraiser.orgName }),
      },
      ...(monthlyGift ? { recurring: { interval: 'month' as const } } : {}),
    },
  };
}

export async function createDonationCheckout(
  stripe: Stripe,
  config: Config,
  req: CheckoutRequest,
): Promise<Stripe.Checkout.Session> {
  const { choice } = req;
  const { fundraiser } = config;
  const monthly = choice.frequency === 'monthly';
  const words = translator(isShipped(req.lang) ? req.lang : SOURCE_LANGUAGE);
  const metadata = {
    [METADATA_FUNDRAISER]: fundraiser.id,
    [METADATA_CAMPAIGN]: displayedWindow(fundraiser.window, req.now).slug,
    frequency: choice.frequency,
    [METADATA_LANG]: req.lang,
    ...(req.variants?.appeal ? { [METADATA_VARIANT.appeal]: req.variants.appeal } : {}),
    ...(req.variants?.banner ? { [METADATA_VARIANT.banner]: req.variants.banner } : {}),
    // The gift is recorded once, at what Stripe says was paid (the fee cover included): this
    // only says how much of it the donor added for the fees.
    ...(choice.feeCoverMinor > 0
      ? { [METADATA_GIFT]: String(choice.amountMinor), [METADATA_FEE_COVER]: String(choice.feeCoverMinor) }
      : {}),
  };
  const cancel = new URL('/', config.baseUrl);
  cancel.search = new URLSearchParams({
    cancelled: '1',
    amount: String(choice.amount),
    frequency: choice.frequency,
    ...(choice.currency !== fundraiser.currency ? { currency: choice.currency } : {}),
    ...(choice.feeCoverMinor > 0 ? { cover_fees: '1' } : {}),
    lang: req.lang,
    // A reader who came from a banner in an experiment and gives after all still counts for it.
    ...(req.variants?.banner ? { [BANNER_QUERY]: req.variants.banner } : {}),
  }).toString();

  // Short-lived sessions leave card testers a small window. The expiry is taken from a
  // 10-minute slot, not the second, so a double submit sends identical parameters under its
  // idempotency key (Stripe refuses a key reused with other parameters): 31 to 41 minutes
  // away, a minute of slack over Stripe's 30-minute minimum for clock skew.
  const slot = Math.floor(req.now.getTime() / SLOT_MS);
  const expiresAt = Math.floor(((slot + 1) * SLOT_MS) / 1000) + 31 * 60;
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: monthly ? 'subscription' : 'payment',
    line_items: [lineItem(config, choice, req.monthlyPrices ?? NO_MONTHLY_PRICES, words.t)],
    metadata,
    // The button says "Donate", monthly too (Stripe accepts it in subscription mode).
    submit_type: 'donate',
    // Copied onto the payment or subscription so refunds, disputes and invoices map back.
    ...(monthly ? { subscription_data: { metadata } } : { payment_intent_data: { metadata } }),
    expires_at: expiresAt,
    // Stripe's page in the reader's language, and the thank-you page after it too.
    locale: req.lang,
    success_url: `${config.baseUrl}/thank-you?session_id={CHECKOUT_SESSION_ID}&lang=${encodeURIComponent(req.lang)}`,
    cancel_url: cancel.toString(),
  };
  // The line item is in the key too: the same form sent while the prices were being set up (or
  // through two instances that see them differently) asks for other parameters, so another key.
  const idempotencyKey = createHash('sha256')
    .update(`${fundraiser.id}|${req.formId}|${choice.chargeMinor}|${choice.currency}|${choice.frequency}|${slot}|`)
    .update(JSON.stringify(params.line_items))
    // The same form in another language asks for another locale: another key too.
    .update(`|${req.lang}|${req.variants?.appeal ?? ''}|${req.variants?.banner ?? ''}`)
    .digest('hex');
  return stripe.checkout.sessions.create(params, { idempotencyKey });
}
