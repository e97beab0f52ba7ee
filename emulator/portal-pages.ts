// The Customer Portal's hosted test pages, at the paths Stripe's have (billing.stripe.com/p/...):
// /p/login/:token, a configuration's login page (in test mode the page shows the link Stripe
// would e-mail), and /p/session/:id, a session's portal. Forms POST and answer 303 (to the
// portal again with a notice, or where the session's flow says to go when it is done); an
// expired session says so, and offers a new link when it was made with after_expiration.
import { randomBytes } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type Stripe from 'stripe';
import { TEST_CARDS, type TestCard } from './catalog-objects.ts';
import * as actions from './portal-actions.ts';
import { linkSent, loginForm, messagePage, NOTICES, portalHome } from './portal-views.ts';
import type { BillingPortal, PortalSession } from './portal.ts';
import { CANCELLATION_REASONS } from './portal-configurations.ts';
import { feedbackParam } from './renewals.ts';
import { EmulatorError } from './state.ts';

type Action = 'cancel' | 'resume' | 'update' | 'card';
/** The flow each action completes. */
const COMPLETES: Record<Action, Stripe.BillingPortal.Session.Flow.Type> = {
  cancel: 'subscription_cancel',
  resume: 'subscription_cancel',
  update: 'subscription_update',
  card: 'payment_method_update',
};
/** How many "link sent" pages are kept (each is looked up by a random reference). */
const MAX_SENT = 200;

const notFound = (res: Response) =>
  void res.status(404).send(messagePage('Not found', 'This link is not valid. Ask the site for a new one.'));

