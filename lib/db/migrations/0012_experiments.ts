// Appeal experiments (lib/experiments/): the experiments staff make, the readers shown each
// variant and what they did (counted in memory, added here in batches), each paid gift's
// variant (written with the gift, once), and the appeal's defaults a winner may replace.
import { sql, type Kysely } from 'kysely';
import { withId } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('experiments'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('surface', 'text', (c) => c.notNull().check(sql`surface in ('appeal', 'banner')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'running', 'stopped')`))
    // [{ key, name, share, overrides }], checked by lib/experiments/rules.ts before it is written.
    .addColumn('variants', 'text', (c) => c.notNull())
    .addColumn('winner', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('stopped_at', 'text')
    .execute();
  // One running experiment per surface, whichever instance (or staff member) starts one.
  await sql`create unique index experiments_one_running on experiments (surface) where status = 'running'`.execute(db);

  await db.schema
    .createTable('experiment_counts')
    .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
    .addColumn('variant', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('impression', 'click', 'checkout')`))
    .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('experiment_counts_pk', ['experiment_id', 'variant', 'kind'] as never)
    .execute();

  // A gift belongs to at most one variant per experiment; the key makes a replay add nothing.
  await db.schema
    .createTable('experiment_gifts')
    .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
    .addColumn('contribution_id', 'bigint', (c) => c.notNull().references('contributions.id').onDelete('cascade'))
    .addColumn('variant', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('experiment_gifts_pk', ['experiment_id', 'contribution_id'] as never)
    .execute();

  // What a winner made the default, per surface (the appeal's headline is not the banner's): it
  // outlives the experiment, over content/appeal.json and the DONATE_* amounts.
  await db.schema
    .createTable('appeal_defaults')
    .addColumn('surface', 'text', (c) => c.primaryKey().check(sql`surface in ('appeal', 'banner')`))
    .addColumn('overrides', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('appeal_defaults').execute();
  await db.schema.dropTable('experiment_gifts').execute();
  await db.schema.dropTable('experiment_counts').execute();
  await db.schema.dropTable('experiments').execute();
}
