// GET /api/progress (the public figures, on the fast lane), the probes and /metrics.
import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { apiVersionDrift, refusedEventsWarning, refusedSince } from '../lib/monitoring.ts';
import { STRIPE_API_VERSION } from '../lib/payments/stripe.ts';
import type { AppDeps } from '../lib/wiring.ts';
import type { Progress } from '../lib/ledger/types.ts';
import type { FastEntry } from './fast-lane.ts';
import { PUBLIC_FIGURES_HEADERS } from './middleware/public-cache.ts';

/** The public figures, as GET /api/progress answers them. */
function progressJson(p: Progress): string {
  const { currency, goal, raised, donors, percent, updatedAt, daysLeft, stretchMessage } = p;
  // The contract's six fields first; the bar's extras (#18) after, never instead.
  const goalReached = raised >= goal;
  return JSON.stringify({ currency, goal, raised, donors, percent, updatedAt, daysLeft, goalReached, stretchMessage });
}

export function apiFastEntries(security: Record<string, string>): FastEntry[] {
  return [
    {
      path: '/api/progress',
      type: 'json',
      cors: true,
      headers: { ...security, ...PUBLIC_FIGURES_HEADERS },
      body: progressJson,
    },
  ];
}

export function apiRoutes(deps: AppDeps): Router {
  const router = Router();

  // Ready to take traffic: the database answers and we are not draining for a shutdown. What
  // wants fixing but does not stop the instance serving is listed under `warnings` (still 200).
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (deps.lifecycle.shuttingDown) return void res.status(503).json({ status: 'shutting down' });
    if (!(await deps.databaseAnswers())) return void res.status(503).json({ status: 'database unavailable' });
    // Reads answering is not enough: a full or read-only disk fails every webhook and donation.
    const cannotWrite = await deps.databaseWrites();
    if (cannotWrite) return void res.status(503).json({ status: 'database cannot write', reason: cannotWrite });
    const status = 'ready';
    const last = await deps.ledger.lastWebhook().catch(() => null);
    const refused = await deps.ledger.refusedEvents(refusedSince(deps.clock())).catch(() => null);
    const warnings = [
      apiVersionDrift(last, deps.clock(), STRIPE_API_VERSION),
      refused && refusedEventsWarning(refused),
    ].filter((w): w is string => Boolean(w));
    res.json(warnings.length ? { status, warnings } : { status });
  });

  // Prometheus metrics, only with METRICS_TOKEN set and presented as a bearer token.
  router.get('/metrics', async (req, res) => {
    const token = deps.config.metricsToken;
    if (!token) return void res.status(404).json({ error: 'Not found' });
    const given = Buffer.from(req.header('authorization') ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return void res.status(401).json({ error: 'Unauthorized' });
    }
    res.set('Content-Type', deps.metrics.registry.contentType);
    res.set('Cache-Control', 'no-store');
    res.send(await deps.metrics.registry.metrics());
  });

  router.get('/healthz', async (_req, res) => {
    const ok = await deps.databaseAnswers();
    res.set('Cache-Control', 'no-store');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'database unavailable' });
  });

  return router;
}