export function portalPagesRouter(portal: BillingPortal): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const { state } = portal;
  const sent = new Map<string, { email: string; url: string | null }>();
  const remember = (email: string, url: string | null) => {
    const ref = randomBytes(12).toString('base64url');
    sent.set(ref, { email, url });
    if (sent.size > MAX_SENT) sent.delete(sent.keys().next().value!);
    return ref;
  };
  const field = (req: Request, name: string) => {
    const v = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v.trim() : '';
  };
  const emailOf = (req: Request) => {
    const email = field(req, 'email').slice(0, 200);
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new EmulatorError(400, 'Enter an email address.');
    return email;
  };
  /** Runs a page handler; an EmulatorError becomes a page saying what was wrong. */
  const html = (fn: (req: Request, res: Response) => void) => (req: Request, res: Response) => {
    try {
      fn(req, res);
    } catch (err) {
      if (!(err instanceof EmulatorError)) throw err;
      res.status(err.status).send(messagePage('That did not work', err.message));
    }
  };
  const configOf = (ps: PortalSession) => portal.configuration(String(ps.session.configuration));

  router.get(
    '/p/login/:token',
    html((req, res) => {
      const token = String(req.params.token);
      const config = portal.loginConfiguration(token);
      if (!config) return notFound(res);
      res.send(loginForm(config, `/p/login/${token}`));
    }),
  );
  router.post(
    '/p/login/:token',
    form,
    html((req, res) => {
      const token = String(req.params.token);
      const config = portal.loginConfiguration(token);
      if (!config) return notFound(res);
      const email = emailOf(req);
      const session = portal.loginSession(config, email);
      res.redirect(303, `/p/login/${token}/sent/${remember(email, session?.url ?? null)}`);
    }),
  );
  router.get('/p/login/:token/sent/:ref', (req, res) => {
    const r = sent.get(req.params.ref);
    if (!r || !portal.loginConfiguration(req.params.token)) return notFound(res);
    res.send(linkSent(r.email, r.url));
  });

  /** The session at its URL, or the page that says why not (unknown, expired). */
  const live = (req: Request, res: Response): PortalSession | null => {
    const id = String(req.params.id);
    const ps = portal.use(id);
    if (ps === null) {
      notFound(res);
      return null;
    }
    if (ps !== 'expired') return ps;
    const old = portal.sessions.get(id)!;
    const recoverable = old.session.after_expiration?.type === 'customer_login';
    res
      .status(410)
      .send(
        recoverable
          ? loginForm(configOf(old), `/p/session/${id}/recover`, 'This session has expired')
          : messagePage(
              'This session has expired',
              'Go back to the site and open the portal again.',
              old.session.return_url,
            ),
      );
    return null;
  };

  router.get(
    '/p/session/:id',
    html((req, res) => {
      const ps = live(req, res);
      if (!ps) return;
      const notice = typeof req.query.notice === 'string' ? req.query.notice : undefined;
      res.send(portalHome(state, configOf(ps), ps, notice));
    }),
  );

  /** Where an action's form leads: the flow's after_completion the first time it completes the flow, else the portal. */
  const next = (ps: PortalSession, action: Action, notice: string) => {
    const base = `/p/session/${ps.session.id}`;
    const flow = ps.session.flow;
    if (!flow || ps.flowDone || COMPLETES[action] !== flow.type) return `${base}?notice=${notice}`;
    ps.flowDone = true;
    const done = flow.after_completion;
    if (done.type === 'redirect' && done.redirect) return done.redirect.return_url;
    if (done.type === 'hosted_confirmation') return `${base}/done?notice=${notice}`;
    return `${base}?notice=${notice}`;
  };

  const act = (action: Action, run: (ps: PortalSession, req: Request) => string) =>
    router.post(
      `/p/session/:id/${action}`,
      form,
      html((req, res) => {
        const ps = live(req, res);
        if (!ps) return;
        const notice = run(ps, req);
        res.redirect(303, next(ps, action, notice));
      }),
    );
  const subscription = (ps: PortalSession, req: Request) =>
    actions.ownSubscription(state, ps.session.customer, field(req, 'subscription'));

  act('cancel', (ps, req) => {
    const reason = field(req, 'reason');
    if (reason && !(CANCELLATION_REASONS as readonly string[]).includes(reason))
      throw new EmulatorError(400, 'That reason is not one of the options.');
    const said = feedbackParam({ feedback: reason, comment: field(req, 'comment').slice(0, 500) });
    const sub = actions.cancelSubscription(state, configOf(ps), subscription(ps, req), said);
    return sub.status === 'canceled' ? 'canceled' : 'ending';
  });
  act('resume', (ps, req) => {
    actions.resumeSubscription(state, subscription(ps, req));
    return 'resumed';
  });
  act('update', (ps, req) => {
    actions.changePrice(state, configOf(ps), subscription(ps, req), field(req, 'price'));
    return 'updated';
  });
  act('card', (ps, req) => {
    if (!configOf(ps).features.payment_method_update.enabled)
      throw new EmulatorError(400, 'Updating the card is not offered here.');
    const card = field(req, 'card');
    if (!Object.hasOwn(TEST_CARDS, card)) throw new EmulatorError(400, 'Choose one of the test cards.');
    actions.updateCard(state, ps.session.customer, card as TestCard);
    return 'card';
  });

  router.get(
    '/p/session/:id/done',
    html((req, res) => {
      const ps = live(req, res);
      if (!ps) return;
      const confirmation = ps.session.flow?.after_completion.hosted_confirmation?.custom_message;
      const notice = typeof req.query.notice === 'string' ? NOTICES[req.query.notice] : undefined;
      res.send(messagePage('Done', confirmation ?? notice ?? 'Your changes are saved.', ps.session.return_url));
    }),
  );

  router.post(
    '/p/session/:id/recover',
    form,
    html((req, res) => {
      const old = portal.sessions.get(String(req.params.id));
      if (!old) return notFound(res);
      const email = emailOf(req);
      const session = portal.use(old.session.id) === 'expired' ? portal.recoverSession(old, email) : old.session;
      res.redirect(303, `/p/session/${old.session.id}/sent/${remember(email, session?.url ?? null)}`);
    }),
  );
  router.get('/p/session/:id/sent/:ref', (req, res) => {
    const r = sent.get(req.params.ref);
    if (!r || !portal.sessions.has(req.params.id)) return notFound(res);
    res.send(linkSent(r.email, r.url));
  });

  // Test control, beside the others (pages.ts): the session's URL stops working now.
  router.post('/_emulator/portal-sessions/:id/expire', (req, res) => void res.json(portal.expire(req.params.id)));
  return router;
}
