// POST /donate: validate the choice, create a Checkout Session, send the reader to it.
import { Router, type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import { donateLimiters } from './middleware/rate-limits.ts';
import type { AppDeps } from '../lib/wiring.ts';
import { CrossSiteRequestError, refuseCrossSite } from './middleware/cross-site.ts';
import { parseDonation } from '../lib/appeal/donation-options.ts';
import { createDonationCheckout } from '../lib/payments/checkout.ts';
import { renderAppeal, type FormState } from './appeal.ts';
import { wantsJson } from './views.ts';
import { chooserFor, translatorOf, useLanguage } from './i18n.ts';

function formStateOf(body: Record<string, unknown>): FormState {
  const s = (v: unknown) => (typeof v === 'string' ? v.slice(0, 20) : undefined);
  const coverFees = ['1', 'on', 'true', 'yes'].includes(s(body.cover_fees) ?? '');
  return {
    amount: s(body.amount),
    otherAmount: s(body.other_amount),
    frequency: s(body.frequency),
    currency: s(body.currency),
    coverFees,
    variants: { appeal: s(body.appeal_variant), banner: s(body.banner_variant) },
  };
}

export function donateRoutes(deps: AppDeps): Router {
  const router = Router();

  // The form says the language it was shown in (the appeal's and the banners' hidden field), so
  // answers and Checkout follow it; without one, the language chosen for the request stands.
  const formLanguage = (req: Request, res: Response, next: NextFunction) => {
    const lang = chooserFor(deps.config).offered((req.body as Record<string, unknown> | undefined)?.lang);
    if (lang) useLanguage(res, deps.config, lang, '/');
    next();
  };

  const limited = (req: Request, res: Response, next: NextFunction) => {
    const error = translatorOf(res).t('error.donateLimited');
    if (wantsJson(req)) return void res.status(429).json({ error });
    renderAppeal(deps, res, { ...formStateOf((req.body ?? {}) as Record<string, unknown>), error }, 429).catch(next);
  };

  router.post(
    '/donate',
    formLanguage,
    refuseCrossSite(deps.config.baseUrl, deps.config.embed.allowedOrigins),
    ...donateLimiters(deps.config, deps.stores.rateLimit, limited),
    async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const form = formStateOf(body);
      const tr = translatorOf(res);
      // The variants the form was shown with, when they are the running experiments' (else none:
      // a forged or stale value gives the default amounts and attributes the gift to nothing).
      const state = deps.experiments.serving();
      const appealVariant = deps.experiments.named(state, 'appeal', body.appeal_variant);
      const bannerVariant = deps.experiments.named(state, 'banner', body.banner_variant);
      if (bannerVariant && body.via === 'banner') deps.experiments.count(state, 'banner', bannerVariant, 'click');
      const look = appealVariant
        ? deps.experiments.look(state, 'appeal', appealVariant)
        : deps.experiments.look(state, 'banner', bannerVariant);
      const parsed = parseDonation(body, look.fundraiser, tr.locale);
      if (!parsed.ok) {
        // In the reader's language, JSON too: the script banner shows it as it comes.
        const error = tr.t(parsed.message.id, parsed.message.values);
        if (wantsJson(req)) return void res.status(400).json({ error });
        return renderAppeal(deps, res, { ...form, error, errorField: parsed.field }, 400);
      }
      const formId =
        typeof body.form_id === 'string' && /^[\w-]{16,64}$/.test(body.form_id) ? body.form_id : crypto.randomUUID();
      let url: string | null;
      try {
        const monthly = parsed.choice.frequency === 'monthly';
        const session = await createDonationCheckout(deps.stripe, deps.config, {
          choice: parsed.choice,
          formId,
          now: deps.clock(),
          lang: translatorOf(res).lang,
          variants: {
            ...(appealVariant ? { appeal: form.variants!.appeal! } : {}),
            ...(bannerVariant ? { banner: form.variants!.banner! } : {}),
          },
          ...(monthly ? { monthlyPrices: await deps.portal.monthlyPrices() } : {}),
        });
        url = session.url;
        if (appealVariant) deps.experiments.count(state, 'appeal', appealVariant, 'checkout');
        if (bannerVariant) deps.experiments.count(state, 'banner', bannerVariant, 'checkout');
      } catch (err) {
        deps.logger.error({ err }, 'could not create a Checkout Session');
        url = null;
      }
      if (!url) {
        const error = translatorOf(res).t('error.donateGateway');
        if (wantsJson(req)) return void res.status(502).json({ error });
        return renderAppeal(deps, res, { ...form, error }, 502);
      }
      if (wantsJson(req)) return void res.json({ url });
      res.redirect(303, url);
    },
  );

  const onCrossSite: ErrorRequestHandler = (err, req, res, next) => {
    if (!(err instanceof CrossSiteRequestError)) return next(err);
    req.log.warn({ from: err.from }, 'donate form refused: posted from another site');
    const error = translatorOf(res).t('error.donateCrossSite');
    if (wantsJson(req)) return void res.status(403).json({ error });
    void renderAppeal(deps, res, { ...formStateOf((req.body ?? {}) as Record<string, unknown>), error }, 403).catch(
      next,
    );
  };
  router.use(onCrossSite);
  return router;
}
