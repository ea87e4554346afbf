import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { deleteKeys, waitFor } from '@sutasoma/testing';
import { startFlow } from './flow.ts';

// Time scale shrunk for tests: a breaker that judges after 3 calls and probes every second,
// retries every ~100 ms, locks that expire in 2 s, and a reconciler that acts after 1.5 s.
const flow = await startFlow(t, {
  adapterEnv: {
    BREAKER_VOLUME: '3', BREAKER_RESET_MS: '1000', BREAKER_WINDOW_MS: '5000',
    RETRY_ATTEMPTS: '200', RETRY_BASE_MS: '50', RETRY_MAX_MS: '100', PARTNER_TIMEOUT_MS: '1000', WORKER_LOCK_MS: '2000',
  },
  gatewayEnv: { RECONCILE_AFTER_MS: '1500', RECONCILE_EVERY_MS: '300' },
});
const bpjsStep = async (id: string) => (await flow.registration(id)).steps.find((s) => s.name === 'bpjs.register_participant')!;
const bpjsRequests = async () => ((await (await flow.sim('GET', '/_sim/stats')).json()) as { bpjs: { requests: number } }).bpjs.requests;

t.test('BPJS down: registrations wait in verifying, the breaker opens and stops the attempts, then all complete once', async (t) => {
  await flow.sim('POST', '/_sim/faults', { system: 'bpjs', mode: 'down' });
  const farmers = await flow.farmers('eligible', 5, 100);
  const ids = await Promise.all(farmers.map(async (f) => (await flow.register(f)).id));

  await waitFor(async () => ((await (await fetch(`${flow.partners.adapters.bpjs.url}/breaker`)).json()) as { state: string }).state, (s) => s === 'open', { what: 'the BPJS breaker to open' });
  const breakers = await flow.get('/ops/breakers', flow.token('demo-ops'));
  t.match(breakers.body.items.find((b: { system: string }) => b.system === 'bpjs'), { state: /^(open|half_open)$/ }, 'the ops view shows the BPJS breaker open');
  const reg = await flow.registration(ids[0]!);
  t.equal(reg.status, 'verifying');
  const step = await bpjsStep(ids[0]!);
  t.equal(step.state, 'running');
  t.equal(step.lastErrorCode, 'PARTNER_UNREACHABLE');

  const attemptsBefore = (await Promise.all(ids.map(bpjsStep))).reduce((n, s) => n + s.attempts, 0);
  const callsBefore = await bpjsRequests();
  await sleep(3_000);
  const attemptsAfter = (await Promise.all(ids.map(bpjsStep))).reduce((n, s) => n + s.attempts, 0);
  const callsAfter = await bpjsRequests();
  // Without the breaker, 5 jobs retrying every ~100 ms would make well over 100 calls in 3 s;
  // with it, only the half-open probes (about one a second) reach BPJS.
  t.ok(callsAfter - callsBefore <= 8, `BPJS got ${callsAfter - callsBefore} calls in 3 s while the breaker was open`);
  t.ok(attemptsAfter - attemptsBefore <= 8, `attempts grew by ${attemptsAfter - attemptsBefore} while the breaker was open`);

  await flow.sim('DELETE', '/_sim/faults');
  for (const id of ids) t.equal((await flow.settled(id, 30_000)).status, 'registered', 'none failed');
  for (const f of farmers) t.equal(await flow.participantsAtBpjs(f.nik), 1, 'exactly one participant at BPJS');
});

t.test('kill -9 of the BPJS adapter mid-call, then a restart: every registration completes, once', async (t) => {
  await flow.sim('POST', '/_sim/faults', { system: 'bpjs', mode: 'latency', latencyMs: 1500 });
  const farmers = await flow.farmers('eligible', 5, 200);
  const callsBefore = await bpjsRequests();
  const ids = await Promise.all(farmers.map(async (f) => (await flow.register(f)).id));
  await waitFor(bpjsRequests, (n) => n >= callsBefore + 3, { what: 'BPJS calls in flight' });
  await flow.partners.adapters.bpjs.kill('SIGKILL');
  await flow.sim('DELETE', '/_sim/faults');
  await flow.partners.adapters.bpjs.restart();
  for (const id of ids) t.equal((await flow.settled(id, 30_000)).status, 'registered');
  for (const f of farmers) t.equal(await flow.participantsAtBpjs(f.nik), 1, 'a call BPJS completed before the crash is not repeated as a second participant');
});

t.test('Redis loses the queues: the reconciler republishes and every accepted registration completes, once', async (t) => {
  await flow.partners.adapters.bpjs.kill('SIGTERM');
  const farmers = await flow.farmers('eligible', 5, 300);
  const ids = await Promise.all(farmers.map(async (f) => (await flow.register(f)).id));
  await waitFor(async () => Promise.all(ids.map(async (id) => (await flow.registration(id)).steps[1]!.state)), (states) => states.every((s) => s === 'succeeded'), { what: 'the card look-ups' });
  await waitFor(() => flow.queues.redis.llen(`${flow.queues.prefix}:bpjs:wait`), (n) => n >= 5, { what: 'the BPJS jobs to be queued' });
  const lost = await deleteKeys(flow.queues.redis, `${flow.queues.prefix}:*`);
  t.ok(lost > 0, 'the queued BPJS jobs were in Redis and are gone');
  await flow.partners.adapters.bpjs.restart();
  for (const id of ids) t.equal((await flow.settled(id, 30_000)).status, 'registered');
  for (const f of farmers) t.equal(await flow.participantsAtBpjs(f.nik), 1);
  const recovered = await flow.db.pool.query("SELECT count(DISTINCT operation_id)::int AS n FROM operation_events WHERE kind = 'step_republished' AND operation_id = ANY($1::uuid[])", [ids]);
  t.equal(recovered.rows[0].n, 5, 'each was recovered by the reconciler, and the timeline says so');
});
