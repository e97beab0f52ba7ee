import { Router } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import { parseDonation } from '../lib/donation-options.ts';
import { renderAppeal, type FormState } from './appeal-page.ts';

export function donateRoutes(deps: AppDeps): Router {
  const router = Router();
  router.post('/donate', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const wantsJson = req.accepts(['html', 'json']) === 'json';
    const form: FormState = {
      amount: typeof body.amount === 'string' ? body.amount : undefined,
      otherAmount: typeof body.other_amount === 'string' ? body.other_amount : undefined,
      frequency: typeof body.frequency === 'string' ? body.frequency : undefined,
    };
    const parsed = parseDonation(body, deps.config.fundraiser);
    if (!parsed.ok) {
      if (wantsJson) return void res.status(400).json({ error: parsed.error });
      return renderAppeal(deps, res, { ...form, error: parsed.error, errorField: parsed.field }, 400);
    }
    const message = 'Online giving is not switched on yet on this site. Nothing was charged.';
    if (wantsJson) return void res.status(501).json({ error: message });
    return renderAppeal(deps, res, { ...form, error: message }, 501);
  });
  return router;
}
