import t from 'tap';
import { randomUUID } from 'node:crypto';
import { PII_TEST_ENV, SIM_CREDENTIALS, createTestPrefix, startServiceProcess, stepDriver, testRedisUrl, waitFor } from '@sutasoma/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const queues = createTestPrefix();
const sim = await startServiceProcess({ service: 'partner-sim', env: {} });
const adapterEnv = {
  ...SIM_CREDENTIALS, ...PII_TEST_ENV, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'silent',
  // Attempts enough to outlast the PLKK outage below however slowly this machine runs; no test here
  // needs the attempts to run out. The breaker stays out of the way of the outage too.
  PARTNER_BASE_URL: `${sim.url}/plkk`, RETRY_BASE_MS: '50', RETRY_MAX_MS: '200', RETRY_ATTEMPTS: '100', BREAKER_VOLUME: '1000',
};
const app = await buildApp(loadConfig(adapterEnv));
await app.ready();
const steps = stepDriver(queues, 'plkk');
t.teardown(async () => {
  await app.close();
  await steps.close();
  await sim.kill();
  await queues.cleanup();
});

const simGet = async (path: string) => (await fetch(`${sim.url}${path}`)).json() as Promise<any>;

function caseInput(over: Record<string, unknown> = {}) {
  return {
    caseRef: randomUUID(), kpj: '26300000001', nik: '7312015510820001', accidentDate: '2026-11-30',
    description: 'Terluka parang di sawah', facilityId: 'rsud-latemmamala', encounterId: randomUUID(),
    admittedAt: '2026-11-30T02:00:00.000Z', deadline: '2026-12-02T02:00:00.000Z', late: false, ...over,
  };
}
const bill = (over: Record<string, unknown> = {}) => ({
  billId: 'INV-7', currency: 'IDR', total: 1_100_000,
  lines: [{ code: 'IGD-01', description: 'Gawat darurat', amount: 350_000 }, { code: 'RI-KLS1', description: 'Rawat inap', amount: 750_000 }],
  ...over,
});

t.test('a stage I report gets the PLKK case, its guarantee and the facility\'s account; a replay of the step opens nothing new', async (t) => {
  const input = caseInput();
  const first = await steps.run('plkk.report_case', input);
  t.equal(first.event.outcome, 'succeeded');
  t.match(first.event.result, {
    plkkCaseId: /^PLKK-/, guaranteeId: /^SJP-/, issuedAt: String,
    payee: { bankCode: '126', accountNo: '1260073120001', holderName: 'RSUD Latemmamala Soppeng' },
  });
  const replayed = await steps.run('plkk.report_case', input, { operationId: first.operationId, replay: 1 });
  t.equal(replayed.event.outcome, 'succeeded');
  t.same(replayed.event.result, first.event.result, 'the same case and guarantee');
  const cases = await simGet(`/_sim/plkk/cases?caseRef=${input.caseRef}`);
  t.equal(cases.count, 1, 'the PLKK holds the case once');
  t.equal(cases.items[0].requestId, `${first.operationId}:plkk.report_case`, 'under the step\'s idempotency key');
});

t.test('a facility that is not a PLKK, or a stay already reported, is a rejection with a reason', async (t) => {
  const notPlkk = await steps.run('plkk.report_case', caseInput({ facilityId: 'klinik-swasta-x' }));
  t.match(notPlkk.event, { outcome: 'rejected', reasonCode: 'facility_not_plkk', partnerStatus: 404 });
  const input = caseInput();
  await steps.run('plkk.report_case', input);
  const twice = await steps.run('plkk.report_case', input);
  t.match(twice.event, { outcome: 'rejected', reasonCode: 'plkk_case_exists', partnerStatus: 409 });
});

t.test('the stage II report with the bill gets a report id once; a bill that does not add up is rejected', async (t) => {
  const opened = await steps.run('plkk.report_case', caseInput());
  const plkkCaseId = opened.event.result!['plkkCaseId'] as string;
  const input = { plkkCaseId, dischargedAt: '2026-12-03T02:00:00.000Z', bill: bill() };
  const first = await steps.run('plkk.report_followup', input);
  t.equal(first.event.outcome, 'succeeded');
  t.match(first.event.result, { reportId: /^LNJ-/ });
  const replayed = await steps.run('plkk.report_followup', input, { operationId: first.operationId, replay: 1 });
  t.same(replayed.event.result, first.event.result);
  const held = (await simGet('/_sim/plkk/cases')).items.find((c: any) => c.caseId === plkkCaseId);
  t.match(held.followUp, { reportId: first.event.result!['reportId'], total: 1_100_000 });

  const other = await steps.run('plkk.report_case', caseInput());
  // The contract refuses a wrong currency before the call; a total that is not the sum of the lines reaches the PLKK.
  const mismatch = await steps.run('plkk.report_followup', { plkkCaseId: other.event.result!['plkkCaseId'], dischargedAt: '2026-12-03T02:00:00.000Z', bill: bill({ total: 1 }) });
  t.match(mismatch.event, { outcome: 'rejected', reasonCode: 'bill_refused', partnerStatus: 422 });
  const unknown = await steps.run('plkk.report_followup', { ...input, plkkCaseId: 'PLKK-2026-00000000' });
  t.match(unknown.event, { outcome: 'rejected', reasonCode: 'plkk_case_unknown', partnerStatus: 404 });
});

t.test('a bad job payload fails at once, without calling the PLKK', async (t) => {
  const before = (await simGet('/_sim/stats')).plkk?.requests ?? 0;
  const bad = await steps.run('plkk.report_followup', { plkkCaseId: 'x', dischargedAt: 'now', bill: bill({ currency: 'USD' }) });
  t.match(bad.event, { outcome: 'failed', errorCode: 'BAD_JOB_PAYLOAD' });
  t.equal((await simGet('/_sim/stats')).plkk?.requests ?? 0, before);
});

t.test('a PLKK 503 is retried until it answers; a wrong API key fails the step for good', async (t) => {
  // The outage lasts until a failed attempt has been seen, not a fixed 300 ms: a timed outage could end
  // before the first attempt on a busy machine, or outlast every attempt on a fast one.
  await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ system: 'plkk', mode: 'error', status: 503 }) });
  const op = await steps.add('plkk.report_case', caseInput());
  await waitFor(() => steps.eventsOf(op, 'plkk.report_case'), (evs) => evs.some((e) => e.outcome === 'attempt_failed'), { what: 'a failed attempt' });
  await fetch(`${sim.url}/_sim/faults?system=plkk`, { method: 'DELETE' });
  const [recovered] = await steps.finals(op, 'plkk.report_case');
  t.equal(recovered!.outcome, 'succeeded', 'succeeded after the outage');
  t.ok((await steps.eventsOf(op, 'plkk.report_case')).some((e) => e.outcome === 'attempt_failed' && e.errorCode === 'PARTNER_5XX'), 'after a failed attempt');

  const other = createTestPrefix();
  const wrongKey = await buildApp(loadConfig({ ...adapterEnv, PLKK_API_KEY: 'not-the-key', QUEUE_PREFIX: other.prefix }));
  await wrongKey.ready();
  const otherSteps = stepDriver(other, 'plkk');
  t.teardown(async () => {
    await wrongKey.close();
    await otherSteps.close();
    await other.cleanup();
  });
  const refused = await otherSteps.run('plkk.report_case', caseInput());
  t.match(refused.event, { outcome: 'failed', errorCode: 'PARTNER_AUTH', partnerStatus: 401 });
});
