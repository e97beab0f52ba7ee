// GET /: the appeal with the current totals. The page a reader lands on (nothing chosen, no
// message) is the same for everyone but for its form id, so it is a fast-lane entry, rendered
// once per revision of the figures with a slot for the id. A query that chooses an amount or
// carries a notice (a cancelled checkout) is rendered by the Express route, as are the donate
// form's errors (renderAppeal).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { Router, type Response } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import type { Progress } from '../lib/ledger/types.ts';
import { appealNumbers, fillCopy } from '../lib/appeal/copy.ts';
import { formView } from '../lib/appeal/form-view.ts';
import { englishWords } from '../lib/appeal/english-words.ts';
import type { FastEntry } from './fast-lane.ts';
import { NO_STORE } from './middleware/public-cache.ts';
import type { RenderView } from './views.ts';
import { formOf, type DonateFormConfig } from '../lib/config-donate.ts';

export interface FormState {
  amount?: string;
  otherAmount?: string;
  frequency?: string;
  currency?: string;
  coverFees?: boolean;
  error?: string;
  errorField?: 'amount' | 'frequency' | 'currency';
  notice?: string;
}

// Matches the form id's own pattern, so the slot is valid markup wherever the id goes.
const FORM_ID_SLOT = 'form-id-slot-3f9c2a7d1e';
const CANCELLED = 'Your checkout was cancelled and nothing was charged. You can try again whenever you like.';

function appealLocals(deps: AppDeps, progress: Progress, form: FormState, formId: string) {
  const numbers = appealNumbers(deps.config, progress);
  return {
    title: deps.appeal.title,
    // The landing page and its variants (?amount=25, a cancelled checkout) are one page to search engines.
    canonical: '/',
    appeal: { ...deps.appeal, letter: deps.appeal.letter.map((p) => fillCopy(p, numbers)) },
    org: deps.config.fundraiser.orgName,
    progress,
    // What the form shows checked, typed and on its button (the defaults when nothing was chosen).
    view: formView(deps.config.fundraiser, form, englishWords),
    siteUrl: deps.config.fundraiser.siteUrl,
    // Each page view gets its own: posting the same form twice (a double click, a retry)
    // then finds the same Checkout Session instead of opening a second one.
    formId,
    form,
  };
}

const newFormId = () => randomUUID();
const FORM_ID_BYTES = 36;
const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 20) : undefined);

/** What a query on GET / asks for; nothing chosen is the landing page (a campaign tag chooses nothing). */
function formFromQuery(q: Record<string, unknown>, form: DonateFormConfig): FormState | null {
  const amount = str(q.amount);
  const frequency = str(q.frequency);
  const currency = str(q.currency)?.toLowerCase();
  const cancelled = q.cancelled !== undefined;
  if (amount === undefined && frequency === undefined && currency === undefined && !cancelled) return null;
  // A cancelled checkout comes back here with the reader's choice, so it is kept.
  const presets = (formOf(form, currency ?? '') ?? form.currencies[0]!).presets;
  const isPreset = presets[frequency === 'monthly' ? 'monthly' : 'once'].map(String).includes(amount ?? '');
  return {
    amount: amount === undefined ? undefined : isPreset ? amount : 'other',
    otherAmount: amount !== undefined && !isPreset ? amount : undefined,
    frequency,
    currency,
    coverFees: q.cover_fees === '1',
    notice: cancelled ? CANCELLED : undefined,
  };
}

/** The landing page is the plain request: no query, or one that chooses nothing. */
function isLanding(req: IncomingMessage, form: DonateFormConfig): boolean {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 || formFromQuery(parseQuery(url.slice(q + 1)), form) === null;
}

export function appealFastEntries(deps: AppDeps, render: RenderView, security: Record<string, string>): FastEntry[] {
  return [
    {
      path: '/',
      serves: (req) => isLanding(req, deps.config.fundraiser.form),
      type: 'html',
      // Each page carries its own form id, so no cache may keep it.
      headers: { ...security, 'cache-control': NO_STORE },
      body: (p) => render('appeal', appealLocals(deps, p, {}, FORM_ID_SLOT)),
      splice: { slot: FORM_ID_SLOT, value: newFormId, bytes: FORM_ID_BYTES },
    },
  ];
}

/** The appeal with a choice, a notice or an error; shared by GET / and the donate form. */
export async function renderAppeal(deps: AppDeps, res: Response, form: FormState, status = 200): Promise<void> {
  const progress = await deps.ledger.progress();
  res.set('Cache-Control', NO_STORE);
  res.status(status).render('appeal', appealLocals(deps, progress, form, newFormId()));
}

export function appealRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    await renderAppeal(deps, res, formFromQuery(req.query, deps.config.fundraiser.form) ?? {});
  });
  return router;
}
