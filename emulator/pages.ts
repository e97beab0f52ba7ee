// The emulator's hosted checkout page (clearly a test) and its test controls, as HTML for
// people and JSON for tests.
import express, { Router, type Request, type Response } from 'express';
import type Stripe from 'stripe';
import { EmulatorError, type EmulatorState, type PaymentChoice } from './state.ts';
import type { WebhookDelivery } from './delivery.ts';
import { formatMoney } from './money.ts';
import { cancel, failRenewal, renew, updateSubscription } from './renewals.ts';
import { settleCharge } from './after-payment.ts';

export const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const STYLE = `
  body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f3f4f6;color:#1f2328}
  .test{background:#b45309;color:#fff;text-align:center;padding:.5rem;font-weight:700;letter-spacing:.03em}
  main{max-width:28rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 3px #0002}
  main.wide{max-width:60rem}
  h1{font-size:1.3rem;margin:0 0 .25rem} .amount{font-size:2rem;font-weight:700;margin:.25rem 0 1rem}
  label{display:block;margin:.75rem 0 .25rem;font-weight:600}
  input[type=email]{width:100%;padding:.6rem;font:inherit;border:1px solid #9ca3af;border-radius:8px;box-sizing:border-box}
  button{display:block;width:100%;margin:.6rem 0 0;padding:.75rem;font:inherit;font-weight:600;border-radius:8px;
    border:1px solid #1f2328;background:#fff;cursor:pointer}
  button.primary{background:#1f2328;color:#fff} .muted{color:#57606a;font-size:.9rem}
  table{border-collapse:collapse;width:100%;font-size:.85rem} td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}
  form.inline{display:inline} form.inline button{display:inline;width:auto;padding:.2rem .5rem;margin:0 .2rem 0 0;font-size:.8rem}
`;

