import t from 'tap';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import type { StepName } from '@sutasoma/contracts';
import { PII_TEST_ENV, SIM_CREDENTIALS, createTestPrefix, startServiceProcess, stepDriver, testRedisUrl, waitFor } from '@sutasoma/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

// The simulator as BPJS (a process of its own), this adapter in-process on a real port so BPJS's
// decision webhooks reach it, and the queues of this file's prefix.
// BPJS decides a claim this long after it was submitted. It must outlast the time this test takes to
// see a submission succeed and put BPJS down (a poll of the events queue and a call to the
// simulator), which on a busy machine is far more than a fast one's few milliseconds.
const DECISION_DELAY_MS = 2_000;
const queues = createTestPrefix();
const sim = await startServiceProcess({ service: 'partner-sim', env: { SIM_BPJS_DECISION_DELAY_MS: String(DECISION_DELAY_MS), SIM_BPJS_WEBHOOK_BACKOFF_MS: '100' } });
const app = await buildApp(loadConfig({
  ...SIM_CREDENTIALS, ...PII_TEST_ENV, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'silent', PARTNER_BASE_URL: `${sim.url}/bpjs`,
  RETRY_BASE_MS: '100', RETRY_MAX_MS: '300', RETRY_ATTEMPTS: '100', BREAKER_VOLUME: '1000', PARTNER_TIMEOUT_MS: '1000',
  // No gateway runs here: decisions are read from its queue, not waited for.
  WEBHOOK_HANDOVER_MS: '0',
}));
await app.listen({ port: 0, host: '127.0.0.1' });
const adapterUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const steps = stepDriver(queues, 'bpjs', { timeoutMs: 25_000 });
t.teardown(async () => {
  await app.close();
  await steps.close();
  await sim.kill();
  await queues.cleanup();
});

const simCall = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sim.url}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return res.status === 204 ? null : res.json();
};
await simCall('PUT', '/_sim/bpjs/claims/webhook', { url: `${adapterUrl}/webhooks/bpjs/claims` });

const { eventsOf } = steps;
const finalOf = async (operationId: string, step: StepName) => (await steps.finals(operationId, step))[0]!;

interface SimFarmer { nik: string; fullName: string; birthDate: string; sex: 'M' | 'F'; villageCode: string }
let offset = 0;
const thisMonth = () => new Date().toISOString().slice(0, 7);
const today = () => new Date().toISOString().slice(0, 10);

/** A farmer registered at BPJS through this adapter, with `months` paid from `periodStart` (none when 0). */
async function participant(opts: { periodStart?: string; months?: number } = {}) {
  const { items } = await simCall('GET', `/_sim/farmers?case=eligible&limit=1&offset=${offset++}`) as { items: SimFarmer[] };
  const f = items[0]!;
  const reg = await finalOf(await steps.add('bpjs.register_participant', { ...f, declaredMonthlyIncome: 1_000_000 }), 'bpjs.register_participant');
  const kpj = String(reg.result!['kpj']);
  const months = opts.months ?? 1;
  if (months > 0) {
    const posted = await finalOf(await steps.add('bpjs.post_contribution', {
      kpj, months, periodStart: opts.periodStart ?? thisMonth(), amount: 16_800 * months, channel: 'agent_cash', bankReference: 'ref-1',
    }), 'bpjs.post_contribution');
    if (posted.outcome !== 'succeeded') throw new Error(`fixture contribution: ${JSON.stringify(posted)}`);
  }
  return { kpj, nik: f.nik };
}

const jkkClaim = (p: { kpj: string; nik: string }, claimRef = randomUUID()) => ({
  claimRef, program: 'jkk', kpj: p.kpj, nik: p.nik, eventDate: today(), requested: { hospital: 4_500_000, lostIncome: 1_000_000 },
  plkkCaseId: 'PLKK-0001', guaranteeId: 'GJ-0001',
});
const claimsAtBpjs = async (claimRef: string) => (await simCall('GET', `/_sim/bpjs/claims?claimRef=${claimRef}`) as { count: number }).count;

