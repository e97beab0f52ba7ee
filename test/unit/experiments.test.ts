// The parts of appeal experiments that need no server: the rules a draft must meet, the staff
// form both ways, the draw by shares and the cookie's reading, a look over the defaults, the
// merge a winner makes, and the counter that must neither lose nor double counts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../lib/config.ts';
import { loadAppeals } from '../../lib/appeal/content.ts';
import { appealAssignment, cookieValue, draw, isRobot, variantsOfMetadata } from '../../lib/experiments/assign.ts';
import { draftFields, parseExperimentForm } from '../../lib/experiments/form.ts';
import { looks } from '../../lib/experiments/looks.ts';
import { draftProblem, type Experiment, type Variant } from '../../lib/experiments/rules.ts';
import { experimentStore, mergeOverrides, type ServingState } from '../../lib/experiments/store.ts';
import { countKeyOf, experimentCounter } from '../../lib/experiments/counts.ts';
import { createLogger } from '../../lib/logger.ts';
import { sql } from 'kysely';
import { createDb, migrateToLatest } from '../../lib/db/database.ts';
import { freshDatabase } from '../helpers/database.ts';

const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:' });
const v = (key: Variant['key'], share: number, overrides: Variant['overrides'] = {}): Variant => ({
  key,
  name: key.toUpperCase(),
  share,
  overrides,
});
const experiment = (variants: Variant[], id = 7): Experiment => ({
  id,
  name: 'x',
  surface: 'appeal',
  status: 'running',
  variants,
  winner: null,
  createdBy: 'a@example.org',
  createdAt: '',
  startedAt: '',
  stoppedAt: null,
});

describe('the rules a draft must meet', () => {
  const ok = {
    name: 'Test',
    surface: 'appeal' as const,
    variants: [v('a', 50), v('b', 50, { headline: { en: 'Hi' } })],
  };
  it('when the draft is sound, then there is no problem', () => {
    assert.equal(draftProblem(ok, config.fundraiser), null);
  });
  it('when four variants share 25% each with different amounts, then it may be kept', () => {
    const variants = [v('a', 25), v('b', 25, { presets: { once: [10, 20] }, defaults: { once: 10 } })];
    variants.push(
      v('c', 25, { presets: { once: [15, 30] }, defaults: { once: 15 } }),
      v('d', 25, { defaults: { once: 50 } }),
    );
    assert.equal(draftProblem({ ...ok, variants }, config.fundraiser), null);
  });
  it('when two variants make the same change, then they are refused as the same', () => {
    const same = { headline: { en: 'Hi' } };
    const draft = { ...ok, variants: [v('a', 34), v('b', 33, same), v('c', 33, same)] };
    assert.match(draftProblem(draft, config.fundraiser)!, /Variants B and C are the same/);
  });
  it('when a share is 0 or not whole, then it is refused', () => {
    for (const share of [0, 12.5, 100])
      assert.match(
        draftProblem(
          { ...ok, variants: [v('a', share), v('b', 100 - share, { headline: { en: 'x' } })] },
          config.fundraiser,
        )!,
        /whole percent from 1 to 99/,
      );
  });
  it('when new tiles leave the current preselected amount out, then a preselected one is asked for', () => {
    const draft = { ...ok, variants: [v('a', 50), v('b', 50, { presets: { once: [7, 9] } })] };
    assert.match(draftProblem(draft, config.fundraiser)!, /choose which once amount is preselected/);
  });
});

describe('the staff form', () => {
  it('when a form is read and written back, then the same draft comes out', () => {
    const body = {
      name: ' Letters ',
      surface: 'appeal',
      a_name: 'As it is',
      a_share: '50',
      b_name: 'Short',
      b_share: '50',
      b_letter_en: 'First paragraph\nstill first.\n\nSecond.',
      b_headline_de: 'Hallo',
      b_once: '20, 10,10',
      b_default_once: '20',
    };
    const parsed = parseExperimentForm(body, ['en', 'de']);
    assert.ok(parsed.ok);
    const b = parsed.draft.variants[1]!;
    assert.deepEqual(b.overrides, {
      headline: { de: 'Hallo' },
      letter: { en: ['First paragraph still first.', 'Second.'] },
      presets: { once: [10, 20] },
      defaults: { once: 20 },
    });
    assert.equal(parsed.draft.name, 'Letters');
    const again = parseExperimentForm(draftFields(parsed.draft), ['en', 'de']);
    assert.deepEqual(again, parsed);
  });
  it('when slots are left empty in between, then the variants are keyed in order', () => {
    const parsed = parseExperimentForm(
      { name: 'x', a_name: 'A', a_share: '50', c_name: 'C', c_share: '50', c_headline_en: 'y' },
      ['en'],
    );
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.draft.variants.map((x) => x.key),
      ['a', 'b'],
    );
  });
  it('when a share is not a number, then the form is refused with the fields kept', () => {
    const parsed = parseExperimentForm({ name: 'x', a_name: 'A', a_share: 'half' }, ['en']);
    assert.ok(!parsed.ok);
    assert.match(parsed.error, /share must be a whole percent/);
    assert.equal(parsed.fields.a_share, 'half');
  });
});

