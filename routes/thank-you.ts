// GET /thank-you?session_id=cs_...: Stripe's documented pattern. Retrieve the session and
// fulfil it through the same idempotent path as the webhook, whichever comes first.
import { Router, type Response } from 'express';
import type Stripe from 'stripe';
import type { AppDeps } from '../lib/wiring.ts';
import { fulfillCheckoutSession, isOurs, recordPaidInvoice } from '../lib/payments/fulfill.ts';

const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,250}$/;

type Outcome = 'paid' | 'processing' | 'failed' | 'not-paid' | 'expired';

export function thankYouRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/thank-you', async (req, res) => {
    res.set('Cache-Control', 'private, no-store');
    const id = typeof req.query.session_id === 'string' ? req.query.session_id : '';
    if (!SESSION_ID.test(id)) return notFound(res);

    let session: Stripe.Checkout.Session;
    try {
      session = await deps.stripe.checkout.sessions.retrieve(id, { expand: ['subscription.latest_invoice'] });
    } catch (err) {
      if ((err as { code?: string; statusCode?: number }).statusCode === 404) return notFound(res);
      deps.logger.error({ err, session: id }, 'could not retrieve a Checkout Session for the thank-you page');
      return void res.status(502).render('error', {
        title: 'We could not confirm your gift just yet',
        message: 'Our payment processor did not answer. If you paid, your gift is safe and will be recorded; please reload this page in a minute.',
      });
    }
    const { fundraiser } = deps.config;
    if (!isOurs(session.metadata, fundraiser.id)) return notFound(res);

    const fulfilDeps = { ledger: deps.ledger, fundraiser };
    let outcome: Outcome;
    if (session.status === 'open') outcome = 'not-paid';
    else if (session.status === 'expired') outcome = 'expired';
    else {
      await fulfillCheckoutSession(fulfilDeps, { session, occurredAt: deps.clock() });
      const invoice = session.subscription && typeof session.subscription === 'object' ? session.subscription.latest_invoice : null;
      if (invoice && typeof invoice === 'object') await recordPaidInvoice(fulfilDeps, { invoice, occurredAt: deps.clock() });
      if (session.payment_status === 'paid') outcome = 'paid';
      else outcome = (await deps.ledger.findGift(session.id))?.status === 'failed' ? 'failed' : 'processing';
    }

    const progress = await deps.ledger.progress();
    res.render('thank-you', {
      title: outcome === 'paid' ? 'Thank you' : 'Your gift',
      noindex: true,
      outcome,
      monthly: session.mode === 'subscription',
      amount: session.amount_total ?? 0,
      currency: session.currency ?? fundraiser.currency,
      email: maskEmail(session.customer_details?.email ?? null),
      org: fundraiser.orgName,
      progress,
    });
  });
  return router;
}

function notFound(res: Response): void {
  res.status(404).render('error', {
    title: 'We could not find that gift',
    message: 'This thank-you link does not match a donation made on this site. If you have just given, check the link in your browser, or your e-mail receipt from Stripe.',
    noindex: true,
  });
}

/** "reader@example.org" -> "r•••@example.org": enough to recognise, little to leak if the URL is shared. */
function maskEmail(email: string | null): string | null {
  if (!email) return null;
  const [user, domain] = email.split('@');
  if (!user || !domain) return null;
  return `${user[0]}•••@${domain}`;
}
