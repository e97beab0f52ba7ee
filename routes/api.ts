import { Router } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import { timingSafeEqual } from 'node:crypto';
import { ping } from '../lib/db/database.ts';
import type { Progress } from '../lib/ledger/ledger.ts';

/** The public figures, as GET /api/progress answers them. */
export function progressJson(p: Progress): string {
  return JSON.stringify({ currency: p.currency, goal: p.goal, raised: p.raised, donors: p.donors, percent: p.percent, updatedAt: p.updatedAt });
}

export function apiRoutes(deps: AppDeps): Router {
  const router = Router();

  // GET /api/progress is served by the hot path (routes/hot-path.ts).

  // Ready to take traffic: the database answers and we are not draining for a shutdown.
  router.get('/readyz', async (_req, res) => {
    const ok = !deps.lifecycle.shuttingDown && (await ping(deps.db));
    res.set('Cache-Control', 'no-store');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : deps.lifecycle.shuttingDown ? 'shutting down' : 'database unavailable' });
  });

  // Prometheus metrics, only with METRICS_TOKEN set and presented as a bearer token.
  router.get('/metrics', async (req, res) => {
    const token = deps.config.metricsToken;
    if (!token) return void res.status(404).json({ error: 'Not found' });
    const given = Buffer.from(req.header('authorization') ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return void res.status(401).json({ error: 'Unauthorized' });
    res.set('Content-Type', deps.metrics.registry.contentType);
    res.set('Cache-Control', 'no-store');
    res.send(await deps.metrics.registry.metrics());
  });

  router.get('/healthz', async (_req, res) => {
    const ok = await ping(deps.db);
    res.set('Cache-Control', 'no-store');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'database unavailable' });
  });

  return router;
}
