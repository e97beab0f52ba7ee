// Appeal experiments in the staff area: everyone sees the list and each experiment's results;
// admins make one (a draft), start it, stop it, and make a variant the default. Each change
// goes into the change log (lib/experiments/store.ts). Refusals show the form again, as typed.
import express, { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../lib/wiring.ts';
import type { StaffGuards } from './staff-pledges.ts';
import { draftFields, parseExperimentForm, type FormFields } from '../lib/experiments/form.ts';
import { draftProblem, SURFACES, VARIANT_KEYS } from '../lib/experiments/rules.ts';
import { ExperimentRefused } from '../lib/experiments/store.ts';
import { LANGUAGE_NAMES } from '../lib/i18n/languages.ts';

export const EXPERIMENT_FORM_PATH = '/staff/experiments';

// The new-experiment form posts every field a browser has (4 variants x each language's
// headline, letter and banner text, and the amounts) and letters up to 24,000 characters;
// read only for a logged-in admin (app.ts leaves this one path to it).
const bigForm = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 400 });

const idOf = (req: Request) => (/^\d{1,9}$/.test(String(req.params.id)) ? Number(req.params.id) : 0);

export function staffExperimentRoutes(deps: AppDeps, g: StaffGuards): Router {
  const router = Router();
  const { experiments } = deps;
  const languages = deps.config.i18n.languages;
  const main = deps.config.fundraiser.form.currencies[0]!;

  const notFound = (res: Response) =>
    void res
      .status(404)
      .render('error', { title: 'No such experiment', message: 'There is no experiment with that id.', noindex: true });

  const list = async (req: Request, res: Response, error: string | null = null) =>
    g.render(
      req,
      res,
      'experiments',
      {
        title: 'Experiments',
        list: await experiments.store.list(),
        defaults: await experiments.store.defaultsSet(),
        error,
        reset: req.query.reset === '1',
      },
      error ? 409 : 200,
    );
  router.get('/staff/experiments', g.page, (req, res) => list(req, res));

  // A winner made the default can be taken back: the appeal as its content files and settings say.
  router.post('/staff/experiments/defaults/reset', g.page, g.admin, g.csrf.protect, async (req, res) => {
    try {
      await experiments.store.resetDefaults(res.locals.staff!.email);
    } catch (err) {
      if (err instanceof ExperimentRefused) return list(req, res, err.message);
      throw err;
    }
    res.redirect(303, '/staff/experiments?reset=1');
  });

  const showForm = (req: Request, res: Response, fields: FormFields, error: string | null, status = 200) =>
    g.render(
      req,
      res,
      'experiment-new',
      {
        title: 'New experiment',
        fields,
        error,
        keys: VARIANT_KEYS,
        surfaces: SURFACES,
        languages: languages.map((l) => ({ code: l, name: LANGUAGE_NAMES[l] })),
        form: main,
        texts: deps.appeal[deps.config.i18n.defaultLanguage],
      },
      status,
    );

  router.get('/staff/experiments/new', g.page, g.admin, async (req, res) => {
    // "Copy into a new one": a stopped experiment's variants as a starting point.
    const from = /^\d{1,9}$/.test(String(req.query.copy))
      ? await experiments.store.get(Number(req.query.copy))
      : undefined;
    const fields = from
      ? draftFields({ ...from, name: `${from.name} (again)` })
      : {
          surface: req.query.surface === 'banner' ? 'banner' : 'appeal',
          a_name: 'As it is',
          a_share: '50',
          b_share: '50',
        };
    showForm(req, res, fields, null);
  });

  router.post(EXPERIMENT_FORM_PATH, g.page, g.admin, bigForm, g.csrf.protect, async (req, res) => {
    const parsed = parseExperimentForm((req.body ?? {}) as Record<string, unknown>, languages);
    if (!parsed.ok) return showForm(req, res, parsed.fields, parsed.error, 400);
    const problem = draftProblem(parsed.draft, deps.config.fundraiser);
    if (problem) return showForm(req, res, draftFields(parsed.draft), problem, 400);
    const made = await experiments.store.create(parsed.draft, res.locals.staff!.email);
    res.redirect(303, `/staff/experiments/${made.id}`);
  });

  async function show(req: Request, res: Response, error: string | null = null) {
    const results = await experiments.results(idOf(req));
    if (!results) return notFound(res);
    const running = experiments.serving().running[results.experiment.surface];
    g.render(
      req,
      res,
      'experiment',
      {
        title: `Experiment: ${results.experiment.name}`,
        r: results,
        error,
        // Another experiment holds the surface: this draft cannot start until it stops.
        blockedBy: running && running.id !== results.experiment.id ? running : null,
        currency: deps.config.fundraiser.currency,
        done: typeof req.query.done === 'string' ? req.query.done : null,
      },
      error ? 409 : 200,
    );
  }

  router.get('/staff/experiments/:id', g.page, (req, res) => show(req, res));

  router.get('/staff/api/experiments/:id', async (req, res) => {
    if (!res.locals.staff) return void res.status(401).json({ error: 'Log in first.' });
    const results = await experiments.results(idOf(req));
    if (!results) return void res.status(404).json({ error: 'There is no experiment with that id.' });
    res.json(results);
  });

  const action =
    (name: string, act: (id: number, req: Request, email: string) => Promise<void>) =>
    async (req: Request, res: Response) => {
      const id = idOf(req);
      try {
        await act(id, req, res.locals.staff!.email);
      } catch (err) {
        if (err instanceof ExperimentRefused) return show(req, res, err.message);
        throw err;
      }
      res.redirect(303, `/staff/experiments/${id}?done=${name}`);
    };

  const guarded = [g.page, g.admin, g.csrf.protect] as const;
  router.post(
    '/staff/experiments/:id/start',
    ...guarded,
    action('started', (id, _req, who) => experiments.store.start(id, who)),
  );
  router.post(
    '/staff/experiments/:id/stop',
    ...guarded,
    action('stopped', (id, _req, who) => experiments.store.stop(id, who)),
  );
  router.post(
    '/staff/experiments/:id/winner',
    ...guarded,
    action('winner', (id, req, who) =>
      experiments.store.makeDefault(id, String((req.body as Record<string, unknown> | undefined)?.variant ?? ''), who),
    ),
  );
  return router;
}
