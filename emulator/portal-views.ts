// The Customer Portal's hosted test pages as HTML: the portal itself (subscriptions, the
// actions its configuration allows, the card, invoices, the way back), its login page and the
// pages around them. Plain forms that work without JavaScript; every value is escaped.
import type Stripe from 'stripe';
import { TEST_CARDS } from './catalog-objects.ts';
import { formatMoney } from './money.ts';
import { esc, page } from './pages.ts';
import { invoicesOf, isLive, subscriptionsOf, switchablePrices } from './portal-actions.ts';
import type { PortalSession } from './portal.ts';
import type { EmulatorState } from './state.ts';

type Configuration = Stripe.BillingPortal.Configuration;

const STYLE = `
  section{border-top:1px solid #ddd;padding:.75rem 0} h2{font-size:1.1rem;margin:.25rem 0}
  fieldset{border:1px solid #d0d7de;border-radius:8px;margin:.75rem 0;padding:.5rem .75rem}
  legend{font-weight:600;padding:0 .25rem} .choice{display:flex;gap:.5rem;align-items:center;margin:.25rem 0}
  .choice label{display:inline;margin:0;font-weight:400}
  textarea{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:1px solid #9ca3af;border-radius:8px}
  .notice{background:#dafbe1;border:1px solid #1a7f37;border-radius:8px;padding:.5rem .75rem}
  .testbox{background:#fff8c5;border:1px solid #9a6700;border-radius:8px;padding:.5rem .75rem;margin-top:1rem}
  a.back{display:inline-block;margin-top:1rem}
`;

/** Stripe's words for the cancellation reasons it offers. */
export const REASON_LABELS: Record<string, string> = {
  too_expensive: "It's too expensive",
  missing_features: 'Some features are missing',
  switched_service: "I'm switching to a different service",
  unused: "I don't use the service enough",
  customer_service: 'Customer service was less than expected',
  too_complex: 'Ease of use was less than expected',
  low_quality: 'Quality was less than expected',
  other: 'Other reason',
};

/** What each action's redirect says on the portal's page (?notice=...). */
export const NOTICES: Record<string, string> = {
  canceled: 'Your subscription has been cancelled.',
  ending: 'Your subscription will end at the end of the current period.',
  resumed: 'Your subscription will continue.',
  updated: 'Your subscription has been updated. The new amount is charged from the next payment on.',
  card: 'Your card has been updated.',
};

const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });
export const date = (seconds: number) => dateFormat.format(new Date(seconds * 1000));

/** "$25.00 per month", "$60 every 3 months". */
export function perInterval(price: Stripe.Price | Stripe.Plan | undefined, quantity = 1): string {
  if (!price) return '';
  const amount = 'unit_amount' in price ? price.unit_amount : price.amount;
  const r = 'recurring' in price ? price.recurring : { interval: price.interval, interval_count: price.interval_count };
  const money = formatMoney((amount ?? 0) * quantity, price.currency);
  if (!r) return money;
  return r.interval_count === 1 ? `${money} per ${r.interval}` : `${money} every ${r.interval_count} ${r.interval}s`;
}

const businessName = (config: Configuration) => config.business_profile.headline ?? 'Customer portal';
const hidden = (name: string, value: string) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;
const backLink = (url: string | null) => (url ? `<a class="back" href="${esc(url)}">← Return to the site</a>` : '');

export const portalPage = (title: string, body: string) => page(title, body, false, STYLE);

