import t, { type Test } from 'tap';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { OutboxRelay, enqueue, withTransaction, type OutboxMessage, type OutboxRelayOptions } from '@sutasoma/ledger';
import { DATABASE_URL, ledgerSchema, queuePrefix } from './helpers.ts';

const db = await ledgerSchema(t);
const { prefix, redis, clear } = queuePrefix(t);

const STEPS = 'simluhtan';
const EVENTS = 'gateway-events';

/** A relay as the gateway runs one, on this file's schema and prefix; stopped in teardown. */
function relay(t: Test, overrides: Partial<OutboxRelayOptions> = {}): { relay: OutboxRelay; warnings: () => string[]; published: OutboxMessage[] } {
  const lines: string[] = [];
  const published: OutboxMessage[] = [];
  const r = new OutboxRelay({
    pool: db.pool,
    connectionString: DATABASE_URL,
    schema: db.schema,
    redis,
    prefix,
    logger: pino({ level: 'warn' }, { write: (s: string) => { lines.push(s); } }),
    jobOptions: (queue) => (queue === EVENTS ? { attempts: 25 } : { attempts: 1_000, removeOnComplete: { age: 3_600 } }),
    pollIntervalMs: 60_000,
    onPublished: (messages) => published.push(...messages),
    ...overrides,
  });
  t.teardown(() => r.stop());
  return { relay: r, warnings: () => lines.map((l) => JSON.parse(l).msg as string), published };
}

function queue(t: Test, name: string): Queue {
  const q = new Queue(name, { connection: redis, prefix });
  t.teardown(() => q.close());
  return q;
}

const outboxRows = async () => (await db.pool.query<{ job_id: string }>('SELECT job_id FROM outbox ORDER BY id')).rows.map((r) => r.job_id);

const verifyStep = (operationId: string): OutboxMessage => ({
  queue: STEPS,
  name: 'simluhtan.verify_membership',
  jobId: `${operationId}.simluhtan.verify_membership`,
  payload: { operationId, step: 'simluhtan.verify_membership', input: { nik: '7312024505880007' } },
});

// Each story starts with an empty outbox and empty queues.
t.beforeEach(async () => {
  await db.pool.query('DELETE FROM outbox');
  await clear();
});

t.test('a registration that rolls back leaves nothing to publish', async (t) => {
  const { relay: r, published } = relay(t);
  const q = queue(t, STEPS);
  await t.rejects(withTransaction(db.pool, async (client) => {
    await enqueue(client, [verifyStep('op-rolled-back')]);
    throw new Error('the operation insert failed');
  }), { message: 'the operation insert failed' });
  t.same(await outboxRows(), []);
  await r.kick();
  t.equal(r.published, 0);
  t.same(published, []);
  t.equal(await q.getJob('op-rolled-back.simluhtan.verify_membership'), undefined);
});

t.test('a committed message is published to its queue with the queue\'s options, then removed from the outbox', async (t) => {
  const { relay: r, published } = relay(t);
  const q = queue(t, STEPS);
  const message = verifyStep('op-committed');
  await withTransaction(db.pool, (client) => enqueue(client, [message]));
  t.same(await outboxRows(), [message.jobId], 'committed and waiting');

  await r.kick();
  const job = await q.getJob(message.jobId);
  t.ok(job, 'the job is in the queue under its deterministic id');
  t.equal(job?.name, 'simluhtan.verify_membership');
  t.same(job?.data, message.payload);
  t.equal(job?.opts.attempts, 1_000, 'the step queue\'s options apply');
  t.same(await outboxRows(), [], 'the published row is gone');
  t.equal(r.published, 1);
  t.same(published, [message], 'onPublished hears of it after the commit');
});

t.test('messages to several queues, more than one batch of them, are all published', async (t) => {
  const { relay: r } = relay(t, { batchSize: 3 });
  const steps = queue(t, STEPS);
  const events = queue(t, EVENTS);
  const messages: OutboxMessage[] = [
    ...['a', 'b', 'c', 'd'].map((id) => verifyStep(`op-burst-${id}`)),
    ...['a', 'b', 'c'].map((id) => ({ queue: EVENTS, name: 'step-event', jobId: `op-burst-${id}.event`, payload: { operationId: `op-burst-${id}` } })),
  ];
  await withTransaction(db.pool, (client) => enqueue(client, messages));
  await r.kick();
  t.equal(r.published, 7);
  t.same(await outboxRows(), []);
  t.equal(await steps.getWaitingCount(), 4);
  t.equal(await events.getWaitingCount(), 3);
  t.equal((await events.getJob('op-burst-b.event'))?.opts.attempts, 25, 'each queue gets its own options');
});

t.test('the same job id enqueued twice yields one job', async (t) => {
  const { relay: r } = relay(t);
  const q = queue(t, STEPS);
  const first = verifyStep('op-twice');
  const replay = { ...first, payload: { ...(first.payload as object), replayed: true } };
  await withTransaction(db.pool, (client) => enqueue(client, [first]));
  await withTransaction(db.pool, (client) => enqueue(client, [replay]));
  await r.kick();
  t.same(await outboxRows(), [], 'both rows are drained');
  const jobs = await q.getJobs(['waiting', 'delayed', 'prioritized']);
  t.same(jobs.map((j) => j.id), [first.jobId], 'one job');
  t.same(jobs[0]?.data, first.payload, 'the first one wins');
});

t.test('a started relay publishes a commit when notified, without waiting for its poll', async (t) => {
  const { relay: r } = relay(t, { pollIntervalMs: 60_000 });
  const q = queue(t, STEPS);
  await r.start();
  const message = verifyStep('op-notified');
  await withTransaction(db.pool, (client) => enqueue(client, [message]));
  // The job appears before the relay's transaction commits the row's delete: wait for both.
  const deadline = Date.now() + 10_000;
  while (!((await q.getJob(message.jobId)) && (await outboxRows()).length === 0) && Date.now() < deadline) await sleep(25);
  t.ok(await q.getJob(message.jobId), 'published on the notification');
  t.same(await outboxRows(), [], 'and removed from the outbox');
});

t.test('while Redis is unreachable the rows stay in the outbox, and a relay with Redis publishes them later', async (t) => {
  // A producer connection as the gateway makes one, to a port where no Redis listens.
  const deadRedis = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 500 });
  deadRedis.on('error', () => {});
  t.teardown(() => { deadRedis.disconnect(); });

  const stranded = relay(t, { redis: deadRedis });
  const messages = [verifyStep('op-outage-1'), verifyStep('op-outage-2')];
  await withTransaction(db.pool, (client) => enqueue(client, messages));

  await stranded.relay.kick();
  await stranded.relay.kick();
  t.equal(stranded.relay.published, 0);
  t.same(await outboxRows(), messages.map((m) => m.jobId), 'the rows are still there');
  t.ok(stranded.warnings().includes('outbox drain failed; will retry'), 'the failure is logged as a warning');
  await stranded.relay.stop();

  const healthy = relay(t);
  const q = queue(t, STEPS);
  await healthy.relay.kick();
  t.equal(healthy.relay.published, 2);
  t.same(await outboxRows(), []);
  for (const m of messages) t.ok(await q.getJob(m.jobId), `${m.jobId} published after the outage`);
});
