import t from 'tap';
import pg from 'pg';
import { withTransaction } from '@sutasoma/ledger';
import { DATABASE_URL, ledgerSchema } from './helpers.ts';

// PostgreSQL restarts, failovers and an operator's pg_terminate_backend drop connections that are
// in the middle of a transaction. The process must survive it, and the pool must heal.
const { pool } = await ledgerSchema(t, { max: 2 });
const admin = new pg.Client({ connectionString: DATABASE_URL });
await admin.connect();
t.teardown(() => admin.end());

t.test('a connection terminated between two statements of a transaction fails that transaction, not the process', async (t) => {
  const failure = await withTransaction(pool, async (tx) => {
    await tx.query("INSERT INTO outbox (queue, job_name, job_id, payload) VALUES ('q', 'n', 'lost-1', '{}')");
    const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // Listening for 'end', not 'error': a listener of the test's own must not stand in for the one
    // the product has to install, or a crash would go unnoticed.
    const ended = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the terminated connection did not end within 10 s')), 10_000);
      tx.once('end', () => { clearTimeout(timer); resolve(); });
    });
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    // The server's goodbye reaches the client while no statement runs: pg emits 'error' on it, then
    // 'end'. Waiting for 'end' (not a fixed sleep) makes sure the next statement comes after it.
    await ended;
    await tx.query('SELECT 1');
  }).then(() => null, (err: Error) => err);
  t.ok(failure instanceof Error, 'the transaction failed');
  t.equal(Number((await pool.query("SELECT count(*) FROM outbox WHERE job_id = 'lost-1'")).rows[0].count), 0, 'nothing of it was committed');

  const after = await Promise.all([1, 2, 3, 4].map((n) => withTransaction(pool, async (tx) => (await tx.query<{ n: number }>('SELECT $1::int AS n', [n])).rows[0]!.n)));
  t.same(after, [1, 2, 3, 4], 'the pool replaced the broken connection and serves every transaction after it');
});
