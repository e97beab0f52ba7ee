// Stripe's events: raw body, signature checked, recorded before we answer 2xx. Written on
// node:http's request and response alone (no Express on the way in or out): year-end bursts
// arrive here, and Express's request set-up and per-response header work cost more than
// checking the signature. createApp's listener (app.ts) sends POST /webhooks/stripe here
// before Express sees it (as Express would: a trailing slash and letter case do not matter).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeAfterAnswer, readBodyWithin } from './middleware/body-deadline.ts';
import type Stripe from 'stripe';
import type { AppDeps } from '../lib/wiring.ts';
import { handleStripeEvent, otherApiVersion } from '../lib/payments/events.ts';
import { RefusedFacts } from '../lib/ledger/facts-check.ts';
import { requestId } from '../lib/logger.ts';

export const WEBHOOK_PATH = '/webhooks/stripe';
const SIGNATURE_TOLERANCE_SECONDS = 300;
const BODY_LIMIT = 512 * 1024;

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** How far ahead of this clock a signature's timestamp may be (clock drift). */
const FUTURE_TOLERANCE_SECONDS = 300;

export function webhookHandler(deps: AppDeps, securityHeaders: Record<string, string>): WebhookHandler {
  const jsonHeaders = { ...securityHeaders, 'content-type': 'application/json; charset=utf-8' };
  type Answer = [status: number, body: object, headers?: Record<string, string>];
  const rejected = () => deps.metrics.webhookEvents.inc({ type: 'unknown', result: 'rejected' });

  // "Last webhook received" for the staff view: written at most once a second, not per event;
  // an event in another API version at least once a minute, for the warning it raises.
  let lastNoted = 0;
  let lastOtherNoted = 0;
  const noteArrival = async (event: Stripe.Event) => {
    const now = deps.clock().getTime();
    const other = otherApiVersion(event) && now - lastOtherNoted >= 60_000;
    if (!other && now - lastNoted < 1000) return;
    lastNoted = now;
    if (other) lastOtherNoted = now;
    const version = other ? (event.api_version ?? 'none') : undefined;
    await deps.ledger.noteWebhook({ id: event.id, type: event.type }, new Date(now), version);
  };

  // Bodies being read, not yet signature-checked: anyone can start one, so they are capped
  // (past the cap 503 with Retry-After, which Stripe retries) and each has a deadline.
  let pendingBodies = 0;

  async function handle(req: IncomingMessage, reqId: string): Promise<Answer> {
    if (pendingBodies >= deps.config.bodies.webhookMaxPending) {
      rejected();
      deps.logger.warn({ reqId, pendingBodies }, 'webhook refused unread: too many bodies in flight');
      return [503, { error: 'Busy; please retry' }, { 'retry-after': '5' }];
    }
    let body: Buffer;
    pendingBodies++;
    try {
      body = await readBodyWithin(req, { limitBytes: BODY_LIMIT, deadlineMs: deps.config.bodies.webhookDeadlineMs });
    } catch (err) {
      // Too large (413), not whole within the deadline (408), or cut short / not matching its
      // Content-Length (400): nothing written.
      const given = (err as { status?: number }).status;
      const status = given === 413 || given === 408 ? given : 400;
      rejected();
      deps.logger.warn({ reqId, reason: (err as Error).message }, 'webhook rejected: body unreadable');
      const error =
        status === 413
          ? 'That request was too large.'
          : status === 408
            ? 'The request body took too long.'
            : 'The request body could not be read.';
      return [status, { error }];
    } finally {
      pendingBodies--;
    }
    const signature = req.headers['stripe-signature'];
    if (typeof signature !== 'string' || signature === '' || body.length === 0) {
      rejected();
      return [400, { error: 'Missing Stripe-Signature header or body' }];
    }
    let event: Stripe.Event;
    try {
      event = deps.stripe.webhooks.constructEvent(
        body,
        signature,
        deps.config.stripe.webhookSecret,
        SIGNATURE_TOLERANCE_SECONDS,
      );
    } catch (err) {
      deps.logger.warn({ reqId, reason: (err as Error).message }, 'webhook rejected: bad signature or body');
      rejected();
      return [400, { error: 'Invalid signature or payload' }];
    }
    // constructEvent's tolerance only bounds the past: a signature "from the future" would stay
    // replayable until then. Stripe signs as it sends, so more than 5 minutes ahead is refused.
    // The t= that Stripe's own parser checked the signature against: its last one, so an
    // earlier, present t= cannot hide a future one.
    const stamps = signature.split(',').filter((item) => item.split('=')[0] === 't');
    const signedAt = Number.parseInt(stamps.at(-1)?.split('=')[1] ?? '', 10);
    if (!(signedAt <= Date.now() / 1000 + FUTURE_TOLERANCE_SECONDS)) {
      deps.logger.warn({ reqId, signedAt }, 'webhook rejected: signature timestamp in the future');
      rejected();
      return [400, { error: 'Invalid signature or payload' }];
    }
    if (!event || typeof event.id !== 'string' || typeof event.type !== 'string' || !event.data?.object) {
      rejected();
      return [400, { error: 'Not a Stripe event' }];
    }
    if (otherApiVersion(event)) {
      // Read again in the pinned version (lib/payments/events.ts); the endpoint wants fixing.
      const apiVersion = event.api_version ?? 'none';
      deps.logger.warn(
        { reqId, event: event.id, apiVersion },
        'webhook rendered in another API version than the pinned one',
      );
      deps.metrics.webhookApiVersions.inc({ api_version: apiVersion });
    }
    try {
      await noteArrival(event);
      // A redelivery of an event already recorded (every write stores its event id in the same
      // transaction) changes nothing: answered from one read, without Stripe or the writer.
      const outcome: Awaited<ReturnType<typeof handleStripeEvent>> = (await deps.ledger.recordedEvent(event.id))
        ? { result: 'duplicate-event' }
        : await handleStripeEvent(
            { ledger: deps.ledger, fundraiser: deps.config.fundraiser, stripe: deps.stripe, clock: deps.clock },
            event,
          );
      const line = { reqId, event: event.id, type: event.type, result: outcome.result };
      if ('warning' in outcome && outcome.warning)
        deps.logger.warn({ ...line, warning: outcome.warning }, 'webhook handled');
      else deps.logger.info(line, 'webhook handled');
      deps.metrics.webhookEvents.inc({ type: event.type, result: outcome.result });
      return [200, { received: true, result: outcome.result }];
    } catch (err) {
      if (err instanceof RefusedFacts) return refuse(event, err, reqId);
      // 5xx makes Stripe retry; nothing was committed because the transaction rolled back.
      deps.logger.error(
        { reqId, err, event: event.id, type: event.type, result: 'failed' },
        'webhook could not be recorded',
      );
      deps.metrics.webhookEvents.inc({ type: event.type, result: 'failed' });
      return [500, { error: 'Could not record the event; please retry' }];
    }
  }

  /**
   * Facts the ledger refuses stay refused on every retry, and an endpoint that keeps failing
   * is disabled by Stripe (every later gift lost with it): acknowledged, kept, warned about.
   */
  async function refuse(event: Stripe.Event, err: RefusedFacts, reqId: string): Promise<Answer> {
    deps.logger.error(
      { reqId, event: event.id, type: event.type, reason: err.message },
      'webhook refused by the ledger',
    );
    deps.metrics.webhookEvents.inc({ type: event.type, result: 'refused' });
    try {
      await deps.ledger.noteRefusedEvent({ id: event.id, type: event.type }, err.message, deps.clock());
    } catch (noteErr) {
      deps.logger.error({ reqId, err: noteErr, event: event.id }, 'refused webhook could not be kept');
      return [500, { error: 'Could not record the event; please retry' }];
    }
    return [200, { received: true, result: 'refused' }];
  }

  return (req, res) => {
    const reqId = requestId(req, res);
    // In the same histogram as the routes behind Express.
    const observe = deps.metrics.httpDuration.startTimer({ method: 'POST', route: WEBHOOK_PATH });
    handle(req, reqId)
      .catch((err): Answer => {
        // Only a fault in this file gets here; the request still gets an answer.
        deps.logger.error({ reqId, err }, 'webhook handler failed');
        return [500, { error: 'Could not record the event; please retry' }];
      })
      .then(([status, body, headers]) => {
        const text = JSON.stringify(body);
        closeAfterAnswer(req, res);
        res.writeHead(status, { ...jsonHeaders, ...headers, 'content-length': Buffer.byteLength(text) });
        res.end(text);
        observe({ status: String(status) });
      })
      .catch((err) => {
        // The answer itself could not be written (the client went away mid-write): end the
        // connection rather than leave an unhandled rejection to stop the process.
        deps.logger.warn({ reqId, err }, 'webhook answer could not be written');
        res.destroy();
      });
  };
}
