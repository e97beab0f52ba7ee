// The readers' pages with an experiment running on the appeal and on the banner, against the
// same pages on a twin instance with none (same gifts, same machine, rounds interleaved): the
// fast lane keeps a body per variant, so the ratio should be within noise of 1. New readers
// are the dear case (each drawn, given a cookie and counted); a returning reader sends theirs.
import path from 'node:path';
import { loadConfigWith } from '../../lib/config.ts';
import { createDb } from '../../lib/db/database.ts';
import { experimentStore } from '../../lib/experiments/store.ts';
import { createLogger } from '../../lib/logger.ts';
import { compare, pairedRpsRatio } from '../compare.ts';
import { appEnv, launchApp, stop, tmp } from '../processes.ts';
import { pick, type Row } from '../report.ts';
import { seedLedger } from '../seed.ts';
import { log, SMALL, spec, type BenchApp } from '../settings.ts';

/** Starts a headline test on the appeal and a text test on the banner, as an admin would. */
async function startExperiments(databaseUrl: string): Promise<number> {
  const config = loadConfigWith(appEnv(databaseUrl, 0));
  const db = createDb(config.database);
  try {
    const store = await experimentStore({ db, clock: () => new Date(), logger: createLogger('silent'), maxAgeMs: 0 });
    const variants = (changed: object) => [
      { key: 'a' as const, name: 'As it is', share: 50, overrides: {} },
      { key: 'b' as const, name: 'Changed', share: 50, overrides: changed },
    ];
    const appeal = await store.create(
      { name: 'Bench headline', surface: 'appeal', variants: variants({ headline: { en: 'Keep it free' } }) },
      'bench@example.org',
    );
    await store.start(appeal.id, 'bench@example.org');
    const banner = await store.create(
      {
        name: 'Bench banner',
        surface: 'banner',
        variants: variants({ banner: { en: 'Five dollars keeps it free.' } }),
      },
      'bench@example.org',
    );
    await store.start(banner.id, 'bench@example.org');
    return appeal.id;
  } finally {
    await db.destroy();
  }
}

export async function experimentRows(plain: BenchApp): Promise<Row[]> {
  const databaseUrl = `sqlite:${path.join(tmp, 'app-1k-experiments.sqlite')}`;
  await seedLedger(loadConfigWith(appEnv(databaseUrl, 0)), SMALL);
  const appealId = await startExperiments(databaseUrl);
  const running = await launchApp('app-1k-experiments', databaseUrl);
  const pages: Array<{ scenario: string; path: string; headers: Record<string, string> }> = [
    { scenario: 'GET / (appeal), new readers', path: '/', headers: {} },
    { scenario: 'GET / (appeal), a returning reader', path: '/', headers: { cookie: `fr_exp=${appealId}.b` } },
    { scenario: 'GET /embed/banner', path: '/embed/banner', headers: {} },
    { scenario: 'GET /embed/banner.json', path: '/embed/banner.json', headers: {} },
  ];
  const rows: Row[] = [];
  for (const p of pages) {
    const r = await compare(`experiment: ${p.scenario}`, {
      plain: spec(plain.url + p.path, { headers: p.headers }),
      running: spec(running.url + p.path, { headers: p.headers }),
    });
    // Round by round: the two sides are loaded seconds apart, and this machine's speed drifts.
    const ratio = pairedRpsRatio(r.running!, r.plain!);
    rows.push({
      scenario: `${p.scenario}, experiments running at ${SMALL.toLocaleString('en')} gifts`,
      ...pick(r.running!),
      baseline: 'the same page with no experiment (twin instance)',
      ratio,
      target: '>= 0.9 x no experiment',
      note: 'ratio: requests per second against the twin, round by round (median)',
      pass: ratio >= 0.9,
    });
    if (r.running!.non2xx) log(`  warning: ${r.running!.non2xx} non-2xx answers`);
  }
  stop(running);
  return rows;
}
