// Stripe's events: raw body, signature checked, recorded before we answer 2xx.
import express, { Router } from 'express';
import type Stripe from 'stripe';
import type { AppDeps } from '../lib/wiring.ts';
import { handleStripeEvent } from '../lib/payments/events.ts';
import { requestId } from '../lib/logger.ts';

const SIGNATURE_TOLERANCE_SECONDS = 300;

export function webhookRoutes(deps: AppDeps): Router {
  const router = Router();
  // "Last webhook received" for the staff view: written at most once a second, not per event.
  let lastNoted = 0;
  const noteArrival = async (event: Stripe.Event) => {
    const now = deps.clock();
    if (now.getTime() - lastNoted < 1000) return;
    lastNoted = now.getTime();
    await deps.ledger.noteWebhook({ id: event.id, type: event.type }, now);
  };
  router.post('/webhooks/stripe', express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    const reqId = requestId(req, res);
    const signature = req.header('stripe-signature');
    if (!signature || !Buffer.isBuffer(req.body)) {
      deps.metrics.webhookEvents.inc({ type: 'unknown', result: 'rejected' });
      return void res.status(400).json({ error: 'Missing Stripe-Signature header or body' });
    }
    let event: Stripe.Event;
    try {
      event = deps.stripe.webhooks.constructEvent(req.body, signature, deps.config.stripe.webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
    } catch (err) {
      deps.logger.warn({ reqId, reason: (err as Error).message }, 'webhook rejected: bad signature or body');
      deps.metrics.webhookEvents.inc({ type: 'unknown', result: 'rejected' });
      return void res.status(400).json({ error: 'Invalid signature or payload' });
    }
    if (!event || typeof event.id !== 'string' || typeof event.type !== 'string' || !event.data?.object) {
      return void res.status(400).json({ error: 'Not a Stripe event' });
    }
    try {
      await noteArrival(event);
      const outcome = await handleStripeEvent({ ledger: deps.ledger, fundraiser: deps.config.fundraiser, stripe: deps.stripe }, event);
      deps.logger.info({ reqId, event: event.id, type: event.type, result: outcome.result }, 'webhook handled');
      deps.metrics.webhookEvents.inc({ type: event.type, result: outcome.result });
      res.json({ received: true, result: outcome.result });
    } catch (err) {
      // 5xx makes Stripe retry; nothing was committed because the transaction rolled back.
      deps.logger.error({ reqId, err, event: event.id, type: event.type }, 'webhook could not be recorded');
      deps.metrics.webhookEvents.inc({ type: event.type, result: 'failed' });
      res.status(500).json({ error: 'Could not record the event; please retry' });
    }
  });
  return router;
}
