import { Router } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import { PRESET_AMOUNTS } from '../lib/appeal/donation-options.ts';
import { renderAppeal, type LandingPage } from './appeal-page.ts';

const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 20) : undefined);

export function appealRoutes(deps: AppDeps, landing: LandingPage): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const q = req.query;
    const amount = str(q.amount);
    const frequency = str(q.frequency);
    const cancelled = q.cancelled !== undefined;
    if (amount === undefined && frequency === undefined && !cancelled) return landing(req, res);
    // A cancelled checkout comes back here with the reader's choice, so it is kept.
    const isPreset = (PRESET_AMOUNTS as readonly number[]).map(String).includes(amount ?? '');
    await renderAppeal(deps, req, res, {
      amount: amount === undefined ? undefined : isPreset ? amount : 'other',
      otherAmount: amount !== undefined && !isPreset ? amount : undefined,
      frequency,
      notice: cancelled ? 'Your checkout was cancelled and nothing was charged. You can try again whenever you like.' : undefined,
    });
  });
  return router;
}
