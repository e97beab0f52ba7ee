// GET /: the appeal with the current totals. The page a reader lands on (nothing chosen, no
// message) is the same for everyone but for its form id, so it is a fast-lane entry, rendered
// once per revision of the figures with a slot for the id. A query that chooses an amount or
// carries a notice (a cancelled checkout) is rendered by the Express route, as are the donate
// form's errors (renderAppeal). The landing page is kept per language too: a ?lang= choice
// goes to Express, which remembers it in the lang cookie; the fast lane then reads that cookie.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { Router, type Response } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import type { Progress } from '../lib/ledger/types.ts';
import { appealNumbers, fillCopy } from '../lib/appeal/copy.ts';
import { formView } from '../lib/appeal/form-view.ts';
import type { FastEntry } from './fast-lane.ts';
import { NO_STORE } from './middleware/public-cache.ts';
import type { RenderView } from './views.ts';
import { formOf, type DonateFormConfig } from '../lib/config-donate.ts';
import { CURRENCY_COOKIE, currencyChooserFor } from '../lib/appeal/currency-choice.ts';
import { translator, type Translate, type Translator } from '../lib/i18n/translator.ts';
import { langQueryOf, languageLocals, REMEMBERED, requestLanguage, translatorOf } from './i18n.ts';
import type { Config } from '../lib/config.ts';
import type { Look } from '../lib/experiments/looks.ts';
import { APPEAL_COOKIE, BANNER_QUERY, cookieValue, isRobot, refOf } from '../lib/experiments/assign.ts';
import type { ServingState } from '../lib/experiments/store.ts';
import { refOfKey, setsCookie } from '../lib/experiments/fast-keys.ts';
import type { Variant } from '../lib/experiments/rules.ts';

export interface FormState {
  amount?: string;
  otherAmount?: string;
  frequency?: string;
  currency?: string;
  coverFees?: boolean;
  error?: string;
  errorField?: 'amount' | 'frequency' | 'currency';
  notice?: string;
  /** The variants the page is shown with ("12.b"), which its form posts back. */
  variants?: { appeal?: string; banner?: string };
}

// Matches the form id's own pattern, so the slot is valid markup wherever the id goes.
const FORM_ID_SLOT = 'form-id-slot-3f9c2a7d1e';

/** The appeal in each offered language, for search engines: ?lang=xx, and the bare URL for everyone else. */
function alternates(config: Config) {
  const url = (p: string) => new URL(p, config.baseUrl).href;
  return [
    ...config.i18n.languages.map((lang) => ({ hreflang: lang, href: url(`/?lang=${lang}`) })),
    { hreflang: 'x-default', href: url('/') },
  ];
}

function appealLocals(
  deps: AppDeps,
  look: Look,
  progress: Progress,
  form: FormState,
  formId: string,
  tr: Translator,
  url?: string,
) {
  // What the form shows checked, typed and on its button (the defaults when nothing was chosen).
  const view = formView(look.fundraiser, form, tr);
  const numbers = appealNumbers(deps.config, progress, tr, view.currency);
  const appeal = look.texts[tr.lang];
  return {
    ...languageLocals(deps.config, tr, url),
    title: appeal.title,
    // The landing page and its variants (?amount=25, a cancelled checkout, ?lang=de) are one page to
    // search engines, which learn the languages from the hreflang alternates.
    canonical: '/',
    alternates: alternates(deps.config),
    appeal: { ...appeal, letter: appeal.letter.map((p) => fillCopy(p, numbers)) },
    org: deps.config.fundraiser.orgName,
    progress,
    view,
    siteUrl: deps.config.fundraiser.siteUrl,
    // Each page view gets its own: posting the same form twice (a double click, a retry)
    // then finds the same Checkout Session instead of opening a second one.
    formId,
    form,
    variants: form.variants ?? {},
  };
}

const newFormId = () => randomUUID();
const FORM_ID_BYTES = 36;
const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 20) : undefined);

/** What a query on GET / asks for; nothing chosen is the landing page (a campaign tag chooses nothing). */
function formFromQuery(
  q: Record<string, unknown>,
  form: DonateFormConfig,
  t: Translate = translator('en').t,
): FormState | null {
  const amount = str(q.amount);
  const frequency = str(q.frequency);
  const currency = str(q.currency)?.toLowerCase();
  const cancelled = q.cancelled !== undefined;
  // A click from a banner in an experiment is counted by Express.
  const fromBanner = q[BANNER_QUERY] !== undefined;
  if (amount === undefined && frequency === undefined && currency === undefined && !cancelled && !fromBanner)
    return null;
  // A cancelled checkout comes back here with the reader's choice, so it is kept.
  const presets = (formOf(form, currency ?? '') ?? form.currencies[0]!).presets;
  const isPreset = presets[frequency === 'monthly' ? 'monthly' : 'once'].map(String).includes(amount ?? '');
  return {
    amount: amount === undefined ? undefined : isPreset ? amount : 'other',
    otherAmount: amount !== undefined && !isPreset ? amount : undefined,
    frequency,
    currency,
    coverFees: q.cover_fees === '1',
    notice: cancelled ? t('appeal.cancelled') : undefined,
  };
}

/** The landing page is the plain request: no query, or one that chooses nothing (a language is remembered by Express). */
function isLanding(req: IncomingMessage, form: DonateFormConfig): boolean {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q === -1) return true;
  return langQueryOf(url) === undefined && formFromQuery(parseQuery(url.slice(q + 1)), form) === null;
}

