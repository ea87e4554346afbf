import t from 'tap';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { StepJob } from '@sutasoma/contracts';
import { testRedisUrl, waitFor } from '@sutasoma/testing';
import { lalabataFarmer, startGateway } from './helpers.ts';

// The gateway alone, with a reconciler that acts on an operation untouched for 1 s; the simluhtan
// adapter's part is played by hand, so its step's job can end without its event ever reaching the ledger.
const gw = await startGateway(t, { RECONCILE_AFTER_MS: '1000', RECONCILE_EVERY_MS: '200' });
const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
t.teardown(() => connection.quit());

t.test('a step whose job ended but whose event never reached the ledger runs again when the reconciler republishes it', async (t) => {
  const taken: Job[] = [];
  // Ends each job for good, as an adapter does after a final attempt, and its event is lost. BullMQ
  // keeps a failed job for 30 days: an add under its id would do nothing.
  const worker = new Worker('simluhtan', async (job) => {
    taken.push(job);
    throw new UnrecoverableError('the adapter gave up; its event is lost');
  }, { connection, prefix: gw.queues.prefix });
  t.teardown(() => worker.close());

  const res = await gw.app.inject({
    method: 'POST', url: '/v1/registrations', payload: lalabataFarmer(),
    headers: { authorization: `Bearer ${gw.token('demo-agent')}`, 'idempotency-key': crypto.randomUUID() },
  });
  t.equal(res.statusCode, 202);
  const id = res.json<{ id: string }>().id;

  await waitFor(async () => taken.length, (n) => n >= 1, { what: 'the first membership job' });
  await waitFor(() => taken[0]!.isFailed(), (failed) => failed, { what: 'the first job failed and kept' });
  // The failed job is still in Redis; the republished one must not be swallowed by it.
  await waitFor(async () => taken.length, (n) => n >= 2, { timeoutMs: 30_000, what: 'the adapter to get the step again' });

  const [first, again] = taken.map((j) => ({ id: j.id, data: StepJob.parse(j.data) }));
  t.equal(again!.data.operationId, id);
  t.equal(again!.data.step, 'simluhtan.verify_membership', 'the same step');
  t.equal(again!.data.idempotencyKey, first!.data.idempotencyKey, 'under the same idempotency key at the partner');
  t.not(again!.id, first!.id, 'under a job id of its own');

  const { rows } = await gw.db.pool.query<{ kind: string; step: string }>(
    "SELECT kind, step FROM operation_events WHERE operation_id = $1 AND kind = 'step_republished'", [id],
  );
  t.ok(rows.length >= 1, 'the timeline says the step was republished');
  t.equal(rows[0]?.step, 'simluhtan.verify_membership');
});
