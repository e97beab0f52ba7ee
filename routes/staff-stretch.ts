// An admin sets what the appeal says once the goal is reached ("Every gift now goes to next
// year's server fund"), or clears it. Stored on the campaign, so the bar's figures (and the
// pages built from them) change with it; the change goes into the change log. Viewers cannot.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import type { StaffGuards } from './staff-pledges.ts';

/** Long enough for two sentences, short enough for the bar on a phone. */
export const STRETCH_MESSAGE_MAX = 280;

export type StretchGuards = StaffGuards & {
  settingsError(req: Request, res: Response, error: string, extra?: Record<string, unknown>): Promise<void>;
};

export function staffStretchRoutes(deps: AppDeps, g: StretchGuards): Router {
  const router = Router();
  router.post('/staff/settings/stretch', g.page, g.admin, g.csrf.protect, async (req, res) => {
    const raw = (req.body as Record<string, unknown> | undefined)?.stretch_message;
    // Control characters (but line breaks, which become spaces) never reach the page.
    const message =
      typeof raw === 'string'
        ? raw
            .replace(/\s+/g, ' ')
            .replace(/[\u0000-\u001f\u007f]/g, '')
            .trim()
        : null;
    const error =
      message === null
        ? 'Send the message as text.'
        : message.length > STRETCH_MESSAGE_MAX
          ? `The message can be at most ${STRETCH_MESSAGE_MAX} characters (it has ${message.length}).`
          : null;
    if (error !== null)
      return g.settingsError(req, res, error, {
        stretchDraft: typeof raw === 'string' ? raw.slice(0, STRETCH_MESSAGE_MAX * 2) : '',
      });
    await deps.ledger.setStretchMessage(message || null, res.locals.staff!.email);
    res.redirect(303, '/staff/settings?saved=1');
  });
  return router;
}