t.test('coverage: covered on the event date, lapsed, unknown to BPJS, a KPJ under another NIK', async (t) => {
  const active = await participant({ months: 2 });
  const covered = await finalOf(await steps.add('bpjs.check_coverage', { kpj: active.kpj, nik: active.nik, eventDate: today(), program: 'jkk' }), 'bpjs.check_coverage');
  t.match(covered, { outcome: 'succeeded', result: { covered: true, declaredMonthlyIncome: 1_000_000, coveredUntil: /^\d{4}-\d{2}-\d{2}$/ } });
  t.ok(String(covered.result!['coveredUntil']) > today(), 'two months paid: covered into next month');

  const lapsed = await participant({ periodStart: '2024-01', months: 1 });
  t.match(await finalOf(await steps.add('bpjs.check_coverage', { kpj: lapsed.kpj, nik: lapsed.nik, eventDate: today(), program: 'jkm' }), 'bpjs.check_coverage'),
    { outcome: 'rejected', reasonCode: 'coverage_inactive' });
  t.match(await finalOf(await steps.add('bpjs.check_coverage', { kpj: lapsed.kpj, nik: lapsed.nik, eventDate: '2024-01-10', program: 'jkk' }), 'bpjs.check_coverage'),
    { outcome: 'succeeded' }, 'an accident back in the paid month was covered');

  t.match(await finalOf(await steps.add('bpjs.check_coverage', { kpj: '26999999999', nik: active.nik, eventDate: today(), program: 'jkk' }), 'bpjs.check_coverage'),
    { outcome: 'rejected', reasonCode: 'participant_unknown' });
  t.match(await finalOf(await steps.add('bpjs.check_coverage', { kpj: active.kpj, nik: lapsed.nik, eventDate: today(), program: 'jkk' }), 'bpjs.check_coverage'),
    { outcome: 'rejected', reasonCode: 'participant_unknown' }, 'the NIK does not match the KPJ');
});

t.test('a claim submitted twice (a replay) is one claim at BPJS, and its decision, delivered twice, is one event', async (t) => {
  const p = await participant();
  await simCall('PUT', '/_sim/bpjs/claims/webhook-faults', { duplicate: true });
  t.teardown(() => simCall('DELETE', '/_sim/bpjs/claims/webhook-faults'));
  const input = jkkClaim(p);
  const op = await steps.add('bpjs.submit_claim', input, { operationId: input.claimRef });
  const submitted = await finalOf(op, 'bpjs.submit_claim');
  t.match(submitted, { outcome: 'succeeded', result: { bpjsClaimId: /^KLM\d{12}$/ } });
  await steps.add('bpjs.submit_claim', input, { operationId: op, replay: 1 });
  const both = await waitFor(() => eventsOf(op, 'bpjs.submit_claim'), (evs) => evs.filter((e) => e.outcome === 'succeeded').length === 2, { what: 'the replay' });
  t.equal(both[1]!.result!['bpjsClaimId'], submitted.result!['bpjsClaimId'], 'the replay answers the same claim');
  t.equal(await claimsAtBpjs(input.claimRef), 1, 'one claim at BPJS');

  const decided = await finalOf(op, 'bpjs.await_decision');
  t.same(decided.result, {
    bpjsClaimId: submitted.result!['bpjsClaimId'], decision: 'approved', approved: { hospital: 4_500_000, lostIncome: 1_000_000 }, decidedAt: decided.result!['decidedAt'],
  });
  t.match(decided, { outcome: 'succeeded', correlationId: `req-${op.slice(0, 8)}`, attempt: 1 });
  await waitFor(() => simCall('GET', `/_sim/bpjs/claims/webhooks?claimRef=${input.claimRef}`) as Promise<{ items: { status: string }[] }>,
    (d) => d.items.length === 2 && d.items.every((i) => i.status === 'delivered'), { what: 'both copies delivered' });
  t.equal((await eventsOf(op, 'bpjs.await_decision')).length, 1, 'one decision event for two deliveries');
});

t.test('BPJS refuses a claim, or asks for documents first and approves after', async (t) => {
  const refused = await participant();
  await simCall('POST', '/_sim/bpjs/claims/decisions', { kpj: refused.kpj, decision: 'reject', reasonCode: 'not_work_related' });
  const r = jkkClaim(refused);
  await steps.add('bpjs.submit_claim', r, { operationId: r.claimRef });
  t.match(await finalOf(r.claimRef, 'bpjs.await_decision'), { outcome: 'rejected', reasonCode: 'not_work_related' });

  const slow = await participant();
  await simCall('POST', '/_sim/bpjs/claims/decisions', { kpj: slow.kpj, decision: 'documents' });
  const d = jkkClaim(slow);
  await steps.add('bpjs.submit_claim', d, { operationId: d.claimRef });
  await finalOf(d.claimRef, 'bpjs.await_decision');
  t.match(await eventsOf(d.claimRef, 'bpjs.await_decision'), [
    { outcome: 'attempt_failed', errorCode: 'DOCUMENTS_REQUESTED', attempt: 1 },
    { outcome: 'succeeded', attempt: 2, result: { decision: 'approved' } },
  ], 'the documents request shows, then the approval');
});