/** The cookie that keeps a reader's variant ("12.b") for the experiment's life (30 days at most). */
function variantCookie(deps: AppDeps, ref: string): string {
  return `${APPEAL_COOKIE}=${ref}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax${deps.config.isHttps ? '; Secure' : ''}`;
}

/**
 * The appeal's variant for this page view: kept from the cookie or drawn (`fresh`: the cookie is
 * to be set), counted as an impression. Null when no appeal experiment runs, the cookie is
 * forged, or a crawler (or a HEAD) asks.
 */
function appealVariant(
  deps: AppDeps,
  state: ServingState,
  req: IncomingMessage,
): { variant: Variant | null; fresh?: boolean } {
  if (!state.running.appeal || req.method === 'HEAD' || isRobot(req.headers['user-agent'])) return { variant: null };
  const shown = deps.experiments.appealAssignment(state, cookieValue(req.headers.cookie, APPEAL_COOKIE));
  if (shown.variant) deps.experiments.count(state, 'appeal', shown.variant, 'impression');
  return shown;
}

export function appealFastEntries(deps: AppDeps, render: RenderView, security: Record<string, string>): FastEntry[] {
  const currencies = currencyChooserFor(deps.config.fundraiser.form);
  return [
    {
      path: '/',
      serves: (req) => isLanding(req, deps.config.fundraiser.form),
      type: 'html',
      // Each page carries its own form id, so no cache may keep it; its words follow the reader's
      // language. A reader just drawn into an experiment gets its cookie with the page.
      headers: (key) => {
        const base = { ...security, 'cache-control': NO_STORE, vary: 'Accept-Language, Cookie' };
        return setsCookie(key) ? { ...base, 'set-cookie': variantCookie(deps, refOfKey(key)) } : base;
      },
      language: (req) => requestLanguage(deps.config, req),
      // Only when readers may choose: the one-currency site keeps one body per language.
      ...(currencies.choosing
        ? {
            currency: (req: IncomingMessage) => currencies.remembered(req.headers),
          }
        : {}),
      variant: (req) => {
        const state = deps.experiments.serving();
        const { variant, fresh } = appealVariant(deps, state, req);
        return deps.experiments.fastKey(state, 'appeal', variant, fresh);
      },
      body: (p, lang, currency, key) => {
        const { look, ref } = deps.experiments.lookOfKey('appeal', key ?? '');
        const form = { currency, variants: { appeal: ref } };
        return render('appeal', appealLocals(deps, look, p, form, FORM_ID_SLOT, translator(lang)));
      },
      splice: { slot: FORM_ID_SLOT, value: newFormId, bytes: FORM_ID_BYTES },
    },
  ];
}

/** The appeal with a choice, a notice or an error; shared by GET / and the donate form. */
export async function renderAppeal(deps: AppDeps, res: Response, form: FormState, status = 200): Promise<void> {
  const progress = await deps.ledger.progress();
  res.set('Cache-Control', NO_STORE);
  // The variant the form was shown with (a refused form keeps it), when it is the running one's.
  const state = deps.experiments.serving();
  const variant = deps.experiments.named(state, 'appeal', form.variants?.appeal);
  const look = deps.experiments.look(state, 'appeal', variant);
  const banner = deps.experiments.named(state, 'banner', form.variants?.banner) ? form.variants?.banner : undefined;
  const variants = { appeal: variant ? form.variants?.appeal : undefined, banner };
  const tr = translatorOf(res);
  const locals = appealLocals(
    deps,
    look,
    progress,
    { ...form, variants },
    newFormId(),
    tr,
    res.locals.pageUrl as string,
  );
  res.status(status).render('appeal', locals);
}

export function appealRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const t = translatorOf(res).t;
    const currencies = currencyChooserFor(deps.config.fundraiser.form);
    const form = formFromQuery(req.query, deps.config.fundraiser.form, t) ?? {};
    // A currency the reader picked is remembered, as a picked language is.
    const picked = currencies.choosing ? currencies.offered(req.query.currency) : null;
    if (picked) res.cookie(CURRENCY_COOKIE, picked, { ...REMEMBERED, secure: deps.config.isHttps });
    // An amount in the address without a currency (the banner's "Give $5" links) is the campaign's.
    const guess = req.query.amount === undefined;
    form.currency = picked ?? (guess ? currencies.remembered(req.headers) : form.currency);
    const state = deps.experiments.serving();
    const { variant: shown, fresh } = appealVariant(deps, state, req);
    if (shown && fresh) res.append('Set-Cookie', variantCookie(deps, refOf(state.running.appeal!, shown)));
    // A banner's link in an experiment: a click, and the form carries the variant on to Checkout.
    // Back from a cancelled checkout it still carries it, but that click was counted already.
    const fromBanner = deps.experiments.named(state, 'banner', req.query[BANNER_QUERY]);
    const click = fromBanner && req.query.cancelled === undefined && !isRobot(req.headers['user-agent']);
    if (click) deps.experiments.count(state, 'banner', fromBanner, 'click');
    form.variants = {
      appeal: shown && state.running.appeal ? refOf(state.running.appeal, shown) : undefined,
      banner: fromBanner ? String(req.query[BANNER_QUERY]) : undefined,
    };
    await renderAppeal(deps, res, form);
  });
  return router;
}
