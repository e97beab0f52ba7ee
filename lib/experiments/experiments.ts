// Appeal experiments, put together: the store (what staff made, what runs), the counter
// (impressions, clicks, checkouts), the looks (what each variant shows) and the results.
//
//   rules.ts    what an experiment is, and the rules a draft must meet
//   form.ts     the staff form to a draft and back
//   store.ts    experiments in the database, audited; what runs, kept in memory
//   assign.ts   which variant a reader sees (cookie, per page view), and the metadata a gift carries
//   looks.ts    a variant's words and amounts over the defaults
//   counts.ts   counting on the hot path, added to the database in batches
//   results.ts, stats.ts  the figures per variant, intervals and the verdict
import type { AppealTexts } from '../appeal/content.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { formatMoney } from '../money.ts';
import { appealAssignment, draw, variantNamed, type Assignment } from './assign.ts';
import { countKeyOf, experimentCounter, type CountKind } from './counts.ts';
import { looks, type Look } from './looks.ts';
import { fastKeys, refOfKey } from './fast-keys.ts';
import { experimentResults } from './results.ts';
import type { Surface, Variant } from './rules.ts';
import { experimentStore, type ServingState } from './store.ts';

export interface ExperimentsDeps {
  db: Db;
  config: Config;
  texts: AppealTexts;
  clock: () => Date;
  logger: Logger;
}

export async function createExperiments(deps: ExperimentsDeps) {
  const { db, config } = deps;
  // At least a quarter second: with TOTALS_MAX_AGE_MS=0 every page view would read the experiments too.
  const store = await experimentStore({ ...deps, maxAgeMs: Math.max(config.totalsMaxAgeMs, 250) });
  const counter = experimentCounter(db, { flushMs: config.experimentFlushMs, logger: deps.logger });
  const looked = looks(config, deps.texts);
  const campaignCurrency = config.fundraiser.currency;
  const keyOf = fastKeys();
  // A variant belongs to one experiment's serving copy: its count keys are made once.
  const countKeys = new WeakMap<Variant, Record<CountKind, string>>();
  return {
    store,
    counter,
    serving: (): ServingState => store.serving(),
    /** The words and amounts for a surface's variant (null: the defaults). */
    look: (state: ServingState, surface: Surface, variant: Variant | null): Look => looked.of(state, surface, variant),
    /** The fast lane's key for a surface's page shown with this variant (fast-keys.ts). */
    fastKey: keyOf,
    /** The look and the variant ("12.b") a fast key names, under the experiments as they now stand. */
    lookOfKey(surface: Surface, key: string): { look: Look; ref?: string } {
      const state = store.serving();
      const ref = refOfKey(key);
      const variant = variantNamed(state.running[surface], ref);
      return { look: looked.of(state, surface, variant), ...(variant ? { ref } : {}) };
    },
    /** The appeal's variant for a request's cookie (see assign.ts). */
    appealAssignment: (state: ServingState, cookie: string | undefined): Assignment =>
      appealAssignment(state.running.appeal, cookie),
    /** The banner's variant for one page view; null when no banner experiment runs. */
    bannerDraw: (state: ServingState): Variant | null => (state.running.banner ? draw(state.running.banner) : null),
    /** The running experiment's variant a form or link names (null: none, or forged). */
    named: (state: ServingState, surface: Surface, raw: unknown): Variant | null =>
      variantNamed(state.running[surface], raw),
    count(state: ServingState, surface: Surface, variant: Variant, kind: CountKind): void {
      const running = state.running[surface];
      if (!running) return;
      let keys = countKeys.get(variant);
      if (!keys) {
        const key = (k: CountKind) => countKeyOf(running.id, variant.key, k);
        countKeys.set(
          variant,
          (keys = { impression: key('impression'), click: key('click'), checkout: key('checkout') }),
        );
      }
      counter.add(keys[kind]);
    },
    async results(id: number) {
      const experiment = await store.get(id);
      if (!experiment) return null;
      await counter.flush();
      return experimentResults(db, experiment, (minor) => formatMoney(Math.round(minor), campaignCurrency));
    },
    close: () => counter.close(),
  };
}

export type Experiments = Awaited<ReturnType<typeof createExperiments>>;
