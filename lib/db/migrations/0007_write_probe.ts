// One row that /readyz rewrites (at most every few seconds) to learn that the database can
// still write: a disk that is full or read-only, or a PostgreSQL that refuses writes, fails
// this while reads still answer.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('write_probe')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('written_at', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into write_probe (id, written_at) values (1, '')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('write_probe').execute();
}
