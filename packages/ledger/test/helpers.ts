import type { Test } from 'tap';
import { Redis } from 'ioredis';
import { createPool, migrate, type Pool } from '@sutasoma/ledger';

// @sutasoma/testing depends on this package, so the ledger's own tests build their schema and
// queue prefix here rather than make the workspace graph circular.
export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const suffix = () => Math.random().toString(36).slice(2, 10);

export interface LedgerSchema {
  schema: string;
  pool: Pool;
}

/** A schema of this test file's own (migrated unless asked not to), dropped in teardown. */
export async function ledgerSchema(t: Test, opts: { migrated?: boolean; max?: number } = {}): Promise<LedgerSchema> {
  const schema = `t_ledger_${suffix()}`;
  const pool = createPool({ connectionString: DATABASE_URL, schema, max: opts.max ?? 6 });
  t.teardown(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await pool.end();
  });
  if (opts.migrated ?? true) await migrate(pool, schema);
  return { schema, pool };
}

/** A BullMQ prefix of this test file's own; its keys are deleted and the client closed in teardown. */
export function queuePrefix(t: Test): { prefix: string; redis: Redis; clear: () => Promise<void> } {
  const prefix = `test-ledger-${suffix()}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
  const clear = async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  };
  t.teardown(async () => {
    await clear();
    await redis.quit();
  });
  return { prefix, redis, clear };
}
