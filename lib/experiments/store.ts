// Experiments in the database: staff make, start, stop them and make a winner the default,
// each change in one transaction with its line in the change log. What readers are served
// from (the running experiment per surface and the defaults a winner set) is kept in memory:
// read again at once after this instance's own change, within `maxAgeMs` after another's.
import type { Transaction } from 'kysely';
import { serializedTransaction, type Db } from '../db/database.ts';
import type { Database, ExperimentsTable } from '../db/schema.ts';
import { writeChange } from '../ledger/change-log.ts';
import type { Logger } from '../logger.ts';
import type { Draft, Experiment, Overrides, Surface, Variant, VariantKey } from './rules.ts';

/** What readers are served from: changes get a new revision, which the fast lane keys its pages on. */
export interface ServingState {
  revision: number;
  /** Per surface: what winners made the default there. */
  defaults: Readonly<Record<Surface, Overrides>>;
  running: Readonly<Record<Surface, Experiment | null>>;
}

/** A refusal in words for staff (the experiment is not a draft, another one runs, ...). */
export class ExperimentRefused extends Error {}

type Row = ExperimentsTable & { id: number };

function fromRow(row: Row): Experiment {
  return {
    id: Number(row.id),
    name: row.name,
    surface: row.surface,
    status: row.status,
    variants: JSON.parse(row.variants) as Variant[],
    winner: row.winner as VariantKey | null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
  };
}

/** The winner's changes over the defaults: a field it sets replaces the default's, per language for texts. */
export function mergeOverrides(base: Overrides, over: Overrides): Overrides {
  const out: Overrides = { ...base };
  if (over.headline) out.headline = { ...base.headline, ...over.headline };
  if (over.letter) out.letter = { ...base.letter, ...over.letter };
  if (over.banner) out.banner = { ...base.banner, ...over.banner };
  if (over.presets) out.presets = { ...base.presets, ...over.presets };
  if (over.defaults || over.presets) out.defaults = { ...base.defaults, ...over.defaults };
  return out;
}

/** A running experiment (on a surface, other than one) as staff know it, `"Short letter" (#12)`; none: null. */
async function runningOne(trx: Transaction<Database>, surface?: Surface, except?: number): Promise<string | null> {
  let q = trx.selectFrom('experiments').select(['id', 'name']).where('status', '=', 'running');
  if (surface) q = q.where('surface', '=', surface);
  if (except !== undefined) q = q.where('id', '!=', except);
  const row = await q.executeTakeFirst();
  return row ? `"${row.name}" (#${row.id})` : null;
}

export interface ExperimentStoreDeps {
  db: Db;
  clock: () => Date;
  logger: Logger;
  maxAgeMs: number;
}

