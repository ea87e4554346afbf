import t from 'tap';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createPool, migrate } from '@sutasoma/ledger';
import { DATABASE_URL, ledgerSchema } from './helpers.ts';

const MIGRATIONS = (await readdir(fileURLToPath(new URL('../migrations/', import.meta.url)))).filter((f) => f.endsWith('.sql')).sort();

const tables = async (pool: ReturnType<typeof createPool>, schema: string) =>
  (await pool.query<{ table_name: string }>(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema],
  )).rows.map((r) => r.table_name);

t.test('a fresh schema gets every migration; migrating again applies nothing', async (t) => {
  const { schema, pool } = await ledgerSchema(t, { migrated: false });
  t.ok(MIGRATIONS.length > 0);
  t.same(await migrate(pool, schema), MIGRATIONS);
  const created = await tables(pool, schema);
  for (const table of ['operations', 'operation_steps', 'operation_events', 'outbox', 'idempotency_keys', 'schema_migrations']) {
    t.ok(created.includes(table), `${table} exists`);
  }
  t.same(await migrate(pool, schema), [], 'a restart migrates nothing');
  const applied = await pool.query('SELECT name FROM schema_migrations ORDER BY name');
  t.same(applied.rows.map((r) => r.name), MIGRATIONS, 'each migration is recorded once');
});

t.test('two services starting at once on a fresh schema both succeed, and the migrations run once', async (t) => {
  const { schema, pool } = await ledgerSchema(t, { migrated: false });
  // Two processes: two pools, as two gateway replicas would have.
  const other = createPool({ connectionString: DATABASE_URL, schema, max: 2 });
  t.teardown(() => other.end());
  const [a, b] = await Promise.all([migrate(pool, schema), migrate(other, schema)]);
  t.same([...a!, ...b!].sort(), MIGRATIONS, 'between them, each migration is applied exactly once');
  t.ok(a!.length === 0 || b!.length === 0, 'one of them found the work done');
  const applied = await pool.query('SELECT name FROM schema_migrations ORDER BY name');
  t.same(applied.rows.map((r) => r.name), MIGRATIONS);
});

t.test('the schema is the one asked for, and migrating leaves the pool\'s search path as it was', async (t) => {
  const { schema, pool } = await ledgerSchema(t, { migrated: false });
  const admin = createPool({ connectionString: DATABASE_URL, max: 1 });
  t.teardown(() => admin.end());
  await migrate(admin, schema);
  t.ok((await tables(admin, schema)).includes('outbox'), 'the tables are in the named schema');
  t.notOk((await tables(admin, 'public')).includes('outbox'), 'not in public');
  const { rows } = await admin.query('SHOW search_path');
  t.notMatch(rows[0].search_path, new RegExp(schema), 'the connection went back to the pool with its own search path');
  t.same(await migrate(pool, schema), [], 'a pool on that schema finds it migrated');
});

t.test('a schema name that could inject SQL is refused before anything runs', async (t) => {
  const admin = createPool({ connectionString: DATABASE_URL, max: 1 });
  t.teardown(() => admin.end());
  await t.rejects(migrate(admin, 'x; DROP SCHEMA public CASCADE; --'), { message: /bad schema name/ });
  await t.rejects(migrate(admin, 'Upper'), { message: /bad schema name/ });
});
