// Renders the appeal with the current totals; shared by GET / and the donate form's errors.
// The page a reader lands on (no choice made yet, no message) is the same for everyone but
// for its form id, so it is rendered once per change of the figures with a slot for the id.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Application, Request, Response } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import type { Progress } from '../lib/ledger/ledger.ts';
import { AVERAGE_GIFT_PRESET, PRESET_AMOUNTS } from '../lib/appeal/donation-options.ts';
import { appealNumbers, fillCopy } from '../lib/appeal/copy.ts';
import { PerFigures, renderToString } from './per-figures.ts';

export interface FormState {
  amount?: string;
  otherAmount?: string;
  frequency?: string;
  error?: string;
  errorField?: 'amount' | 'frequency';
  notice?: string;
}

// Matches the form id's own pattern, so the slot is valid markup wherever the id goes.
const FORM_ID_SLOT = 'form-id-slot-3f9c2a7d1e';

function appealLocals(deps: AppDeps, progress: Progress, form: FormState, formId: string) {
  const numbers = appealNumbers(deps.config, progress);
  return {
    title: deps.appeal.title,
    appeal: { ...deps.appeal, letter: deps.appeal.letter.map((p) => fillCopy(p, numbers)) },
    org: deps.config.fundraiser.orgName,
    progress,
    presets: PRESET_AMOUNTS,
    averagePreset: AVERAGE_GIFT_PRESET,
    limits: { min: deps.config.fundraiser.donationMin, max: deps.config.fundraiser.donationMax },
    siteUrl: deps.config.fundraiser.siteUrl,
    // Each page view gets its own: posting the same form twice (a double click, a retry)
    // then finds the same Checkout Session instead of opening a second one.
    formId,
    form,
  };
}

const newFormId = () => randomUUID();
const FORM_ID_BYTES = newFormId().length;

// Each id is unique to its page, so no cache may keep it.
export const NO_STORE = 'private, no-store';

export async function renderAppeal(deps: AppDeps, req: Request, res: Response, form: FormState, status = 200): Promise<void> {
  const progress = await deps.ledger.progress();
  res.set('Cache-Control', NO_STORE);
  res.status(status).send(await renderToString(req.app, 'appeal', appealLocals(deps, progress, form, newFormId())));
}

/** The appeal with nothing chosen, around the slot for its form id. */
async function landingParts(deps: AppDeps, app: Application, progress: Progress): Promise<[string, string]> {
  const parts = (await renderToString(app, 'appeal', appealLocals(deps, progress, {}, FORM_ID_SLOT))).split(FORM_ID_SLOT);
  if (parts.length !== 2) throw new Error(`the appeal template must hold the form id exactly once (found ${parts.length - 1})`);
  return parts as [string, string];
}

export type LandingPage = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The appeal with nothing chosen (GET /, or with a query that chooses nothing, such as a
 * campaign tag): rendered once per change of the figures, then written with a fresh form id
 * spliced in. Shared by the hot path and the appeal route, so both serve one cached page.
 */
export function landingPage(deps: AppDeps, app: Application, securityHeaders: Record<string, string>): LandingPage {
  const pages = new PerFigures<{ head: Buffer; tail: Buffer; headers: Record<string, string> }>();
  return async (req, res) => {
    const progress = await deps.ledger.progress();
    const page = await pages.get(progress, async () => {
      const [head, tail] = (await landingParts(deps, app, progress)).map((part) => Buffer.from(part)) as [Buffer, Buffer];
      const length = head.length + FORM_ID_BYTES + tail.length;
      return { head, tail, headers: { ...securityHeaders, 'content-type': 'text/html; charset=utf-8', 'cache-control': NO_STORE, 'content-length': String(length) } };
    });
    res.writeHead(200, page.headers);
    if (req.method === 'HEAD') return void res.end();
    // Corked, the three parts leave in one write without being copied together.
    res.cork();
    res.write(page.head);
    res.write(newFormId());
    res.end(page.tail);
  };
}
