// GET /thank-you?session_id=cs_...: Stripe's documented pattern. What happened to the gift is
// decided by confirmCheckout (lib/payments/confirm.ts), which records it through the same
// idempotent path as the webhook, whichever comes first; this route only shows it.
import { randomUUID } from 'node:crypto';
import { Router, type Response } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import { confirmCheckout, type SessionOutcome } from '../lib/payments/confirm.ts';
import { parseDonation } from '../lib/appeal/donation-options.ts';
import { minorDigits } from '../lib/money.ts';
import { thankYouLimiter } from './middleware/rate-limits.ts';
import { writeHidden } from './embed.ts';
import { giftHiddenUntil } from './embed-model.ts';
import { translatorOf } from './i18n.ts';
import type { Translate } from '../lib/i18n/translator.ts';

const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,250}$/;

export function thankYouRoutes(deps: AppDeps): Router {
  const router = Router();
  const limit = thankYouLimiter(deps.stores.rateLimit, (_req, res) => {
    const { t } = translatorOf(res);
    res
      .status(429)
      .render('error', { title: t('error.tooManyTitle'), message: t('error.tooManyReload'), noindex: true });
  });

  router.get('/thank-you', limit, async (req, res) => {
    res.set('Cache-Control', 'private, no-store');
    const { t } = translatorOf(res);
    const id = typeof req.query.session_id === 'string' ? req.query.session_id : '';
    if (!SESSION_ID.test(id)) return notFound(res);

    const { fundraiser } = deps.config;
    const confirmation = await confirmCheckout(
      { ledger: deps.ledger, fundraiser, stripe: deps.stripe, clock: deps.clock },
      id,
    );
    if (confirmation.kind === 'not-found') return notFound(res);
    if (confirmation.kind === 'unavailable') {
      deps.logger.error(
        { err: confirmation.error, session: id },
        'could not retrieve a Checkout Session for the thank-you page',
      );
      return void res
        .status(502)
        .render('error', { title: t('thanks.unavailableTitle'), message: t('thanks.unavailable') });
    }
    const { outcome, monthly, amount, currency, email } = confirmation;
    const page = {
      title: outcome === 'paid' ? t('thanks.title') : t('thanks.titleOther'),
      noindex: true,
      outcome,
      monthly,
      amount,
      currency,
      email: maskEmail(email),
      org: fundraiser.orgName,
      sessionId: id,
      makeMonthly: outcome === 'paid' && !monthly ? monthlyOffer(amount, currency) : null,
      share:
        outcome === 'paid' || outcome === 'processing' ? shareLinks(deps.config.baseUrl, fundraiser.orgName, t) : null,
    };
    res.render('thank-you', { ...page, ...(await afterGift(res, outcome, monthly)) });
  });

  /** The bar, and for a reader who gave: the banner hidden for the rest of the campaign (or as configured). */
  async function afterGift(res: Response, outcome: SessionOutcome, monthly: boolean) {
    const progress = await deps.ledger.progress();
    let backUrl = deps.config.fundraiser.siteUrl;
    if (outcome === 'paid' || outcome === 'processing') {
      const now = deps.clock();
      const until = giftHiddenUntil(deps, now, progress);
      writeHidden(res, deps, {
        reason: 'gift',
        at: now.toISOString(),
        until: until.toISOString(),
        ...(monthly ? { monthly: true } : {}),
      });
      // The script banner lives on the host's origin: the link back tells it.
      if (backUrl) backUrl = `${backUrl.split('#')[0]}#fundraiser-thanks=${until.getTime()}`;
    }
    return { progress, backUrl };
  }
  /**
   * "Make it monthly" for a one-off donor: a form for the donate path itself (its cross-site
   * check, rate limits and amount rules), at the gift's amount in whole units, when that path
   * would take it.
   */
  function monthlyOffer(amount: number, currency: string) {
    const unit = 10 ** minorDigits(currency);
    if (amount % unit !== 0) return null;
    // In the gift's own currency, when the site still offers it.
    const parsed = parseDonation(
      { amount: String(amount / unit), frequency: 'monthly', currency },
      deps.config.fundraiser,
    );
    return parsed.ok
      ? { amount: parsed.choice.amount, amountMinor: parsed.choice.amountMinor, currency, formId: randomUUID() }
      : null;
  }
  return router;
}

/** Plain links to share the appeal: no third-party script, nothing loaded until the reader clicks. */
function shareLinks(baseUrl: string, org: string, t: Translate) {
  const url = `${baseUrl}/`;
  const text = t('thanks.shareText', { org });
  const subject = t('thanks.shareSubject', { org });
  const q = encodeURIComponent;
  return {
    url,
    links: [
      {
        name: t('thanks.emailName'),
        newTab: false,
        href: `mailto:?subject=${q(subject)}&body=${q(`${text} ${url}`)}`,
      },
      { name: 'WhatsApp', newTab: true, href: `https://wa.me/?text=${q(`${text} ${url}`)}` },
      { name: 'Facebook', newTab: true, href: `https://www.facebook.com/sharer/sharer.php?u=${q(url)}` },
      { name: 'X', newTab: true, href: `https://x.com/intent/post?text=${q(text)}&url=${q(url)}` },
      {
        name: 'Reddit',
        newTab: true,
        href: `https://www.reddit.com/submit?url=${q(url)}&title=${q(subject)}`,
      },
    ],
  };
}

function notFound(res: Response): void {
  const { t } = translatorOf(res);
  res.status(404).render('error', { title: t('thanks.notFoundTitle'), message: t('thanks.notFound'), noindex: true });
}

/** "reader@example.org" -> "r•••@example.org": enough to recognise, little to leak if the URL is shared. */
function maskEmail(email: string | null): string | null {
  if (!email) return null;
  const [user, domain] = email.split('@');
  if (!user || !domain) return null;
  return `${user[0]}•••@${domain}`;
}
