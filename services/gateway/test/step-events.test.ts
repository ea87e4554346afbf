import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { EVENT_JOB_OPTIONS, GATEWAY_EVENTS_QUEUE, jobIds, todayInSoppeng } from '@sutasoma/contracts';
import { inTransaction, withTransaction } from '@sutasoma/ledger';
import { testRedisUrl, waitFor } from '@sutasoma/testing';
import { contributionRules, feeRules, loadConfig } from '../src/config.ts';
import { buildContributionFlow } from '../src/flows/contribution-flow.ts';
import { applyStepEvents } from '../src/flows/engine.ts';
import { registrationFlow } from '../src/flows/registration-flow.ts';
import { REQUIRED_ENV, registerFarmer, startGateway, stepEvent } from './helpers.ts';

// The gateway alone: no adapter runs, so the events below are the only ones its registrations get.
const gw = await startGateway(t);
const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
t.teardown(() => connection.quit());
const flows = new Map([[registrationFlow.kind, registrationFlow]]);

/** Registers farmers of Lalabata with NIKs of their own; answers their operation ids. */
const register = (suffixes: string[]) => Promise.all(suffixes.map((suffix) => registerFarmer(gw, suffix)));

async function steps(id: string) {
  const { rows } = await gw.db.pool.query<{ step: string; state: string }>('SELECT step, state FROM operation_steps WHERE operation_id = $1 ORDER BY seq', [id]);
  return Object.fromEntries(rows.map((r) => [r.step, r.state]));
}

t.test('events applied together in one transaction: each as it would be alone, two for one operation one after the other', async (t) => {
  const [a, b] = await register(['0101', '0102']);
  const unknown = randomUUID();
  const outcomes = await withTransaction(gw.db.pool, (tx) => applyStepEvents(tx, gw.pii, flows, [
    stepEvent(a!, 'simluhtan.verify_membership'),
    stepEvent(b!, 'simluhtan.verify_membership', 'attempt_failed', undefined),
    stepEvent(a!, 'ekartutani.lookup_card'),
    stepEvent(a!, 'simluhtan.verify_membership'),
    stepEvent(unknown, 'simluhtan.verify_membership'),
  ]));
  t.same(outcomes.map((o) => o.effect), ['applied', 'applied', 'applied', 'duplicate', 'unknown_operation'], 'answered in the order given');
  t.same(outcomes.map((o) => o.status), ['verifying', 'verifying', 'verifying', 'verifying', undefined]);

  t.same(await steps(a!), { 'simluhtan.verify_membership': 'succeeded', 'ekartutani.lookup_card': 'succeeded', 'bpjs.register_participant': 'pending' },
    'the second event of the same operation saw the first one\'s change');
  t.same(await steps(b!), { 'simluhtan.verify_membership': 'running', 'ekartutani.lookup_card': 'pending', 'bpjs.register_participant': 'pending' });

  const timeline = await gw.db.pool.query<{ kind: string; step: string }>(
    "SELECT kind, step FROM operation_events WHERE operation_id = $1 AND kind <> 'accepted' ORDER BY id", [a],
  );
  t.same(timeline.rows.map((r) => `${r.kind} ${r.step}`), [
    'step_succeeded simluhtan.verify_membership', 'status_changed simluhtan.verify_membership', 'step_succeeded ekartutani.lookup_card',
  ], 'the timeline in the order the events came; the duplicate left no trace');
  const op = await gw.db.pool.query<{ result: Record<string, unknown> }>('SELECT result FROM operations WHERE id = $1', [a]);
  t.same(Object.keys(op.rows[0]!.result).sort(), ['card', 'membership'], 'both results kept');

  // Each step's job is published once: the card lookup after membership, the BPJS registration after the card.
  const bpjs = new Queue('bpjs', { connection, prefix: gw.queues.prefix });
  t.teardown(() => bpjs.close());
  const job = await waitFor(() => bpjs.getJob(jobIds.step(a!, 'bpjs.register_participant')), (j) => j !== undefined, { what: 'the BPJS step published' });
  t.equal(job!.data.operationId, a);
});