/** A hosted test page: the TEST MODE banner, the shared style (and `style`, a page's own), escaped title. */
export function page(title: string, body: string, wide = false, style = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}${style}</style></head><body>
<header><div class="test" role="note">TEST MODE: Stripe emulator. No real payment is made.</div></header>
<main class="${wide ? 'wide' : ''}">${body}</main></body></html>`;
}

function successUrl(session: Stripe.Checkout.Session): string {
  return (session.success_url ?? '/').replace('{CHECKOUT_SESSION_ID}', session.id);
}

/**
 * `url` when it is an http(s) address on the site the emulator serves (the origin its webhooks
 * go to; any loopback address when it has none), else null.
 */
export function siteReturnUrl(url: string | null, webhookUrl: string | null): string | null {
  if (!url) return null;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return null;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return null;
  if (webhookUrl) return target.origin === new URL(webhookUrl).origin ? target.href : null;
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(target.hostname) ? target.href : null;
}

export function pagesRouter(state: EmulatorState, delivery: WebhookDelivery): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });

  router.get('/c/pay/:id', (req, res) => {
    const session = state.sessions.get(req.params.id);
    if (!session) return void res.status(404).send(page('Not found', '<h1>This checkout link is not valid.</h1>'));
    const extras = state.extras.get(session.id)!;
    const amount = formatMoney(session.amount_total ?? 0, session.currency ?? 'usd');
    if (session.status !== 'open') {
      const next =
        session.status === 'complete' ? `<p><a href="${esc(successUrl(session))}">Return to the site</a></p>` : '';
      return void res.send(page('Checkout', `<h1>This checkout is ${esc(session.status)}.</h1>${next}`));
    }
    const monthly = session.mode === 'subscription';
    const delayed = monthly
      ? ''
      : `<button name="choice" value="delayed_success">Pay by bank debit (succeeds later)</button>
         <button name="choice" value="delayed_failure">Pay by bank debit (fails later)</button>`;
    res.send(
      page(
        'Test checkout',
        `<p class="muted">${esc(extras.productName)}</p>
         <h1>${monthly ? 'Monthly gift' : 'One-time gift'}</h1>
         <p class="amount">${esc(amount)}${monthly ? ' <span class="muted">per month</span>' : ''}</p>
         <form method="post" action="/c/pay/${esc(session.id)}">
           <label for="email">Email</label>
           <input id="email" type="email" name="email" value="${esc(session.customer_email ?? 'donor@example.org')}" required>
           <button class="primary" name="choice" value="card">Pay with test card 4242 4242 4242 4242</button>
           ${delayed}
         </form>
         <form method="post" action="/c/pay/${esc(session.id)}/cancel"><button>Cancel and go back</button></form>`,
      ),
    );
  });

  router.post('/c/pay/:id', form, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const choice = String(body.choice ?? 'card') as PaymentChoice;
    if (!['card', 'delayed_success', 'delayed_failure'].includes(choice))
      throw new EmulatorError(400, 'Unknown payment choice.');
    const email = String(body.email || 'donor@example.org').slice(0, 200);
    const session = state.pay(req.params.id, choice, email);
    res.redirect(303, successUrl(session));
  });

  router.post('/c/pay/:id/cancel', (req, res) => {
    const session = state.session(req.params.id);
    const back = siteReturnUrl(session.cancel_url, delivery.url);
    if (back) return void res.redirect(303, back);
    // Anyone can make a session through /v1 with any cancel_url: never an open redirect.
    res.status(400).send(page('Checkout', '<h1>This checkout was cancelled.</h1><p>Close this page to go back.</p>'));
  });

  // Test controls: JSON in, JSON out (or back to the dashboard from its HTML forms).
  const control = (fn: (req: Request) => unknown) => (req: Request, res: Response) => {
    const result = fn(req);
    if (req.is('application/x-www-form-urlencoded')) return void res.redirect(303, '/_emulator');
    res.json(result);
  };
  const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  const id = (req: Request) => String(req.params.id);
  router.use('/_emulator', express.json({ limit: '8kb' }), form);
  router.post(
    '/_emulator/sessions/:id/settle',
    control((req) => state.settle(id(req), body(req).outcome === 'failed' ? 'failed' : 'succeeded')),
  );
  router.post(
    '/_emulator/sessions/:id/expire',
    control((req) => state.expire(id(req))),
  );
  router.post(
    '/_emulator/charges/:id/refund',
    control((req) =>
      state.refund(
        { charge: id(req) },
        body(req).amount === undefined || body(req).amount === '' ? undefined : Number(body(req).amount),
      ),
    ),
  );
  router.post(
    '/_emulator/charges/:id/settle',
    control((req) => settleCharge(state, id(req))),
  );
  router.post(
    '/_emulator/balance-later',
    control((req) => {
      state.balanceLater = body(req).enabled !== false && body(req).enabled !== 'false';
      return { balanceLater: state.balanceLater };
    }),
  );
  router.post(
    '/_emulator/charges/:id/dispute',
    control((req) => state.dispute(id(req))),
  );
  router.post(
    '/_emulator/disputes/:id/close',
    control((req) => state.closeDispute(id(req), body(req).outcome === 'won' ? 'won' : 'lost')),
  );
  router.post(
    '/_emulator/subscriptions/:id/renew',
    control((req) => renew(state, id(req))),
  );
  router.post(
    '/_emulator/subscriptions/:id/cancel',
    control((req) => cancel(state, id(req))),
  );
  router.post(
    '/_emulator/subscriptions/:id/fail-renewal',
    control((req) => failRenewal(state, id(req))),
  );
  // The dashboard's forms: what a donor does in the Customer Portal (the API does the same).
  router.post(
    '/_emulator/subscriptions/:id/update',
    control((req) => {
      // The dashboard's forms are flat; the API's nested pause_collection[behavior] is rebuilt.
      const { 'pause_collection[behavior]': behavior, ...rest } = body(req);
      return updateSubscription(state, id(req), behavior ? { ...rest, pause_collection: { behavior } } : rest);
    }),
  );
  router.post(
    '/_emulator/dunning',
    control((req) => {
      const retries = Number(body(req).retries ?? state.dunning.retries);
      const then = body(req).then ?? state.dunning.then;
      if (!Number.isInteger(retries) || retries < 0 || retries > 8)
        throw new EmulatorError(400, 'retries must be a whole number from 0 to 8.');
      if (then !== 'cancel' && then !== 'unpaid' && then !== 'past_due')
        throw new EmulatorError(400, 'then must be cancel, unpaid or past_due.');
      state.dunning = { retries, then };
      return state.dunning;
    }),
  );
  router.post(
    '/_emulator/events/:id/replay',
    control((req) => state.replay(id(req))),
  );
  router.post(
    '/_emulator/events/:id/duplicate',
    control((req) => state.duplicate(id(req))),
  );
  router.post(
    '/_emulator/webhooks',
    control((req) => {
      delivery.enabled = body(req).enabled !== false && body(req).enabled !== 'false';
      return { enabled: delivery.enabled };
    }),
  );
  router.get('/_emulator/events', (_req, res) => {
    res.json({
      data: [...state.events.values()].map((e) => ({
        id: e.id,
        type: e.type,
        object: (e.data.object as { id?: string }).id,
      })),
      attempts: delivery.attempts,
    });
  });
  router.get('/_emulator', (_req, res) => res.send(dashboard(state, delivery)));
  return router;
}

type Button = (action: string, label: string, fields?: string) => string;

/** What can happen to a pledge: a month passes (paid or failed), the donor ends or pauses it. */
function subscriptionActions(state: EmulatorState, id: string, btn: Button): string {
  const sub = state.subscriptions.get(id);
  if (!sub || sub.status === 'canceled') return `<span class="muted">pledge ${esc(sub?.status ?? 'unknown')}</span>`;
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${value}">`;
  const update = (label: string, name: string, value: string) =>
    btn(`/_emulator/subscriptions/${id}/update`, label, hidden(name, value));
  const ending = sub.cancel_at_period_end;
  return [
    `<span class="muted">${esc(sub.status)}${ending ? ', ending' : ''}${sub.pause_collection ? ', paused' : ''}</span> `,
    btn(`/_emulator/subscriptions/${id}/renew`, sub.status === 'active' ? 'renew a month' : 'retry succeeds'),
    sub.status === 'active' || sub.status === 'past_due'
      ? btn(`/_emulator/subscriptions/${id}/fail-renewal`, 'renewal fails')
      : '',
    ending
      ? update('keep giving', 'cancel_at_period_end', 'false')
      : update('cancel at period end', 'cancel_at_period_end', 'true'),
    sub.pause_collection
      ? update('resume', 'pause_collection', '')
      : update('pause', 'pause_collection[behavior]', 'void'),
    btn(`/_emulator/subscriptions/${id}/cancel`, 'cancel now'),
  ].join('');
}

