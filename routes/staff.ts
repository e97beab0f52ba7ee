// The staff area: login, dashboard, gifts, CSV export, settings. Every route but the login
// page needs a session; pages send strangers to the login, data answers them 401.
import { pipeline } from 'node:stream/promises';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import session from 'express-session';
import { stringify } from 'csv-stringify';
import type { AppDeps } from '../lib/wiring.ts';
import type { Csrf } from './middleware/csrf.ts';
import { CONTRIBUTION_STATUSES, type ContributionStatus } from '../lib/ledger/types.ts';
import { loginLimiters } from './middleware/rate-limits.ts';
import type { StaffUser } from '../lib/staff/users.ts';
import { CSV_COLUMNS, type GiftFilter } from '../lib/ledger/reports.ts';
import { STATEMENT_COLUMNS } from '../lib/ledger/statements.ts';
import { toMinor } from '../lib/money.ts';
import { staffPledgeRoutes } from './staff-pledges.ts';
import { staffStretchRoutes } from './staff-stretch.ts';
import { staffExperimentRoutes } from './staff-experiments.ts';

const SESSION_TTL_MS = 8 * 3600_000;

declare module 'express-serve-static-core' {
  interface Locals {
    staff?: StaffUser;
  }
}

export function staffRoutes(deps: AppDeps, csrf: Csrf): Router {
  const router = Router();
  const secure = deps.config.isHttps;
  router.use(
    '/staff',
    session({
      name: secure ? '__Host-fr.staff' : 'fr.staff',
      secret: deps.config.secret,
      store: deps.stores.staffSessions(SESSION_TTL_MS),
      resave: false,
      saveUninitialized: false,
      // Not rolling: a session ends 8 hours after login, however long a dashboard tab polls.
      rolling: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_TTL_MS, path: '/' },
    }),
    async (req, res, next) => {
      res.set('Cache-Control', 'private, no-store');
      const id = req.session.staffUserId;
      if (id !== undefined) {
        const staff = await deps.staffAccounts.find(id);
        if (staff) res.locals.staff = staff;
        else delete req.session.staffUserId; // the account was removed
      }
      next();
    },
  );

  const page: RequestHandler = (req, res, next) => {
    if (res.locals.staff) return next();
    res.redirect(302, `/staff/login?next=${encodeURIComponent(req.originalUrl)}`);
  };
  const data: RequestHandler = (_req, res, next) =>
    res.locals.staff ? next() : void res.status(401).json({ error: 'Log in first.' });
  const admin: RequestHandler = (_req, res, next) =>
    res.locals.staff?.role === 'admin'
      ? next()
      : void res
          .status(403)
          .render('error', { title: 'Not allowed', message: 'Only an admin can do that.', noindex: true });

  const render = (req: Request, res: Response, view: string, locals: Record<string, unknown>, status = 200) =>
    res.status(status).render(`staff/${view}`, {
      noindex: true,
      staffStyles: true,
      staff: res.locals.staff,
      csrfToken: csrf.token(req, res),
      path: req.originalUrl.split('?')[0],
      ...locals,
    });

  // Login: generic errors; failures throttled per address and per account from one address,
  // and slowed (never refused) per account: see loginLimiters.
  const loginFailed = (req: Request, res: Response) =>
    render(
      req,
      res,
      'login',
      {
        title: 'Staff login',
        error: 'Too many failed attempts from your address. Wait 15 minutes and try again.',
        email: '',
        next: '',
      },
      429,
    );
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const throttle = loginLimiters(deps.config, deps.stores.rateLimit, loginFailed, sleep);
  const safeNext = (v: unknown) => (typeof v === 'string' && /^\/staff(\/[\w./?=&%-]*)?$/.test(v) ? v : '/staff');

  // An https site behind a proxy it does not trust sees its requests as http: the Secure
  // session cookie is never set and a login would fail silently. It says so instead, and
  // refuses before any session (or CSRF cookie) is made.
  const proxyNotTrusted = (req: Request) => secure && !req.secure;
  const PROXY_ERROR =
    'This site is set up for https, but this request did not arrive as https, so nobody can log in. ' +
    'An administrator must set TRUST_PROXY to the load balancer in front of the site (see the README).';

  router.get('/staff/login', (req, res) => {
    if (res.locals.staff) return res.redirect(302, '/staff');
    const error = proxyNotTrusted(req) ? PROXY_ERROR : null;
    render(req, res, 'login', { title: 'Staff login', error, email: '', next: safeNext(req.query.next) });
  });

  const refuseUntrustedProxy: RequestHandler = (req, res, next) => {
    if (!proxyNotTrusted(req)) return next();
    deps.logger.error(
      { ip: req.ip },
      'staff login refused: BASE_URL is https but requests arrive as http (TRUST_PROXY)',
    );
    res.status(503).render('error', { title: 'Staff login is not possible', message: PROXY_ERROR, noindex: true });
  };

  router.post('/staff/login', refuseUntrustedProxy, csrf.protect, ...throttle, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.slice(0, 200) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 1000) : '';
    const staff = email && password ? await deps.staffAccounts.authenticate(email, password) : null;
    if (!staff) {
      deps.logger.warn({ ip: req.ip }, 'staff login failed');
      return render(
        req,
        res,
        'login',
        {
          title: 'Staff login',
          error: 'That e-mail and password do not match an account.',
          email,
          next: safeNext(body.next),
        },
        401,
      );
    }
    // A new session id at login, so a planted cookie cannot ride into the staff area.
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.staffUserId = staff.id;
      req.session.save((err2) => (err2 ? next(err2) : res.redirect(303, safeNext(body.next))));
    });
  });

  router.post('/staff/logout', csrf.protect, (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(secure ? '__Host-fr.staff' : 'fr.staff', { path: '/', httpOnly: true, sameSite: 'lax', secure });
      res.redirect(303, '/staff/login');
    });
  });

  router.get('/staff', page, async (req, res) => {
    render(req, res, 'dashboard', { title: 'Fundraiser dashboard', d: await deps.ledger.dashboard() });
  });

  router.get('/staff/api/summary', data, async (_req, res) => {
    const d = await deps.ledger.dashboard();
    // The revision is this instance's cache key, nothing a dashboard could use.
    const { revision: _revision, ...figures } = d.progress;
    res.json({
      ...figures,
      averageGift: d.averageGift,
      paidGifts: d.paidGifts,
      activePledges: d.pledges.active,
      pledges: d.pledges.byStatus,
      byCurrency: d.byCurrency,
      byLanguage: d.byLanguage,
      lastWebhook: d.lastWebhook,
      webhookWarning: d.webhookWarning,
      apiVersionWarning: d.apiVersionWarning,
      refusedWarning: d.refusedWarning,
    });
  });

  router.get('/staff/gifts', page, async (req, res) => {
    const { filter, errors, query } = parseFilter(req, deps.config.fundraiser.currency);
    // Keyset: the gifts older than `before` (an id), so a deep page costs what the first does.
    const asked = Number.parseInt(String(req.query.before ?? ''), 10);
    const before = Number.isSafeInteger(asked) && asked > 0 ? asked : null;
    const result = await deps.ledger.giftPage(filter, before);
    render(req, res, 'gifts', {
      title: 'Gifts',
      ...result,
      before,
      query,
      errors,
      statuses: CONTRIBUTION_STATUSES,
      isAdmin: res.locals.staff?.role === 'admin',
    });
  });

  router.get('/staff/gifts.csv', data, async (req, res) => {
    const { filter, errors } = parseFilter(req, deps.config.fundraiser.currency);
    if (errors.length) return void res.status(400).json({ error: errors.join(' ') });
    const name = `gifts-${filter.from ?? 'start'}-to-${filter.to ?? 'now'}.csv`;
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${name}"`);
    // Cells that start with = + - @ are neutralised, so a donor named =HYPERLINK(...) stays text.
    await pipeline(
      deps.ledger.giftRecords(filter, res.locals.staff?.role === 'admin'),
      stringify({ header: true, columns: [...CSV_COLUMNS], escape_formulas: true }),
      res,
    );
  });

  // Yearly statements name donors by e-mail: admins only.
  router.get('/staff/statements.csv', data, admin, async (req, res) => {
    const year = Number(req.query.year);
    if (!Number.isInteger(year) || year < 2000 || year > 2100)
      return void res.status(400).json({ error: '"year" must be a year such as 2026.' });
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="donor-statements-${year}.csv"`);
    await pipeline(
      deps.ledger.statementRecords(year),
      stringify({ header: true, columns: [...STATEMENT_COLUMNS], escape_formulas: true }),
      res,
    );
  });

  router.get('/staff/settings', page, admin, async (req, res) => {
    render(req, res, 'settings', {
      title: 'Campaign settings',
      progress: await deps.ledger.progress(),
      changes: await deps.ledger.recentChanges(),
      error: null,
      notice: req.query.saved ? 'Saved.' : null,
    });
  });

  /** The settings page again with the form's error (400); `extra`: what the form keeps of the input. */
  const settingsError = async (req: Request, res: Response, error: string, extra: Record<string, unknown> = {}) =>
    render(
      req,
      res,
      'settings',
      {
        title: 'Campaign settings',
        progress: await deps.ledger.progress(),
        changes: await deps.ledger.recentChanges(),
        error,
        notice: null,
        ...extra,
      },
      400,
    );

  router.post('/staff/settings/goal', page, admin, csrf.protect, async (req, res) => {
    const goal = wholeAmount((req.body as Record<string, unknown>)?.goal);
    if (goal === null) return settingsError(req, res, 'The goal must be a whole amount greater than 0.');
    await deps.ledger.setGoal(toMinor(goal, deps.config.fundraiser.currency), res.locals.staff!.email);
    res.redirect(303, '/staff/settings?saved=1');
  });

  router.post('/staff/adjustments', page, admin, csrf.protect, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const amount = wholeAmount(body.amount);
    const reason = typeof body.reason === 'string' ? plainText(body.reason).slice(0, 500) : '';
    const received = calendarDate(body.received_on);
    if (amount === null) return settingsError(req, res, 'The amount must be a whole amount greater than 0.');
    if (received === 'no such day')
      return settingsError(req, res, `There is no such day as ${String(body.received_on)}: check the date received.`);
    if (!received) return settingsError(req, res, 'Give the date the money was received.');
    const progress = await deps.ledger.progress();
    if (received.getTime() > deps.clock().getTime() + 86_400_000)
      return settingsError(req, res, 'The date received cannot be in the future.');
    if (received.toISOString() < progress.startsAt || received.toISOString() >= progress.endsAt) {
      return settingsError(
        req,
        res,
        `The date received must fall within campaign ${progress.campaign} (${progress.startsAt.slice(0, 10)} to ${progress.endsAt.slice(0, 10)}).`,
      );
    }
    if (reason.length < 3)
      return settingsError(req, res, 'Say where the money came from (for example "cheque from J. Smith, no. 1234").');
    const donorName =
      typeof body.donor_name === 'string' && plainText(body.donor_name)
        ? plainText(body.donor_name).slice(0, 200)
        : null;
    await deps.ledger.recordManualGift({
      amountMinor: toMinor(amount, deps.config.fundraiser.currency),
      receivedAt: received,
      reason,
      donorName,
      staffEmail: res.locals.staff!.email,
    });
    res.redirect(303, '/staff/settings?saved=1');
  });

  router.use(staffPledgeRoutes(deps, { page, admin, csrf, render }));
  router.use(staffStretchRoutes(deps, { page, admin, csrf, render, settingsError }));
  router.use(staffExperimentRoutes(deps, { page, admin, csrf, render }));

  router.use('/staff', ((err, req, res, next) => {
    if (!csrf.isCsrfError(err)) return next(err);
    res.status(403).render('error', {
      title: 'This form has expired',
      message: 'Go back, reload the page and try again.',
      noindex: true,
    });
  }) as import('express').ErrorRequestHandler);

  // Staff pages that do not exist still need a login to learn so.
  router.use('/staff', page, (_req: Request, res: Response, _next: NextFunction) => {
    res
      .status(404)
      .render('error', { title: 'Page not found', message: 'There is no such staff page.', noindex: true });
  });
  return router;
}

/** Text as stored: no control characters (PostgreSQL refuses NUL), trimmed. */
function plainText(v: string): string {
  return v.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
}

function wholeAmount(v: unknown): number | null {
  if (typeof v !== 'string' || !/^\d{1,9}$/.test(v.trim().replace(/,/g, ''))) return null;
  const n = Number(v.trim().replace(/,/g, ''));
  return n > 0 ? n : null;
}

function parseFilter(
  req: Request,
  currency: string,
): { filter: GiftFilter; errors: string[]; query: Record<string, string> } {
  const q = req.query;
  const s = (k: string) => (typeof q[k] === 'string' ? q[k].trim() : '');
  const filter: GiftFilter = {};
  const errors: string[] = [];
  const status = s('status');
  if (status)
    (CONTRIBUTION_STATUSES as readonly string[]).includes(status)
      ? (filter.status = status as ContributionStatus)
      : errors.push('Unknown status.');
  const frequency = s('frequency');
  if (frequency)
    frequency === 'once' || frequency === 'monthly'
      ? (filter.frequency = frequency)
      : errors.push('Unknown frequency.');
  for (const k of ['from', 'to'] as const) {
    const v = s(k);
    if (v)
      /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))
        ? (filter[k] = v)
        : errors.push(`"${k}" must be a date (YYYY-MM-DD).`);
  }
  for (const [k, field] of [
    ['min', 'minMinor'],
    ['max', 'maxMinor'],
  ] as const) {
    const v = s(k);
    if (v) {
      const n = wholeAmount(v);
      n === null ? errors.push(`"${k}" must be a whole amount.`) : (filter[field] = toMinor(n, currency));
    }
  }
  const query = Object.fromEntries(['status', 'frequency', 'from', 'to', 'min', 'max'].map((k) => [k, s(k)]));
  return { filter, errors, query };
}

/** A YYYY-MM-DD day at noon UTC; 'no such day' for 2026-02-30 (Date would roll it over to March 2). */
function calendarDate(v: unknown): Date | null | 'no such day' {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return null;
  const d = new Date(`${v}T12:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v ? d : 'no such day';
}
