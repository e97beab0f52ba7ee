// Renders the appeal with the current totals; shared by GET / and the donate form's errors.
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import type { Csrf } from '../lib/csrf.ts';
import { AVERAGE_GIFT_PRESET, PRESET_AMOUNTS } from '../lib/donation-options.ts';
import { appealNumbers, fillCopy } from './appeal-copy.ts';

export interface FormState {
  amount?: string;
  otherAmount?: string;
  frequency?: string;
  error?: string;
  errorField?: 'amount' | 'frequency';
  notice?: string;
}

export async function renderAppeal(deps: AppDeps, csrf: Csrf, req: Request, res: Response, form: FormState, status = 200): Promise<void> {
  const progress = await deps.ledger.progress();
  // The page carries a per-visitor token, so shared caches must not keep it.
  res.set('Cache-Control', 'private, no-store');
  const numbers = appealNumbers(deps.config, progress);
  res.status(status).render('appeal', {
    title: deps.appeal.title,
    appeal: { ...deps.appeal, letter: deps.appeal.letter.map((p) => fillCopy(p, numbers)) },
    org: deps.config.fundraiser.orgName,
    progress,
    presets: PRESET_AMOUNTS,
    averagePreset: AVERAGE_GIFT_PRESET,
    limits: { min: deps.config.fundraiser.donationMin, max: deps.config.fundraiser.donationMax },
    siteUrl: deps.config.fundraiser.siteUrl,
    csrfToken: csrf.token(req, res),
    formId: randomBytes(16).toString('base64url'),
    form,
  });
}
