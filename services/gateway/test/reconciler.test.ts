import t from 'tap';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { EVENT_JOB_OPTIONS, GATEWAY_EVENTS_QUEUE, StepEvent, StepJob, jobIds, type StepName } from '@sutasoma/contracts';
import { PII_TEST_ENV, testRedisUrl, waitFor } from '@sutasoma/testing';
import { ClaimStatus, ContributionStatus, RegistrationStatus } from '@sutasoma/contracts';
import { buildFlows } from '../src/flows/index.ts';
import { claimRules, contributionRules, feeRules, loadConfig } from '../src/config.ts';
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

t.test('an operation whose step job still waits in its queue (a backlog, a partner down) is not published again; once its job ends without an event, it is', async (t) => {
  const stillQueued = async () => {
    const res = await gw.app.inject({ url: '/metrics' });
    return Number(/^reconciler_still_queued_total(?:\{[^}]*\})? (\d+)/m.exec(res.body)?.[1] ?? 0);
  };
  const res = await gw.app.inject({
    method: 'POST', url: '/v1/registrations', payload: lalabataFarmer({ nik: '7312024505880027' }),
    headers: { authorization: `Bearer ${gw.token('demo-agent')}`, 'idempotency-key': crypto.randomUUID() },
  });
  t.equal(res.statusCode, 202);
  const id = res.json<{ id: string }>().id;
  const simluhtan = new Queue('simluhtan', { connection, prefix: gw.queues.prefix });
  t.teardown(() => simluhtan.close());
  const first = await waitFor(() => simluhtan.getJob(jobIds.step(id, 'simluhtan.verify_membership')), (j) => j !== undefined, { what: 'the membership job queued' });

  // No adapter takes it: it waits. The reconciler looks at it (stale after 1 s) pass after pass.
  const before = await stillQueued();
  await waitFor(stillQueued, (n) => n >= before + 3, { timeoutMs: 30_000, what: 'three reconciler passes that found the job still queued' });
  const republished = async () => (await gw.db.pool.query("SELECT 1 FROM operation_events WHERE operation_id = $1 AND kind = 'step_republished'", [id])).rowCount;
  t.equal(await republished(), 0, 'not published again while its job waits');
  t.equal(await first!.getState(), 'waiting', 'the one job still waits');

  // Now the adapter takes it and gives up for good, its event lost: the step is published again.
  const taken: Job[] = [];
  const worker = new Worker('simluhtan', async (job) => {
    if (StepJob.parse(job.data).operationId === id) taken.push(job);
    throw new UnrecoverableError('the adapter gave up; its event is lost');
  }, { connection, prefix: gw.queues.prefix });
  t.teardown(() => worker.close());
  await waitFor(async () => taken.length, (n) => n >= 2, { timeoutMs: 30_000, what: 'the step to run again' });
  t.not(taken[1]!.id, taken[0]!.id, 'under a job id of its own');
  t.ok((await republished())! >= 1, 'the timeline says it was republished');
});

t.test('a contribution paid whose BPJS posting job ended without its event is posted again: paid is not an end for a contribution', async (t) => {
  const events = new Queue(GATEWAY_EVENTS_QUEUE, { connection, prefix: gw.queues.prefix });
  t.teardown(() => events.close());
  // The adapters' part: each event published as an adapter would after its step.
  const done = (operationId: string, step: StepName, result: Record<string, unknown>) => {
    const e = StepEvent.parse({ operationId, correlationId: 'reconciler-test', step, attempt: 1, outcome: 'succeeded', result, durationMs: 1, at: new Date().toISOString() });
    return events.add('step-event', e, { ...EVENT_JOB_OPTIONS, jobId: jobIds.event(e) });
  };
  const status = async (id: string) => (await gw.db.pool.query<{ status: string }>('SELECT status FROM operations WHERE id = $1', [id])).rows[0]?.status;
  const post = async (url: string, payload: Record<string, unknown>) => {
    const res = await gw.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${gw.token('demo-agent')}`, 'idempotency-key': crypto.randomUUID() } });
    t.equal(res.statusCode, 202, `${url} accepted`);
    return res.json<{ id: string }>().id;
  };

  const registration = await post('/v1/registrations', lalabataFarmer({ nik: '7312024505880019' }));
  await done(registration, 'simluhtan.verify_membership', { farmerGroupId: 'KT-1', farmerGroupName: 'Sipatuo', extensionWorkerId: 'PPL-1', extensionWorkerName: 'Andi' });
  await done(registration, 'ekartutani.lookup_card', { found: true, cardNumberMasked: '****1234', status: 'active' });
  await done(registration, 'bpjs.register_participant', { kpj: '19000000019' });
  await waitFor(() => status(registration), (s) => s === 'registered', { what: 'the farmer registered' });

  // BPJS's adapter takes the posting and gives up on it for good; its event is lost.
  const postings: Job[] = [];
  const worker = new Worker('bpjs', async (job) => {
    if (job.name === 'bpjs.post_contribution') postings.push(job);
    throw new UnrecoverableError('the adapter gave up; its event is lost');
  }, { connection, prefix: gw.queues.prefix });
  t.teardown(() => worker.close());

  const contribution = await post('/v1/contributions', { kpj: '19000000019', months: 1, channel: 'agent_cash' });
  const { rows } = await gw.db.pool.query<{ amount: number }>("SELECT (request->>'amount')::int AS amount FROM operations WHERE id = $1", [contribution]);
  await done(contribution, 'bank.collect_agent_cash', { bankReference: 'AGT-0001', amount: rows[0]!.amount });
  await waitFor(() => status(contribution), (s) => s === 'paid', { what: 'the contribution paid' });
  await waitFor(async () => postings.length, (n) => n >= 1, { what: 'the first posting job' });
  await waitFor(async () => postings.length, (n) => n >= 2, { timeoutMs: 30_000, what: 'the posting to run again' });

  const [first, again] = postings.map((j) => StepJob.parse(j.data));
  t.equal(again!.operationId, contribution);
  t.equal(again!.idempotencyKey, first!.idempotencyKey, 'under the same idempotency key at BPJS: posted once however often it is sent');
  t.equal(await status(contribution), 'paid', 'still paid, not ended: it waits for its posting');
});

t.test('the ledger\'s end states of each kind (which the reconciler and the unfinished index read) are its flow\'s', async (t) => {
  const config = loadConfig({ DATABASE_URL: 'postgres://unused', REDIS_URL: 'redis://unused', JWT_SECRET: 'x'.repeat(32), ...PII_TEST_ENV });
  const flows = buildFlows(contributionRules(config), feeRules(config), claimRules(config));
  const statuses: Record<string, readonly string[]> = {
    registration: RegistrationStatus.options, contribution: ContributionStatus.options, jkk_claim: ClaimStatus.options, jkm_claim: ClaimStatus.options,
  };
  t.same([...flows.keys()].sort(), Object.keys(statuses).sort(), 'every flow is checked');
  for (const [kind, flow] of flows) {
    for (const status of statuses[kind]!) {
      const { rows } = await gw.db.pool.query<{ ended: boolean }>('SELECT operation_ended($1, $2) AS ended', [kind, status]);
      t.equal(rows[0]!.ended, flow.terminal.includes(status), `${kind} ${status}: ${flow.terminal.includes(status) ? 'ended' : 'still open'}`);
    }
  }
});
