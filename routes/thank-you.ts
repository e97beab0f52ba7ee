// GET /thank-you?session_id=cs_...: Stripe's documented pattern. Retrieve the session and
// fulfil it through the same idempotent path as the webhook, whichever comes first.
import { Router, type Response } from 'express';
import type Stripe from 'stripe';
import type { AppDeps } from '../lib/wiring.ts';
import { fulfillCheckoutSession, isOurs, recordPaidInvoice } from '../lib/payments/record-gifts.ts';
import { rateLimit } from 'express-rate-limit';
import { DatabaseStore } from './middleware/rate-limits.ts';
import { writeHidden } from './embed.ts';

const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,250}$/;

type Outcome = 'paid' | 'processing' | 'failed' | 'not-paid' | 'expired';

export function thankYouRoutes(deps: AppDeps): Router {
  const router = Router();
  // Each unknown session id costs a call to Stripe: a flood of made-up ids must not use up
  // the account's API rate limit, which /donate and the webhook need.
  const limit = rateLimit({
    windowMs: 10 * 60_000,
    limit: 120,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new DatabaseStore(deps.db, 'thank-you:'),
    handler: (_req, res) => res.status(429).render('error', { title: 'Too many requests', message: 'Please wait a few minutes and reload this page.', noindex: true }),
  });

  router.get('/thank-you', limit, async (req, res) => {
    res.set('Cache-Control', 'private, no-store');
    const id = typeof req.query.session_id === 'string' ? req.query.session_id : '';
    if (!SESSION_ID.test(id)) return notFound(res);

    // A one-off gift already recorded as paid is thanked from the ledger: reloads and shared
    // links cost no call to Stripe.
    const known = await deps.ledger.findGift(id);
    if (known?.status === 'paid') {
      return void res.render('thank-you', await finish(res, pageFor('paid', false, Number(known.amount_minor), known.currency, known.email)));
    }

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

    res.render('thank-you', await finish(res, pageFor(outcome, session.mode === 'subscription', session.amount_total ?? 0, session.currency ?? fundraiser.currency, session.customer_details?.email ?? null)));
  });

  /** The bar, and for a reader who gave: the banner hidden for the rest of the campaign (or as configured). */
  async function finish(res: Response, page: ReturnType<typeof pageFor>) {
    const progress = await deps.ledger.progress();
    let backUrl = deps.config.fundraiser.siteUrl;
    if (page.outcome === 'paid' || page.outcome === 'processing') {
      const now = deps.clock();
      const days = deps.config.embed.giftHideDays;
      const until = days ? new Date(now.getTime() + days * 86_400_000) : new Date(progress.endsAt);
      writeHidden(res, deps, { reason: 'gift', at: now.toISOString(), until: until.toISOString() });
      // The script banner lives on the host's origin: the link back tells it.
      if (backUrl) backUrl = `${backUrl.split('#')[0]}#fundraiser-thanks=${until.getTime()}`;
    }
    return { ...page, progress, backUrl };
  }

  function pageFor(outcome: Outcome, monthly: boolean, amount: number, currency: string, email: string | null) {
    return {
      title: outcome === 'paid' ? 'Thank you' : 'Your gift',
      noindex: true,
      outcome,
      monthly,
      amount,
      currency,
      email: maskEmail(email),
      org: deps.config.fundraiser.orgName,
    };
  }
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
