import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface DbOptions {
  connectionString: string;
  /** Schema to work in (search_path); default public. Tests give each file its own. */
  schema?: string;
  /** Pool size; default 10. */
  max?: number;
  applicationName?: string;
  /** Longest wait for a row lock before the statement fails (PostgreSQL's lock_timeout); default none. */
  lockTimeoutMs?: number;
  /**
   * `custom` (the default): each execution planned for the tables as they are now. `keyed`: for a pool
   * whose statements all find rows by a key (acceptance: inserts, primary-key lookups, foreign-key
   * checks), plans are cached and sequential scans are off, so a plan made while a table was small is
   * still an index scan when it has grown; see below.
   */
  plans?: 'custom' | 'keyed';
}

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function createPool(opts: DbOptions): pg.Pool {
  const schema = opts.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`bad schema name: ${schema}`);
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    // Each execution planned for the tables as they are now. PostgreSQL otherwise settles, after five
    // executions of a prepared statement (ours, and every statement inside a PL/pgSQL function), on a
    // generic plan made for the tables of that moment and keeps it until the next ANALYZE: a ledger that
    // starts empty kept sequential scans and hash joins over operations and operation_steps while they
    // grew to 100,000 rows (seen with auto_explain in the benchmark: an event batch took 20-100 ms).
    // And no JIT: a statement the planner costs above jit_above_cost (reading a batch of operations with
    // their steps, as statistics lag behind a growing table) was compiled by LLVM at every execution,
    // 17-20 % of PostgreSQL's CPU in the district run (perf); the ledger's statements are short.
    //
    // Planning at every execution has its price, though, where statements are many and small: inside
    // accept_operation (five statements and the foreign-key checks, for each command) it was more than
    // half of the function's time (`tsx scripts/bench/accept-operations.ts`, BENCH_PLANS=custom or keyed:
    // 0.41-0.42 ms per command planned each time, 0.20-0.22 cached, on this project's machine). There
    // every statement finds its rows by a key, so `keyed` caches plans and turns sequential scans off:
    // a generic plan made on an empty table is then an index scan all the same.
    options: [
      `-c search_path=${schema}`,
      opts.plans === 'keyed' ? '-c plan_cache_mode=auto -c enable_seqscan=off' : '-c plan_cache_mode=force_custom_plan',
      '-c jit=off',
      ...(opts.lockTimeoutMs ? [`-c lock_timeout=${opts.lockTimeoutMs}`] : []),
    ].join(' '),
    application_name: opts.applicationName ?? 'sutasoma',
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its server emits here; the pool replaces it. Without a listener it would crash the process.
  pool.on('error', () => {});
  return pool;
}

/**
 * Checks a client out for `work`. pg's pool listens for a connection lost only while a client is
 * idle: a checked-out client whose server goes away between two queries (a backend terminated, a
 * failover) would emit an unhandled 'error' and crash the process. Here it is caught, and the
 * broken client is destroyed on release instead of going back to the pool.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => { lost = err; };
  client.on('error', onError);
  try {
    return await work(client);
  } finally {
    client.removeListener('error', onError);
    client.release(lost);
  }
}

/** Runs `work` in one transaction on a client already checked out; rolls back on any error. */
export async function inTransaction<T>(client: pg.PoolClient, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A rollback that fails leaves a connection in an unknown state: emitting makes withClient destroy it.
    await client.query('ROLLBACK').catch((e: Error) => client.emit('error', e));
    throw err;
  }
}

/** Runs `work` in one transaction; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, (client) => inTransaction(client, work));
}

export async function pingDb(pool: pg.Pool): Promise<string> {
  try {
    await pool.query('SELECT 1');
    return 'ok';
  } catch (err) {
    return `unreachable: ${(err as Error).message}`;
  }
}
