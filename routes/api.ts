import { Router } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import { ping } from '../lib/db/index.ts';
import { allowHostOrigins, SHORT_PUBLIC_CACHE } from './public-cache.ts';

export function apiRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get('/api/progress', async (req, res) => {
    const p = await deps.ledger.progress();
    allowHostOrigins(req, res, deps.config);
    res.set('Cache-Control', SHORT_PUBLIC_CACHE);
    res.json({ currency: p.currency, goal: p.goal, raised: p.raised, donors: p.donors, percent: p.percent, updatedAt: p.updatedAt });
  });

  router.get('/healthz', async (_req, res) => {
    const ok = await ping(deps.db);
    res.set('Cache-Control', 'no-store');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'database unavailable' });
  });

  return router;
}
