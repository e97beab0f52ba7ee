// An admin cancels a monthly pledge (a donor who wrote in, a card reported stolen): at the end
// of the paid month or at once, with a reason, after a confirmation page. Stripe does the
// cancelling; its answer is recorded at once (the webhook that follows changes nothing more),
// and the action goes into the change log. Viewers cannot.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type Stripe from 'stripe';
import type { AppDeps } from '../lib/wiring.ts';
import type { Csrf } from './middleware/csrf.ts';
import { recordSubscriptionState } from '../lib/payments/record-pledges.ts';

export interface StaffGuards {
  page: RequestHandler;
  admin: RequestHandler;
  csrf: Csrf;
  render(req: Request, res: Response, view: string, locals: Record<string, unknown>, status?: number): void;
}

const SUBSCRIPTION_ID = /^sub_[A-Za-z0-9_]{1,250}$/;
const WHEN = ['period_end', 'now'] as const;
type When = (typeof WHEN)[number];

export function staffPledgeRoutes(deps: AppDeps, g: StaffGuards): Router {
  const router = Router();

  async function show(req: Request, res: Response, form: { when?: string; reason?: string; error?: string } = {}) {
    const id = String(req.params.id);
    const pledge = SUBSCRIPTION_ID.test(id) ? await deps.ledger.findPledge(id) : undefined;
    if (!pledge)
      return void res.status(404).render('error', {
        title: 'No such pledge',
        message: 'There is no monthly pledge with that id.',
        noindex: true,
      });
    const status = form.error ? 400 : 200;
    g.render(
      req,
      res,
      'cancel-pledge',
      { title: 'Cancel a monthly pledge', pledge, form, done: req.query.done === '1' },
      status,
    );
  }

  router.get('/staff/pledges/:id/cancel', g.page, g.admin, (req, res) => show(req, res));

  router.post('/staff/pledges/:id/cancel', g.page, g.admin, g.csrf.protect, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const when = typeof body.when === 'string' ? body.when : '';
    const reason = typeof body.reason === 'string' ? body.reason.replace(/[\u0000-\u001f\u007f]/g, ' ').trim() : '';
    const form = { when, reason };
    if (!(WHEN as readonly string[]).includes(when))
      return show(req, res, { ...form, error: 'Choose when the pledge ends.' });
    if (reason.length < 3 || reason.length > 500)
      return show(req, res, { ...form, error: 'Give the reason, in 3 to 500 characters.' });
    const id = String(req.params.id);
    const pledge = SUBSCRIPTION_ID.test(id) ? await deps.ledger.findPledge(id) : undefined;
    if (!pledge) return show(req, res);
    if (pledge.status === 'ended') return show(req, res, { ...form, error: 'This pledge has already ended.' });

    const staff = res.locals.staff!;
    let sub: Stripe.Subscription;
    try {
      sub = await cancelAtStripe(deps.stripe, id, when as When, `${reason} (staff: ${staff.email})`);
    } catch (err) {
      deps.logger.error({ err, subscription: id }, 'staff could not cancel a pledge at Stripe');
      return show(req, res, { ...form, error: 'Stripe did not accept the change just now; nothing was changed.' });
    }
    // Stripe has it now: the change log says so before anything else can fail.
    const end = when === 'now' ? 'at once' : 'at the end of the paid month';
    await deps.ledger.logStaffAction(
      staff.email,
      'pledge cancelled',
      `${id} (${pledge.email ?? 'no e-mail'}) ${end}: ${reason}`,
    );
    // Shown at once; the webhook that follows says the same. Timed in whole seconds, as Stripe's
    // events are, so that webhook is not taken for an older state.
    const now = Math.floor(deps.clock().getTime() / 1000) * 1000;
    await recordSubscriptionState({ ledger: deps.ledger, fundraiser: deps.config.fundraiser }, sub, {
      occurredAt: new Date(now),
    }).catch((err: unknown) => deps.logger.error({ err, subscription: id }, 'a cancelled pledge was not recorded yet'));
    res.redirect(303, `/staff/pledges/${id}/cancel?done=1`);
  });
  return router;
}

function cancelAtStripe(stripe: Stripe, id: string, when: When, comment: string): Promise<Stripe.Subscription> {
  const cancellation_details = { comment: comment.slice(0, 5000) };
  return when === 'now'
    ? stripe.subscriptions.cancel(id, { cancellation_details })
    : stripe.subscriptions.update(id, { cancel_at_period_end: true, cancellation_details });
}