describe('assignment', () => {
  const e = experiment([v('a', 20), v('b', 80, { headline: { en: 'B' } })]);
  it('when draws are made, then they follow the shares', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++) counts[draw(e, random).key as 'a' | 'b']++;
    assert.ok(counts.a > 1800 && counts.a < 2200, `a drawn ${counts.a} times`);
  });
  it('when the cookie names a variant, an old experiment, a forged one or nothing, then the assignment says so', () => {
    assert.deepEqual(appealAssignment(e, '7.b'), { variant: e.variants[1], fresh: false });
    assert.equal(appealAssignment(e, '6.b').fresh, true);
    assert.equal(appealAssignment(e, undefined).fresh, true);
    for (const forged of ['7.c', '7.bb', 'x', ''])
      assert.deepEqual(appealAssignment(e, forged), { variant: null, fresh: false }, forged);
    assert.deepEqual(appealAssignment(null, '7.b'), { variant: null, fresh: false });
  });
  it('when a Cookie header is read, then only the exact name counts', () => {
    assert.equal(cookieValue('lang=de; fr_exp=7.b; x=1', 'fr_exp'), '7.b');
    assert.equal(cookieValue('xfr_exp=7.b', 'fr_exp'), undefined);
    assert.equal(cookieValue('fr_exp=7.a', 'fr_exp'), '7.a');
    assert.equal(cookieValue(undefined, 'fr_exp'), undefined);
    assert.equal(
      cookieValue('xfr_exp=1; fr_exp=12.b', 'fr_exp'),
      '12.b',
      'another cookie ending with the name comes first',
    );
  });
  it('when a User-Agent names a crawler or a tool, then it is one; a phone called CUBOT or a browser is not', () => {
    for (const ua of [
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
      'facebookexternalhit/1.1',
      'curl/8.0.1',
      'python-requests/2.31',
      'Go-http-client/1.1',
    ])
      assert.ok(isRobot(ua), ua);
    for (const ua of [
      'Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120 Safari/537.36',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1',
      undefined,
    ])
      assert.ok(!isRobot(ua), String(ua));
  });
  it('when metadata names variants, then well-formed ones are kept, once per experiment', () => {
    assert.deepEqual(variantsOfMetadata({ exp_appeal: '7.b', exp_banner: '8.a' }), [
      { experimentId: 7, variant: 'b' },
      { experimentId: 8, variant: 'a' },
    ]);
    assert.deepEqual(variantsOfMetadata({ exp_appeal: '7.z', exp_banner: 'x' }), []);
    assert.deepEqual(variantsOfMetadata(null), []);
  });
});

