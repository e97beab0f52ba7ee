// POST /donate: validate the choice, create a Checkout Session, send the reader to it.
import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { donateLimiters } from '../lib/rate-limits.ts';
import type { AppDeps } from '../lib/wiring.ts';
import type { Csrf } from '../lib/csrf.ts';
import { parseDonation } from '../lib/donation-options.ts';
import { createDonationCheckout } from '../lib/payments/checkout.ts';
import { renderAppeal, type FormState } from './appeal-page.ts';

const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json';

function formStateOf(body: Record<string, unknown>): FormState {
  const s = (v: unknown) => (typeof v === 'string' ? v.slice(0, 20) : undefined);
  return { amount: s(body.amount), otherAmount: s(body.other_amount), frequency: s(body.frequency) };
}

export function donateRoutes(deps: AppDeps, csrf: Csrf): Router {
  const router = Router();

  const limited = (req: Request, res: Response) => {
    const error = 'Too many donation attempts have come from your network just now. Nothing was charged; please wait a few minutes and try again.';
    if (wantsJson(req)) return void res.status(429).json({ error });
    void renderAppeal(deps, csrf, req, res, { ...formStateOf((req.body ?? {}) as Record<string, unknown>), error }, 429);
  };

  router.post('/donate', ...donateLimiters(deps.config, deps.db, limited), csrf.protect, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = formStateOf(body);
    const parsed = parseDonation(body, deps.config.fundraiser);
    if (!parsed.ok) {
      if (wantsJson(req)) return void res.status(400).json({ error: parsed.error });
      return renderAppeal(deps, csrf, req, res, { ...form, error: parsed.error, errorField: parsed.field }, 400);
    }
    const formId = typeof body.form_id === 'string' && /^[\w-]{16,64}$/.test(body.form_id) ? body.form_id : crypto.randomUUID();
    let url: string | null;
    try {
      const session = await createDonationCheckout(deps.stripe, deps.config, { choice: parsed.choice, formId, now: deps.clock() });
      url = session.url;
    } catch (err) {
      deps.logger.error({ err }, 'could not create a Checkout Session');
      url = null;
    }
    if (!url) {
      const error = 'We could not reach our payment processor just now. Nothing was charged; please try again in a moment.';
      if (wantsJson(req)) return void res.status(502).json({ error });
      return renderAppeal(deps, csrf, req, res, { ...form, error }, 502);
    }
    if (wantsJson(req)) return void res.json({ url });
    res.redirect(303, url);
  });

  const onCsrfError: ErrorRequestHandler = (err, req, res, next) => {
    if (!csrf.isCsrfError(err)) return next(err);
    const error = 'This form has expired or was sent from another site. Please choose your gift again.';
    if (wantsJson(req)) return void res.status(403).json({ error });
    void renderAppeal(deps, csrf, req, res, { ...formStateOf((req.body ?? {}) as Record<string, unknown>), error }, 403).catch(next);
  };
  router.use(onCsrfError);
  return router;
}
