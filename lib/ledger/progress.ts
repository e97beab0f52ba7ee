// The figures on show, kept in memory: what every page view of the host site reads. Fresh
// after this instance's own writes (a write drops the copy), within `maxAgeMs` after another
// instance's, one database read for concurrent callers, and the same frozen object, with the
// same revision, while the figures do not change, so whatever is built from them can be kept.
import { displayedWindow } from '../campaign-window.ts';
import { serializedTransaction } from '../db/database.ts';
import { percentOf } from '../money.ts';
import { ensureCampaign } from './campaigns.ts';
import type { LedgerContext } from './context.ts';
import { FIGURE_COLUMNS, FIGURE_NAMES, figuresOfTotals } from './figures.ts';
import type { Progress } from './types.ts';

type Figures = Omit<Progress, 'revision'>;

function sameFigures(a: Figures, b: Figures): boolean {
  return (Object.keys(b) as Array<keyof Figures>).every((k) => a[k] === b[k]);
}

export function progressReader(ctx: LedgerContext, maxAgeMs: number): () => Promise<Progress> {
  const { db, fundraiser, clock } = ctx;
  let cached: { progress: Progress; writes: number; at: number } | null = null;
  let reading: { promise: Promise<Progress>; writes: number } | null = null;
  let revision = 0;

  async function read(): Promise<Figures> {
    const now = clock();
    const window = displayedWindow(fundraiser.window, now);
    const select = () =>
      db
        .selectFrom('campaigns')
        .innerJoin('campaign_totals', 'campaign_totals.campaign_id', 'campaigns.id')
        .select([
          'campaigns.slug',
          'campaigns.goal_minor',
          'campaigns.currency',
          'campaigns.starts_at',
          'campaigns.ends_at',
          'campaigns.stretch_message',
        ])
        .select(FIGURE_NAMES.map((f) => `campaign_totals.${FIGURE_COLUMNS[f]}` as const))
        .select(['campaign_totals.donors', 'campaign_totals.updated_at'])
        .where('campaigns.slug', '=', window.slug)
        .executeTakeFirst();
    let row = await select();
    if (!row) {
      await serializedTransaction(db, (trx) => ensureCampaign(trx, fundraiser, window, now));
      row = await select();
    }
    if (!row) throw new Error(`campaign ${window.slug} could not be created`);
    const f = figuresOfTotals(row);
    const goal = Number(row.goal_minor);
    return {
      campaign: row.slug,
      currency: row.currency,
      goal,
      raised: f.raised,
      gross: f.gross,
      refunded: f.refunded,
      disputed: f.disputed,
      disputeLost: f.lost,
      donors: Number(row.donors),
      percent: percentOf(f.raised, goal),
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      // From the clock, so it is in the figures: a new day is a new revision of every page.
      daysLeft: Math.max(0, Math.ceil((Date.parse(row.ends_at) - now.getTime()) / 86_400_000)),
      stretchMessage: row.stretch_message,
      updatedAt: row.updated_at,
    };
  }

  return function progress(): Promise<Progress> {
    const writes = ctx.writes();
    const slug = displayedWindow(fundraiser.window, clock()).slug;
    const c = cached;
    if (c && c.writes === writes && c.progress.campaign === slug && performance.now() - c.at < maxAgeMs) {
      return Promise.resolve(c.progress);
    }
    if (reading && reading.writes === writes) return reading.promise;
    const promise = read()
      .then((fresh) => {
        const progress =
          cached && sameFigures(cached.progress, fresh)
            ? cached.progress
            : Object.freeze({ ...fresh, revision: ++revision });
        if (ctx.writes() === writes) cached = { progress, writes, at: performance.now() };
        return progress;
      })
      .finally(() => {
        if (reading?.promise === promise) reading = null;
      });
    reading = { promise, writes };
    return promise;
  };
}
