import { createPool, migrate, type Pool } from '@sutasoma/ledger';
import { randomSuffix, testDatabaseUrl } from './env.ts';

export interface TestSchema {
  schema: string;
  databaseUrl: string;
  /** A pool on the schema, for assertions against the ledger. */
  pool: Pool;
  drop: () => Promise<void>;
}

/** A migrated schema of its own for one test file; dropped in teardown. */
export async function createTestSchema(): Promise<TestSchema> {
  const schema = `t_${randomSuffix()}`;
  const databaseUrl = testDatabaseUrl();
  const admin = createPool({ connectionString: databaseUrl, max: 1 });
  try {
    await migrate(admin, schema);
  } finally {
    await admin.end();
  }
  const pool = createPool({ connectionString: databaseUrl, schema, max: 4 });
  return {
    schema,
    databaseUrl,
    pool,
    drop: async () => {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
      await pool.end();
    },
  };
}