export function messagePage(title: string, message: string, returnUrl: string | null = null): string {
  return portalPage(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p>${backLink(returnUrl)}`);
}

function productName(state: EmulatorState, sub: Stripe.Subscription): string {
  const product = sub.items.data[0]?.price.product;
  const id = typeof product === 'string' ? product : product?.id;
  return (id && state.products.get(id)?.name) || 'Subscription';
}

function cardOf(state: EmulatorState, id: string | Stripe.PaymentMethod | null): string {
  const pm = typeof id === 'string' ? state.paymentMethods.get(id) : id;
  if (!pm?.card) return '';
  return `${pm.card.brand[0]!.toUpperCase()}${pm.card.brand.slice(1)} •••• ${pm.card.last4}`;
}

function when(sub: Stripe.Subscription): string {
  const end = sub.items.data[0]?.current_period_end;
  if (sub.status === 'canceled') return sub.ended_at ? `Ended on ${date(sub.ended_at)}` : 'Ended';
  if (sub.cancel_at) return `Ends on ${date(sub.cancel_at)}`;
  if (sub.pause_collection) return 'Payments paused';
  return end ? `Next payment on ${date(end)}` : '';
}

const STATUS: Record<string, string> = { active: 'Active', past_due: 'Past due', unpaid: 'Unpaid', canceled: 'Ended' };

function cancelForm(base: string, config: Configuration, sub: Stripe.Subscription): string {
  const feature = config.features.subscription_cancel;
  const reason = feature.cancellation_reason;
  const reasons = reason.enabled
    ? `<fieldset><legend>Why are you cancelling? (optional)</legend>${reason.options
        .map(
          (o, i) =>
            `<div class="choice"><input type="radio" id="r-${esc(sub.id)}-${i}" name="reason" value="${esc(o)}">` +
            `<label for="r-${esc(sub.id)}-${i}">${esc(REASON_LABELS[o] ?? o)}</label></div>`,
        )
        .join('')}</fieldset>`
    : '';
  const end = sub.items.data[0]?.current_period_end;
  const label =
    feature.mode === 'immediately' || !end ? 'Cancel now' : `Cancel at the end of the period (${date(end)})`;
  return `<form method="post" action="${esc(base)}/cancel">${hidden('subscription', sub.id)}${reasons}
    <label for="c-${esc(sub.id)}">Anything else you would like to tell us? (optional)</label>
    <textarea id="c-${esc(sub.id)}" name="comment" rows="2" maxlength="500"></textarea>
    <button>${esc(label)}</button></form>`;
}

function updateForm(base: string, state: EmulatorState, config: Configuration, sub: Stripe.Subscription): string {
  const prices = switchablePrices(state, config, sub);
  if (prices.length === 0) return '';
  const current = sub.items.data[0]?.price.id;
  const options = prices
    .map(
      (p, i) =>
        `<div class="choice"><input type="radio" id="p-${esc(sub.id)}-${i}" name="price" value="${esc(p.id)}"${
          p.id === current ? ' checked' : ''
        }><label for="p-${esc(sub.id)}-${i}">${esc(perInterval(p))}${p.id === current ? ' (current)' : ''}</label></div>`,
    )
    .join('');
  const proration =
    config.features.subscription_update.proration_behavior === 'none'
      ? 'The new amount is charged from the next payment on.'
      : 'The emulator does not prorate: the new amount is charged from the next payment on.';
  return `<form method="post" action="${esc(base)}/update">${hidden('subscription', sub.id)}
    <fieldset><legend>Change the amount</legend>${options}</fieldset>
    <p class="muted">${esc(proration)}</p><button>Update subscription</button></form>`;
}

function subscriptionSection(
  base: string,
  state: EmulatorState,
  config: Configuration,
  sub: Stripe.Subscription,
  only?: 'cancel' | 'update',
): string {
  const item = sub.items.data[0];
  const card = cardOf(state, sub.default_payment_method);
  const live = isLive(sub);
  const actions = !live
    ? ''
    : sub.cancel_at_period_end
      ? only === 'update'
        ? ''
        : `<form method="post" action="${esc(base)}/resume">${hidden('subscription', sub.id)}<button class="primary">Don't cancel</button></form>`
      : [
          only !== 'update' && config.features.subscription_cancel.enabled ? cancelForm(base, config, sub) : '',
          only !== 'cancel' ? updateForm(base, state, config, sub) : '',
        ].join('');
  return `<section aria-labelledby="h-${esc(sub.id)}"><h2 id="h-${esc(sub.id)}">${esc(productName(state, sub))}</h2>
    <p class="amount">${esc(perInterval(item?.price, item?.quantity ?? 1))}</p>
    <p>${esc(STATUS[sub.status] ?? sub.status)}. ${esc(when(sub))}</p>
    ${card ? `<p class="muted">Paid with ${esc(card)}</p>` : ''}${actions}</section>`;
}

function cardSection(base: string, state: EmulatorState, customer: Stripe.Customer): string {
  // The customer's default card, else the card its subscriptions are paid with (Checkout saves it there).
  const paying = subscriptionsOf(state, customer.id).find((s) => isLive(s) && s.default_payment_method);
  const current =
    cardOf(state, customer.invoice_settings.default_payment_method) ||
    cardOf(state, paying?.default_payment_method ?? null);
  const options = Object.entries(TEST_CARDS)
    .map(
      ([key, c], i) =>
        `<div class="choice"><input type="radio" id="card-${i}" name="card" value="${esc(key)}"${i === 0 ? ' checked' : ''}>` +
        `<label for="card-${i}">${esc(c.label)}</label></div>`,
    )
    .join('');
  return `<section aria-labelledby="h-card"><h2 id="h-card">Payment method</h2>
    <p>${current ? `Current card: ${esc(current)}` : 'No card yet.'}</p>
    <form method="post" action="${esc(base)}/card"><fieldset><legend>Add a test card and make it the default</legend>${options}</fieldset>
    <button>Update card</button></form></section>`;
}

function invoiceSection(state: EmulatorState, customer: string): string {
  const rows = invoicesOf(state, customer).map((inv) => {
    const at = inv.status_transitions.paid_at ?? inv.created;
    const amount = formatMoney(inv.status === 'paid' ? inv.amount_paid : inv.amount_due, inv.currency);
    return `<tr><td>${esc(date(at))}</td><td>${esc(amount)}</td><td>${inv.status === 'paid' ? 'Paid' : 'Payment due'}</td></tr>`;
  });
  const heads = ['Date', 'Amount', 'Status'].map((h) => `<th scope="col">${h}</th>`).join('');
  const table = rows.length
    ? `<table><caption class="muted">Newest first</caption><tr>${heads}</tr>${rows.join('')}</table>`
    : '<p class="muted">No invoices yet.</p>';
  return `<section aria-labelledby="h-invoices"><h2 id="h-invoices">Invoice history</h2>${table}</section>`;
}

/** The portal: the whole homepage, or only the flow's step while a flow_data flow is not done. */
export function portalHome(state: EmulatorState, config: Configuration, ps: PortalSession, notice?: string): string {
  const { session } = ps;
  const base = `/p/session/${session.id}`;
  const customer = state.customers.get(session.customer);
  if (!customer) return messagePage('Not available', 'This customer no longer exists.');
  const flow = ps.flowDone ? null : session.flow;
  const head = `<p class="muted">${esc(businessName(config))}</p>${
    notice && Object.hasOwn(NOTICES, notice) ? `<p class="notice" role="status">${esc(NOTICES[notice])}</p>` : ''
  }`;
  const subs = subscriptionsOf(state, customer.id);
  if (flow?.type === 'subscription_cancel' || flow?.type === 'subscription_update') {
    const id = flow.subscription_cancel?.subscription ?? flow.subscription_update?.subscription;
    const sub = subs.find((s) => s.id === id);
    const only = flow.type === 'subscription_cancel' ? 'cancel' : 'update';
    const title = only === 'cancel' ? 'Cancel your subscription' : 'Update your subscription';
    const body = sub ? subscriptionSection(base, state, config, sub, only) : '<p>This subscription is gone.</p>';
    return portalPage(title, `${head}<h1>${title}</h1>${body}${backLink(session.return_url)}`);
  }
  if (flow?.type === 'payment_method_update')
    return portalPage(
      'Update your card',
      `${head}<h1>Update your card</h1>${cardSection(base, state, customer)}${backLink(session.return_url)}`,
    );
  const f = config.features;
  const sections = [
    subs.length ? subs.map((s) => subscriptionSection(base, state, config, s)).join('') : '<p>No subscriptions.</p>',
    f.payment_method_update.enabled ? cardSection(base, state, customer) : '',
    f.invoice_history.enabled ? invoiceSection(state, customer.id) : '',
  ];
  return portalPage(
    'Manage your subscription',
    `${head}<h1>Your subscriptions</h1><p class="muted">Signed in as ${esc(customer.email ?? customer.id)}</p>
     ${sections.join('')}${backLink(session.return_url)}`,
  );
}

export function loginForm(
  config: Configuration,
  action: string,
  title = 'Sign in to manage your subscription',
): string {
  return portalPage(
    title,
    `<p class="muted">${esc(businessName(config))}</p><h1>${esc(title)}</h1>
     <form method="post" action="${esc(action)}"><label for="email">Email</label>
     <input id="email" type="email" name="email" autocomplete="email" required maxlength="200">
     <button class="primary">Send me a link</button></form>`,
  );
}

/** After the e-mail: Stripe's neutral message whatever was found; in test mode, the link the e-mail would hold. */
export function linkSent(email: string, url: string | null): string {
  const test = url
    ? `The emulator sends no e-mail. The link it would contain: <a href="${esc(url)}">open the portal</a>.`
    : 'The emulator sends no e-mail.';
  return portalPage(
    'Check your email',
    `<h1>Check your email</h1>
     <p>If ${esc(email)} belongs to a customer, we sent a link to it. The link signs you in for a short while.</p>
     <p class="testbox" role="note">TEST MODE: ${test}</p>`,
  );
}