/** The opening cells of a table row, escaped; the caller adds the actions cell. */
const row = (...cells: string[]) => `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}`;

function dashboard(state: EmulatorState, delivery: WebhookDelivery): string {
  const btn = (action: string, label: string, fields = '') =>
    `<form class="inline" method="post" action="${esc(action)}">${fields}<button>${esc(label)}</button></form>`;
  const webhookSwitch = btn(
    '/_emulator/webhooks',
    delivery.enabled ? 'switch webhooks off' : 'switch webhooks on',
    `<input type="hidden" name="enabled" value="${delivery.enabled ? 'false' : 'true'}">`,
  );
  const sessions = [...state.sessions.values()]
    .reverse()
    .slice(0, 50)
    .map((s) => {
      const ex = state.extras.get(s.id);
      const sub = typeof s.subscription === 'string' ? s.subscription : s.subscription?.id;
      const actions = [
        ex?.pendingPaymentIntent
          ? btn(
              `/_emulator/sessions/${s.id}/settle`,
              'settle: succeed',
              '<input type="hidden" name="outcome" value="succeeded">',
            ) +
            btn(
              `/_emulator/sessions/${s.id}/settle`,
              'settle: fail',
              '<input type="hidden" name="outcome" value="failed">',
            )
          : '',
        s.status === 'open' ? btn(`/_emulator/sessions/${s.id}/expire`, 'expire') : '',
        sub ? subscriptionActions(state, sub, btn) : '',
      ].join('');
      const amount = formatMoney(s.amount_total ?? 0, s.currency ?? 'usd');
      return row(s.id, s.mode, amount, `${s.status} / ${s.payment_status}`) + `<td>${actions}</td></tr>`;
    });
  const charges = [...state.charges.values()]
    .reverse()
    .slice(0, 50)
    .map((c) => {
      const disputes = [...state.disputes.values()].filter((d) => d.charge === c.id && d.status === 'needs_response');
      const actions =
        (c.amount_refunded < c.amount
          ? btn(`/_emulator/charges/${c.id}/refund`, 'refund', '<input name="amount" size="6" placeholder="all">')
          : '') +
        (!c.disputed ? btn(`/_emulator/charges/${c.id}/dispute`, 'dispute') : '') +
        disputes
          .map(
            (d) =>
              btn(
                `/_emulator/disputes/${d.id}/close`,
                'dispute won',
                '<input type="hidden" name="outcome" value="won">',
              ) +
              btn(
                `/_emulator/disputes/${d.id}/close`,
                'dispute lost',
                '<input type="hidden" name="outcome" value="lost">',
              ),
          )
          .join('');
      const refunded = `refunded ${formatMoney(c.amount_refunded, c.currency)}${c.disputed ? ', disputed' : ''}`;
      return row(c.id, formatMoney(c.amount, c.currency), refunded) + `<td>${actions}</td></tr>`;
    });
  const events = [...state.events.values()]
    .reverse()
    .slice(0, 50)
    .map((e) => {
      const tries = delivery.attempts
        .filter((a) => a.eventId === e.id)
        .map((a) => a.status ?? a.error)
        .join(', ');
      const actions =
        btn(`/_emulator/events/${e.id}/replay`, 'replay') + btn(`/_emulator/events/${e.id}/duplicate`, 'duplicate');
      return row(e.id, e.type, tries || '-') + `<td>${actions}</td></tr>`;
    });
  return page(
    'Stripe emulator',
    `<h1>Stripe emulator</h1>
     <p class="muted">Webhooks go to ${esc(delivery.url ?? 'nowhere')} and are ${delivery.enabled ? 'on' : 'off'}.
     ${webhookSwitch}</p>
     <h2>Checkout Sessions</h2><table><tr><th>id</th><th>mode</th><th>amount</th><th>status</th><th></th></tr>${sessions.join('')}</table>
     <h2>Charges</h2><table><tr><th>id</th><th>amount</th><th>state</th><th></th></tr>${charges.join('')}</table>
     <h2>Events</h2><table><tr><th>id</th><th>type</th><th>deliveries</th><th></th></tr>${events.join('')}</table>`,
    true,
  );
}