describe('looks and the defaults a winner sets', () => {
  const texts = loadAppeals(config.fundraiser.appealFile, config.fundraiser.orgName, config.i18n.languages);
  const state = (appeal = {}, revision = 1): ServingState => ({
    revision,
    defaults: { appeal, banner: {} },
    running: { appeal: null, banner: null },
  });
  it('when a variant changes the English headline and the tiles, then only those change', () => {
    const look = looks(config, texts).of(
      state(),
      'appeal',
      v('b', 50, { headline: { en: 'For {org}' }, presets: { once: [10, 40] }, defaults: { once: 40 } }),
    );
    assert.equal(look.texts.en.headline, `For ${config.fundraiser.orgName}`);
    assert.equal(look.texts.de.headline, texts.de.headline);
    assert.deepEqual(look.fundraiser.form.currencies[0]!.presets.once, [10, 40]);
    assert.equal(look.fundraiser.form.defaults.once, 40);
    assert.deepEqual(look.fundraiser.form.presets.monthly, config.fundraiser.form.presets.monthly);
  });
  it('when a kept tile is outside the bounds the settings now have, then it is not offered', () => {
    const look = looks(config, texts).of(state(), 'appeal', v('b', 50, { presets: { once: [10, 999_999] } }));
    assert.deepEqual(look.fundraiser.form.presets.once, [10]);
    const none = looks(config, texts).of(state(), 'appeal', v('b', 50, { presets: { once: [999_999] } }));
    assert.deepEqual(none.fundraiser.form.presets.once, config.fundraiser.form.presets.once);
  });

  it("when the appeal's defaults hold a winner, then every appeal look starts from them and the banner keeps its own", () => {
    const kept = looks(config, texts);
    const plain = kept.of(state({ headline: { en: 'Winner' } }, 2), 'appeal', null);
    assert.equal(plain.texts.en.headline, 'Winner');
    assert.equal(
      kept.of(state({ headline: { en: 'Winner' } }, 2), 'banner', null).texts.en.headline,
      texts.en.headline,
    );
    assert.equal(kept.of(state({}, 3), 'appeal', null).texts.en.headline, texts.en.headline);
  });
  it('when a winner is merged, then its fields replace the defaults per language and the rest stays', () => {
    const merged = mergeOverrides(
      { headline: { en: 'Old', de: 'Alt' }, presets: { once: [5] } },
      { headline: { en: 'New' } },
    );
    assert.deepEqual(merged, { headline: { en: 'New', de: 'Alt' }, presets: { once: [5] } });
  });
});

describe('the counter', () => {
  const logger = createLogger('silent');
  it('when a flush fails, then its counts are kept and added once by the next', async () => {
    const database = await freshDatabase();
    const db = createDb(loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url }).database);
    try {
      await migrateToLatest(db);
      const at = new Date().toISOString();
      const made = await db
        .insertInto('experiments')
        .values({
          name: 'x',
          surface: 'appeal',
          status: 'running',
          variants: '[]',
          winner: null,
          created_by: 'a',
          created_at: at,
          started_at: at,
          stopped_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(made.id);
      const counter = experimentCounter(db, { flushMs: 60_000, logger });
      counter.add(countKeyOf(id, 'a', 'impression'));
      counter.add(countKeyOf(id, 'a', 'impression'));
      counter.add(countKeyOf(id, 'b', 'click'));
      // The table away for a moment, as a database that does not answer.
      await sql`alter table experiment_counts rename to experiment_counts_away`.execute(db);
      await counter.flush();
      await sql`alter table experiment_counts_away rename to experiment_counts`.execute(db);
      counter.add(countKeyOf(id, 'a', 'impression'));
      await counter.close();
      const rows = await db
        .selectFrom('experiment_counts')
        .select(['variant', 'kind', 'count'])
        .orderBy('variant')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.variant, r.kind, Number(r.count)]),
        [
          ['a', 'impression', 3],
          ['b', 'click', 1],
        ],
      );
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});

describe('the serving copy', () => {
  it('when the database cannot be read, then the copy it had is kept, and the next read after the max age finds the change', async () => {
    const database = await freshDatabase();
    const db = createDb(loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url }).database);
    try {
      await migrateToLatest(db);
      const store = await experimentStore({ db, clock: () => new Date(), logger: createLogger('silent'), maxAgeMs: 0 });
      const made = await store.create(
        { name: 'x', surface: 'appeal', variants: [v('a', 50), v('b', 50, { headline: { en: 'B' } })] },
        'a@example.org',
      );
      await store.start(made.id, 'a@example.org');
      const running = store.serving();
      assert.equal(running.running.appeal?.id, made.id);
      await sql`alter table experiments rename to experiments_away`.execute(db);
      await store.refresh();
      assert.equal(store.serving(), running, 'the copy it had, the same object');
      await sql`alter table experiments_away rename to experiments`.execute(db);
      await db.updateTable('experiments').set({ status: 'stopped' }).execute();
      await new Promise((r) => setTimeout(r, 5));
      store.serving();
      await store.refresh();
      assert.equal(store.serving().running.appeal, null);
      assert.ok(store.serving().revision > running.revision);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