export async function experimentStore(deps: ExperimentStoreDeps) {
  const { db, clock, logger } = deps;
  let state: ServingState = {
    revision: 0,
    defaults: { appeal: {}, banner: {} },
    running: { appeal: null, banner: null },
  };
  let seen = '';
  let readAt = 0;
  let reading: Promise<void> | null = null;
  // Reads are numbered: one begun before a change committed must not land after the change's own.
  let started = 0;
  let landed = 0;

  async function load(): Promise<void> {
    const ticket = ++started;
    const [rows, kept] = await Promise.all([
      db.selectFrom('experiments').selectAll().where('status', '=', 'running').execute(),
      db.selectFrom('appeal_defaults').select(['surface', 'overrides']).execute(),
    ]);
    if (ticket < landed) return;
    landed = ticket;
    const running = { appeal: null, banner: null } as Record<Surface, Experiment | null>;
    for (const row of rows) running[row.surface] = fromRow(row as Row);
    const defaults: Record<Surface, Overrides> = { appeal: {}, banner: {} };
    for (const row of kept) defaults[row.surface] = JSON.parse(row.overrides) as Overrides;
    const next = { defaults, running };
    const text = JSON.stringify(next);
    if (text !== seen) {
      seen = text;
      state = Object.freeze({ ...next, revision: state.revision + 1 });
    }
    readAt = performance.now();
  }

  // A failed read keeps the copy it had and is tried again after maxAgeMs, not on every page view.
  const loadOrKeep = () =>
    load().catch((err: unknown) => {
      readAt = performance.now();
      logger.error({ err }, 'could not read the running experiments');
    });

  function refresh(): Promise<void> {
    reading ??= loadOrKeep().finally(() => (reading = null));
    return reading;
  }

  async function change<T>(fn: (trx: Transaction<Database>, at: string) => Promise<T>): Promise<T> {
    const at = clock().toISOString();
    try {
      return await serializedTransaction(db, (trx) => fn(trx, at));
    } finally {
      // Its own read, not one begun before the change committed.
      await loadOrKeep();
    }
  }

  async function find(trx: Transaction<Database> | Db, id: number): Promise<Experiment | undefined> {
    if (!Number.isSafeInteger(id) || id < 1) return undefined;
    const row = await trx.selectFrom('experiments').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row as Row) : undefined;
  }

  async function mustFind(trx: Transaction<Database>, id: number): Promise<Experiment> {
    const found = await find(trx, id);
    if (!found) throw new ExperimentRefused('There is no such experiment.');
    return found;
  }

  await load();
  return {
    /** What to serve now; never waits (a stale copy starts a read in the background). */
    serving(): ServingState {
      if (performance.now() - readAt >= deps.maxAgeMs) void refresh();
      return state;
    },
    /** Reads the database now (tests, and an instance that must see another's change at once). */
    refresh,

    list: () =>
      db
        .selectFrom('experiments')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(100)
        .execute()
        .then((rows) => rows.map((r) => fromRow(r as Row))),
    get: (id: number) => find(db, id),
    /** What winners made the default on each surface, and who did (none: the content files and settings as they are). */
    async defaultsSet(): Promise<Array<{ surface: Surface; overrides: Overrides; by: string; at: string }>> {
      const rows = await db.selectFrom('appeal_defaults').selectAll().orderBy('surface').execute();
      return rows.map((r) => ({
        surface: r.surface,
        overrides: JSON.parse(r.overrides) as Overrides,
        by: r.updated_by,
        at: r.updated_at,
      }));
    },

    /** Back to the content files and the DONATE_* amounts on both surfaces; not while an experiment runs on top of them. */
    async resetDefaults(staffEmail: string): Promise<void> {
      await change(async (trx, at) => {
        const running = await runningOne(trx);
        if (running)
          throw new ExperimentRefused(
            `${running} is running on top of these defaults: stop it first, or its variants would change midway.`,
          );
        const gone = await trx.deleteFrom('appeal_defaults').executeTakeFirst();
        if (!Number(gone.numDeletedRows)) throw new ExperimentRefused('The appeal already shows its content files.');
        await writeChange(trx, staffEmail, 'appeal defaults reset', 'back to the content files and settings', at);
      });
    },

    async create(draft: Draft, staffEmail: string): Promise<Experiment> {
      return change(async (trx, at) => {
        const row = await trx
          .insertInto('experiments')
          .values({
            name: draft.name,
            surface: draft.surface,
            status: 'draft',
            variants: JSON.stringify(draft.variants),
            winner: null,
            created_by: staffEmail,
            created_at: at,
            started_at: null,
            stopped_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const shares = draft.variants.map((v) => `${v.key.toUpperCase()} ${v.share}%`).join(', ');
        await writeChange(
          trx,
          staffEmail,
          'experiment created',
          `#${row.id} "${draft.name}" on the ${draft.surface}: ${shares}`,
          at,
        );
        return fromRow(row as Row);
      });
    },

    async start(id: number, staffEmail: string): Promise<void> {
      await change(async (trx, at) => {
        const e = await mustFind(trx, id);
        if (e.status !== 'draft')
          throw new ExperimentRefused(
            e.status === 'running'
              ? 'This experiment is already running.'
              : 'A stopped experiment cannot start again: its figures would mix. Copy it into a new one instead.',
          );
        const other = await runningOne(trx, e.surface);
        if (other)
          throw new ExperimentRefused(
            `${other} is already running on the ${e.surface}: stop it first (one experiment per surface at a time).`,
          );
        await trx.updateTable('experiments').set({ status: 'running', started_at: at }).where('id', '=', id).execute();
        await writeChange(trx, staffEmail, 'experiment started', `#${id} "${e.name}" on the ${e.surface}`, at);
      });
    },

    async stop(id: number, staffEmail: string): Promise<void> {
      await change(async (trx, at) => {
        const e = await mustFind(trx, id);
        if (e.status !== 'running') throw new ExperimentRefused('Only a running experiment can be stopped.');
        await trx.updateTable('experiments').set({ status: 'stopped', stopped_at: at }).where('id', '=', id).execute();
        await writeChange(trx, staffEmail, 'experiment stopped', `#${id} "${e.name}"`, at);
      });
    },

    /**
     * The variant's changes become its surface's defaults for everyone, and the experiment stops;
     * not while another experiment runs on that surface (its variants would change midway).
     */
    async makeDefault(id: number, key: string, staffEmail: string): Promise<void> {
      await change(async (trx, at) => {
        const e = await mustFind(trx, id);
        if (e.status === 'draft') throw new ExperimentRefused('Start the experiment first: a draft has no results.');
        const winner = e.variants.find((v) => v.key === key);
        if (!winner) throw new ExperimentRefused('That experiment has no such variant.');
        const other = await runningOne(trx, e.surface, id);
        if (other)
          throw new ExperimentRefused(
            `${other} is running on the ${e.surface}: stop it first, or its variants would change midway.`,
          );
        const row = await trx
          .selectFrom('appeal_defaults')
          .select('overrides')
          .where('surface', '=', e.surface)
          .executeTakeFirst();
        const merged = mergeOverrides(row ? (JSON.parse(row.overrides) as Overrides) : {}, winner.overrides);
        const values = { overrides: JSON.stringify(merged), updated_by: staffEmail, updated_at: at };
        await trx
          .insertInto('appeal_defaults')
          .values({ surface: e.surface, ...values })
          .onConflict((oc) => oc.column('surface').doUpdateSet(values))
          .execute();
        await trx
          .updateTable('experiments')
          .set({ winner: winner.key, status: 'stopped', stopped_at: e.status === 'running' ? at : e.stoppedAt })
          .where('id', '=', id)
          .execute();
        await writeChange(
          trx,
          staffEmail,
          'experiment winner made default',
          `#${id} "${e.name}": variant ${winner.key.toUpperCase()} "${winner.name}"`,
          at,
        );
      });
    },
  };
}

export type ExperimentStore = Awaited<ReturnType<typeof experimentStore>>;