t.test('BPJS down while the claim is submitted and again while it is decided: one claim, one decision', async (t) => {
  const p = await participant();
  const input = jkkClaim(p);
  await simCall('POST', '/_sim/faults', { system: 'bpjs', mode: 'down' });
  await steps.add('bpjs.submit_claim', input, { operationId: input.claimRef });
  await waitFor(() => eventsOf(input.claimRef, 'bpjs.submit_claim'), (evs) => evs.filter((e) => e.outcome === 'attempt_failed').length >= 2, { what: 'failed attempts' });
  await simCall('DELETE', '/_sim/faults');
  t.match(await finalOf(input.claimRef, 'bpjs.submit_claim'), { outcome: 'succeeded' }, 'submitted once BPJS is back');
  await simCall('POST', '/_sim/faults', { system: 'bpjs', mode: 'down' });
  const atBpjs = async () => ((await simCall('GET', `/_sim/bpjs/claims?claimRef=${input.claimRef}`)) as { items: { status: string; decisions: unknown[] }[] }).items[0]!;
  t.match(await atBpjs(), { status: 'DIAJUKAN', decisions: [] }, 'BPJS went down before deciding');
  // Nothing signals a decision that was not made: wait past the time BPJS would have decided.
  await sleep(DECISION_DELAY_MS + 1_000);
  t.match(await atBpjs(), { status: 'DIAJUKAN', decisions: [] }, 'BPJS decides nothing while down');
  t.same(await eventsOf(input.claimRef, 'bpjs.await_decision'), [], 'no decision while BPJS is down');
  await simCall('DELETE', '/_sim/faults');
  t.match(await finalOf(input.claimRef, 'bpjs.await_decision'), { outcome: 'succeeded', result: { decision: 'approved' } });
  t.equal(await claimsAtBpjs(input.claimRef), 1, 'one claim at BPJS');
});

const decisionBody = (claimRef: string, over: Record<string, unknown> = {}) => JSON.stringify({
  claimRef, bpjsClaimId: 'KLM000000000001', decision: 'approved', approved: { hospital: 1 }, decidedAt: new Date().toISOString(), ...over,
});
function deliver(body: string, opts: { secret?: string; id?: string } = {}) {
  const id = opts.id ?? `msg_${randomUUID().replaceAll('-', '')}`;
  const at = new Date();
  return app.inject({
    method: 'POST', url: '/webhooks/bpjs/claims', payload: body,
    headers: {
      'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(opts.secret ?? SIM_CREDENTIALS.BPJS_WEBHOOK_SECRETS).sign(id, at, body),
    },
  });
}

t.test('a decision signed with the wrong secret is refused, logged and counted, and changes nothing', async (t) => {
  const p = await participant();
  await simCall('PUT', '/_sim/bpjs/claims/webhook-faults', { badSignature: true });
  const input = jkkClaim(p);
  await steps.add('bpjs.submit_claim', input, { operationId: input.claimRef });
  await finalOf(input.claimRef, 'bpjs.submit_claim');
  const refused = await waitFor(() => simCall('GET', `/_sim/bpjs/claims/webhooks?claimRef=${input.claimRef}`) as Promise<{ items: { responseStatus: number | null }[] }>,
    (d) => d.items[0]?.responseStatus === 401, { what: 'the forged delivery refused' });
  t.equal(refused.items[0]!.responseStatus, 401);
  await simCall('DELETE', '/_sim/bpjs/claims/webhook-faults');
  t.same(await eventsOf(input.claimRef, 'bpjs.await_decision'), [], 'no decision event');
  const forged = await deliver(decisionBody(input.claimRef), { secret: `whsec_${Buffer.from('an-attacker-secret-of-32-bytes!!').toString('base64')}` });
  t.equal(forged.statusCode, 401);
  t.equal(forged.json().code, 'webhook_signature_invalid');
  const metrics = (await app.internal.inject({ url: '/metrics' })).body;
  t.match(metrics, /webhooks_received_total\{partner="bpjs",outcome="bad_signature"[^}]*\} [1-9]/);
  t.same(await eventsOf(input.claimRef, 'bpjs.await_decision'), []);
});

t.test('a decision for a claim the adapter no longer remembers (Redis lost) still reaches the gateway; a bad body is a 400; a replay is ignored', async (t) => {
  const forgotten = randomUUID();
  const unknown = await deliver(decisionBody(forgotten));
  t.equal(unknown.statusCode, 200);
  t.match(await eventsOf(forgotten, 'bpjs.await_decision'), [{ operationId: forgotten, outcome: 'succeeded', correlationId: /^bpjs-decision-/ }],
    'handed over under its claimRef, which is the claim\'s operation id');
  const bad = await deliver(decisionBody(randomUUID(), { decision: 'maybe' }));
  t.equal(bad.statusCode, 400);

  const claimRef = randomUUID();
  await queues.redis.set(`${queues.prefix}:bpjs:claim:${claimRef}`, JSON.stringify({ operationId: claimRef, correlationId: 'req-x' }), 'EX', 60);
  const body = decisionBody(claimRef, { decision: 'rejected', reasonCode: 'coverage_inactive', approved: {} });
  t.equal((await deliver(body, { id: 'msg_once' })).statusCode, 200);
  t.equal((await deliver(body, { id: 'msg_once' })).statusCode, 200, 'the replay is acknowledged');
  t.match(await eventsOf(claimRef, 'bpjs.await_decision'), [{ outcome: 'rejected', reasonCode: 'coverage_inactive', correlationId: 'req-x' }], 'and published once');
});