t.test('an event that waited for another transaction on its operation decides on the steps that one committed', async (t) => {
  const [id] = await register(['0301']);
  const first = await gw.db.pool.connect();
  const second = await gw.db.pool.connect();
  t.teardown(() => { first.release(); second.release(); });
  await first.query('BEGIN');
  await applyStepEvents(first, gw.pii, flows, [stepEvent(id!, 'simluhtan.verify_membership'), stepEvent(id!, 'ekartutani.lookup_card')]);

  // BPJS's answer arrives meanwhile, in a transaction of its own: it waits for the first one's lock.
  const pid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const bpjs = inTransaction(second, (tx) => applyStepEvents(tx, gw.pii, flows, [stepEvent(id!, 'bpjs.register_participant', 'succeeded', { kpj: '19000000301' })]));
  await waitFor(async () => (await gw.db.pool.query<{ w: string | null }>('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0]?.w,
    (w) => w === 'Lock', { what: 'the second transaction waiting for the operation\'s lock' });
  await first.query('COMMIT');

  const [outcome] = await bpjs;
  t.equal(outcome!.status, 'registered', 'it saw membership and card done: the last step registers the farmer');
  t.same(await steps(id!), { 'simluhtan.verify_membership': 'succeeded', 'ekartutani.lookup_card': 'succeeded', 'bpjs.register_participant': 'succeeded' });
  const op = await gw.db.pool.query<{ status: string }>('SELECT status FROM operations WHERE id = $1', [id]);
  t.equal(op.rows[0]!.status, 'registered');
  const participant = await gw.db.pool.query('SELECT 1 FROM participants WHERE kpj = $1', ['19000000301']);
  t.equal(participant.rowCount, 1, 'the participant exists');
});

t.test('a batch that registers three farmers, then batches that pay their first months: every participant, coverage and fee written', async (t) => {
  const config = loadConfig({ ...REQUIRED_ENV, JWT_SECRET: 'x'.repeat(32) });
  const both = new Map([[registrationFlow.kind, registrationFlow], ['contribution', buildContributionFlow(contributionRules(config), feeRules(config))]]);
  const ids = await register(['0401', '0402', '0403']);
  const kpjs = ['19000000401', '19000000402', '19000000403'];
  const registered = await withTransaction(gw.db.pool, (tx) => applyStepEvents(tx, gw.pii, both, ids.flatMap((id, i) => [
    stepEvent(id, 'simluhtan.verify_membership'), stepEvent(id, 'ekartutani.lookup_card'), stepEvent(id, 'bpjs.register_participant', 'succeeded', { kpj: kpjs[i] }),
  ])));
  t.same(registered.map((o) => o.status).filter((s) => s === 'registered').length, 3, 'each registration ends in the batch');
  const participants = await gw.db.pool.query<{ kpj: string; registration_id: string; has_card: boolean; months_paid: number }>(
    'SELECT kpj, registration_id, has_card, months_paid FROM participants WHERE kpj = ANY($1) ORDER BY kpj', [kpjs]);
  t.same(participants.rows, kpjs.map((kpj, i) => ({ kpj, registration_id: ids[i], has_card: true, months_paid: 0 })), 'one participant each, with its card');

  const contributions = await Promise.all(kpjs.map(async (kpj) => {
    const res = await gw.app.inject({
      method: 'POST', url: '/v1/contributions', payload: { kpj, months: 2, channel: 'agent_cash' },
      headers: { authorization: `Bearer ${gw.token('demo-agent')}`, 'idempotency-key': randomUUID() },
    });
    t.equal(res.statusCode, 202, res.body);
    return res.json<{ id: string; amount: number }>();
  }));
  await withTransaction(gw.db.pool, (tx) => applyStepEvents(tx, gw.pii, both, contributions.map((c, i) => stepEvent(c.id, 'bank.collect_agent_cash', 'succeeded', { bankReference: `REF-${i}`, amount: c.amount }))));
  const thisMonth = todayInSoppeng().slice(0, 7);
  const postings = await gw.db.pool.query<{ input: { kpj: string; periodStart: string; months: number } }>(
    "SELECT payload->'input' AS input FROM outbox WHERE job_name = 'bpjs.post_contribution' ORDER BY payload->'input'->>'kpj'");
  const bpjs = new Queue('bpjs', { connection, prefix: gw.queues.prefix });
  t.teardown(() => bpjs.close());
  const published = postings.rows.length > 0 ? postings.rows.map((r) => r.input) : await waitFor(async () => {
    const jobs = await Promise.all(contributions.map((c) => bpjs.getJob(jobIds.step(c.id, 'bpjs.post_contribution'))));
    return jobs.every(Boolean) ? jobs.map((j) => j!.data.input as { kpj: string; periodStart: string; months: number }).sort((a, b) => a.kpj.localeCompare(b.kpj)) : undefined;
  }, (x) => x !== undefined, { what: 'the three postings published' });
  t.same(published!.map((i) => [i.kpj, i.periodStart.slice(0, 7), i.months]), kpjs.map((kpj) => [kpj, thisMonth, 2]),
    'each posting read its own participant\'s coverage: none yet, so from this month');

  const [y, m] = thisMonth.split('-').map(Number) as [number, number];
  const next = `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}`;
  await withTransaction(gw.db.pool, (tx) => applyStepEvents(tx, gw.pii, both, contributions.map((c, i) => stepEvent(c.id, 'bpjs.post_contribution', 'succeeded', {
    receipt: `TT000000000${i}`, periodStart: `${thisMonth}-01`, periodEnd: `${next}-01`,
  }))));
  const paid = await gw.db.pool.query<{ kpj: string; months_paid: number; covered_until: string; first: boolean }>(
    "SELECT kpj, months_paid, to_char(covered_until, 'YYYY-MM') AS covered_until, first_paid_at IS NOT NULL AS first FROM participants WHERE kpj = ANY($1) ORDER BY kpj", [kpjs]);
  t.same(paid.rows, kpjs.map((kpj) => ({ kpj, months_paid: 2, covered_until: next, first: true })), 'each coverage extended to the end of the month posted');
  const fees = await gw.db.pool.query<{ kpj: string; kind: string; amount: string }>(
    'SELECT kpj, kind, amount FROM agent_fees WHERE kpj = ANY($1) ORDER BY kpj, kind', [kpjs]);
  // 7.5 % of Rp 33,600, of which the agent keeps 90 %: Rp 2,268; and the activation fee with the first month.
  t.same(fees.rows.map((f) => [f.kpj, f.kind, Number(f.amount)]), kpjs.flatMap((kpj) => [[kpj, 'activation', 5_000], [kpj, 'contribution', 2_268]]),
    'one contribution fee and one activation fee for each');
});

t.test('in the events worker, an event the ledger refuses fails alone; the others taken with it are applied', async (t) => {
  const ids = await register(['0201', '0202', '0203']);
  const events = new Queue(GATEWAY_EVENTS_QUEUE, { connection, prefix: gw.queues.prefix });
  t.teardown(() => events.close());
  // The second's result is not a membership: the flow cannot read it, and its transaction fails.
  const sent = [
    stepEvent(ids[0]!, 'simluhtan.verify_membership'),
    stepEvent(ids[1]!, 'simluhtan.verify_membership', 'succeeded', { farmerGroupId: 'KT-1' }),
    stepEvent(ids[2]!, 'simluhtan.verify_membership'),
  ];
  const jobs = await events.addBulk(sent.map((e) => ({ name: 'step-event', data: e, opts: { ...EVENT_JOB_OPTIONS, attempts: 1, jobId: jobIds.event(e) } })));

  for (const id of [ids[0]!, ids[2]!]) {
    await waitFor(() => steps(id), (s) => s['simluhtan.verify_membership'] === 'succeeded', { what: `${id}'s membership applied` });
  }
  await waitFor(() => jobs[1]!.isFailed(), (failed) => failed, { what: 'the unreadable event to fail' });
  t.same(await steps(ids[1]!), { 'simluhtan.verify_membership': 'pending', 'ekartutani.lookup_card': 'pending', 'bpjs.register_participant': 'pending' },
    'nothing of the refused event was written');
  t.same((await events.getFailed()).map((j) => j.id), [jobs[1]!.id], 'only the refused event failed; the good ones completed (and are not kept)');
});
