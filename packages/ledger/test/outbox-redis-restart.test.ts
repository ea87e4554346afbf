import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { OutboxRelay, enqueue, withTransaction } from '@sutasoma/ledger';
import { DATABASE_URL, ledgerSchema } from './helpers.ts';

// A Redis of this file's own, so it can die: the relay must publish again once it is back, also to
// a queue it first met while Redis was away.
const port = await new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const p = (srv.address() as { port: number }).port;
    srv.close(() => resolve(p));
  });
});
let server: ChildProcess | undefined;
async function startRedis() {
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    const ok = await probe.connect().then(() => probe.ping(), () => null);
    probe.disconnect();
    if (ok === 'PONG') return;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}
async function killRedis() {
  const s = server!;
  const exited = new Promise((resolve) => s.once('exit', resolve));
  s.kill('SIGKILL');
  await exited;
}
await startRedis();
t.teardown(async () => { if (server?.exitCode === null) await killRedis(); });

const db = await ledgerSchema(t);
// The gateway's producer connection: fails fast while Redis is down.
const redis = new Redis({ port, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
redis.on('error', () => {});
t.teardown(() => redis.disconnect());
const warnings: string[] = [];
const relay = new OutboxRelay({
  pool: db.pool, connectionString: DATABASE_URL, schema: db.schema, redis, prefix: 'restart',
  logger: pino({ level: 'warn' }, { write: (s: string) => { warnings.push(JSON.parse(s).msg as string); } }),
  jobOptions: () => ({ attempts: 3 }), pollIntervalMs: 100,
});
await relay.start();
t.teardown(() => relay.stop());

const message = (queue: string, id: string) => ({ queue, name: 'step', jobId: id, payload: { id } });
const published = async (queue: string, id: string) => {
  const check = new Redis({ port, maxRetriesPerRequest: 1 });
  const q = new Queue(queue, { connection: check, prefix: 'restart' });
  try {
    return (await q.getJob(id)) !== undefined;
  } finally {
    await q.close();
    check.disconnect();
  }
};

t.test('work committed while Redis is away is published once it is back, to queues met before and during the outage', async (t) => {
  await withTransaction(db.pool, (tx) => enqueue(tx, [message('before', 'b-1')]));
  for (let i = 0; i < 50 && !(await published('before', 'b-1')); i++) await sleep(100);
  t.ok(await published('before', 'b-1'), 'published while Redis is up');

  await killRedis();
  await withTransaction(db.pool, (tx) => enqueue(tx, [message('before', 'b-2'), message('during', 'd-1')]));
  for (let i = 0; i < 50 && !warnings.some((w) => w.includes('outbox drain failed')); i++) await sleep(100);
  t.ok(warnings.some((w) => w.includes('outbox drain failed')), 'the relay tried while Redis was away, and kept the rows');
  await startRedis();

  let done = false;
  for (let i = 0; i < 100 && !done; i++) {
    done = (await published('before', 'b-2')) && (await published('during', 'd-1'));
    if (!done) await sleep(100);
  }
  t.ok(done, 'both published after the restart');

  await withTransaction(db.pool, (tx) => enqueue(tx, [message('after', 'a-1')]));
  let after = false;
  for (let i = 0; i < 50 && !after; i++) {
    after = await published('after', 'a-1');
    if (!after) await sleep(100);
  }
  t.ok(after, 'and to a queue first met after it');
  // The relay deletes the rows in the transaction that published them, and commits after the
  // publish: wait for the rows to go, not for the job to appear.
  let left: unknown[] = [];
  for (let i = 0; i < 50; i++) {
    left = (await db.pool.query('SELECT job_id FROM outbox')).rows;
    if (left.length === 0) break;
    await sleep(100);
  }
  t.same(left, [], 'nothing left in the outbox');
});
