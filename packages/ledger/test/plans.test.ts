import t from 'tap';
import { createPool, withClient } from '@sutasoma/ledger';
import { DATABASE_URL, ledgerSchema } from './helpers.ts';

// Acceptance runs on a pool whose plans are cached (`plans: 'keyed'`): PostgreSQL plans a statement
// generically after five executions and keeps that plan. Made while the ledger is empty, it must
// still find a row by its key once the ledger holds millions: an index scan, never a sequential one.
const { schema } = await ledgerSchema(t);

/** The plan the sixth execution of an idempotency-key lookup uses, on a table of a few rows. */
async function sixthPlan(plans: 'custom' | 'keyed'): Promise<string> {
  const pool = createPool({ connectionString: DATABASE_URL, schema, max: 1, plans });
  try {
    return await withClient(pool, async (c) => {
      await c.query('PREPARE lookup (text, text, text) AS SELECT resource_id FROM idempotency_keys WHERE principal = $1 AND scope = $2 AND key = $3');
      for (let i = 0; i < 6; i++) await c.query(`EXECUTE lookup ('agent', 'POST /v1/registrations', 'k${i}')`);
      const { rows } = await c.query<{ 'QUERY PLAN': string }>("EXPLAIN EXECUTE lookup ('agent', 'POST /v1/registrations', 'k9')");
      await c.query('DEALLOCATE lookup');
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  } finally {
    await pool.end();
  }
}

t.test('a key lookup planned on an almost empty table is cached as an index scan', async (t) => {
  const admin = createPool({ connectionString: DATABASE_URL, schema, max: 1 });
  await admin.query(`INSERT INTO idempotency_keys (principal, scope, key, request_hash, resource_id)
    SELECT 'agent', 'POST /v1/registrations', 'seed-' || n, 'h', gen_random_uuid() FROM generate_series(1, 20) n`);
  await admin.query('ANALYZE idempotency_keys');
  await admin.end();
  const keyed = await sixthPlan('keyed');
  t.match(keyed, /Index (Only )?Scan using idempotency_keys_pkey/, 'keyed: the cached plan uses the primary key');
  t.match(keyed, /\$1/, 'and it is the generic plan (parameters, not values): cached, not planned again');
  t.notMatch(keyed, /Seq Scan/);
  // What the setting guards against: the same lookup planned for the table as it is (custom) is a
  // sequential scan on twenty rows, as it should be, and would stay one if such a plan were cached.
  t.match(await sixthPlan('custom'), /Seq Scan on idempotency_keys/, 'custom: a sequential scan, for twenty rows');
});
