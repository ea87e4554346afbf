import t from 'tap';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { GATEWAY_INTAKE_QUEUE, type IntakeEvent } from '@sutasoma/contracts';
import { PII_TEST_ENV, SIM_CREDENTIALS, testPii, createTestPrefix, startServiceProcess, stepDriver, testRedisUrl, waitFor } from '@sutasoma/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const queues = createTestPrefix();
const sim = await startServiceProcess({ service: 'partner-sim', env: { SIM_HOSPITAL_DISCHARGE_AFTER_MS: '300', SIM_HOSPITAL_WEBHOOK_BACKOFF_MS: '50' } });
const app = await buildApp(loadConfig({
  ...SIM_CREDENTIALS, ...PII_TEST_ENV, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'silent',
  // Attempts enough to outlast the hospital outage below however slowly this machine runs.
  PARTNER_BASE_URL: `${sim.url}/hospital`, RETRY_BASE_MS: '50', RETRY_MAX_MS: '200', RETRY_ATTEMPTS: '100', BREAKER_VOLUME: '1000',
  // No gateway runs here: what reaches the intake queue is read from it, not waited for.
  WEBHOOK_HANDOVER_MS: '0',
}));
await app.listen({ port: 0, host: '127.0.0.1' });
const adapterUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const intake = new Queue(GATEWAY_INTAKE_QUEUE, { connection: queues.redis, prefix: queues.prefix });
const steps = stepDriver(queues, 'hospital');
t.teardown(async () => {
  await sim.kill();
  await app.close();
  await intake.close();
  await steps.close();
  await queues.cleanup();
});

const simCall = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sim.url}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return res.status === 204 ? null : res.json() as Promise<any>;
};
await simCall('PUT', '/_sim/hospital/webhook', { url: `${adapterUrl}/webhooks/hospital/fhir` });

const farmer = (await simCall('GET', '/_sim/farmers?limit=1&case=eligible')).items[0];
const intakeOf = async (encounterId: string) => (await intake.getJobs(['waiting', 'delayed', 'completed', 'active']))
  .map((j) => testPii.reveal<IntakeEvent>(j.data)).filter((e) => e.encounterId === encounterId);
const guarantee = (encounterId: string, over: Record<string, unknown> = {}) => ({
  hospitalId: 'rsud-latemmamala', encounterId, nik: farmer.nik, plkkCaseId: 'PLKK-2026-00000042', guaranteeId: 'SJP-2026-00000042', issuedAt: new Date().toISOString(), ...over,
});

t.test('an accident stay at the hospital reaches the gateway as one admission and one discharge with the bill', async (t) => {
  const stay = await simCall('POST', '/_sim/hospital/scenarios', { nik: farmer.nik, accidentDate: '2026-11-30' });
  const events = await waitFor(() => intakeOf(stay.encounterId), (es) => es.length === 2, { what: 'admission and discharge on the intake queue' });
  const admission = events.find((e) => e.type === 'hospital.admission')!;
  const discharge = events.find((e) => e.type === 'hospital.discharge')!;
  t.match(admission, { hospitalId: 'rsud-latemmamala', nik: farmer.nik, accidentDate: '2026-11-30', admittedAt: stay.admittedAt });
  t.match(discharge, { dischargedAt: stay.dischargedAt, bill: { billId: stay.bill.billId, currency: 'IDR', total: stay.bill.total } });
  t.equal(discharge.bill.lines.length, stay.bill.lines.length);
});

t.test('duplicated deliveries from the hospital still reach the gateway once each', async (t) => {
  await simCall('PUT', '/_sim/hospital/webhook-faults', { duplicate: true, outOfOrder: true });
  t.teardown(() => simCall('DELETE', '/_sim/hospital/webhook-faults'));
  const stay = await simCall('POST', '/_sim/hospital/scenarios', { nik: farmer.nik });
  await waitFor(async () => (await simCall('GET', `/_sim/hospital/deliveries?encounterId=${stay.encounterId}`)).items,
    (ds: any[]) => ds.length === 4 && ds.every((d) => d.status === 'delivered'), { what: 'four deliveries' });
  const events = await intakeOf(stay.encounterId);
  t.same(events.map((e) => e.type).sort(), ['hospital.admission', 'hospital.discharge']);
});

t.test('a badly signed notification is refused and the hospital gives it up; nothing reaches the gateway', async (t) => {
  await simCall('PUT', '/_sim/hospital/webhook-faults', { badSignature: true });
  t.teardown(() => simCall('DELETE', '/_sim/hospital/webhook-faults'));
  const stay = await simCall('POST', '/_sim/hospital/scenarios', { nik: farmer.nik, skipAdmission: true, dischargeAfterMs: 0 });
  const [delivery] = await waitFor(async () => (await simCall('GET', `/_sim/hospital/deliveries?encounterId=${stay.encounterId}`)).items,
    (ds: any[]) => ds.length === 1 && ds[0].status === 'failed', { what: 'the delivery to be given up' });
  t.equal(delivery.responseStatus, 401);
  t.same(await intakeOf(stay.encounterId), []);
});

t.test('the guarantee notice reaches the hospital once, however often the step runs', async (t) => {
  const stay = await simCall('POST', '/_sim/hospital/scenarios', { nik: farmer.nik, dischargeAfterMs: 60_000 });
  await waitFor(() => intakeOf(stay.encounterId), (es) => es.length === 1, { what: 'the admission' });
  const first = await steps.run('hospital.notify_guarantee', guarantee(stay.encounterId));
  t.equal(first.event.outcome, 'succeeded');
  t.match(first.event.result, { notificationId: String });
  const replayed = await steps.run('hospital.notify_guarantee', guarantee(stay.encounterId), { operationId: first.operationId, replay: 1 });
  t.same(replayed.event.result, first.event.result, 'a replay answers the notice already held');
  const held = await simCall('GET', `/_sim/hospital/guarantees?encounterId=${stay.encounterId}`);
  t.equal(held.count, 1, 'the hospital holds one notice');
  t.match(held.items[0].resource, {
    resourceType: 'CoverageEligibilityResponse', outcome: 'complete', preAuthRef: 'SJP-2026-00000042',
    patient: { identifier: { system: 'https://fhir.kemkes.go.id/id/nik', value: farmer.nik } },
    insurer: { display: 'BPJS Ketenagakerjaan' }, disposition: /SJP-2026-00000042.*PLKK-2026-00000042/,
  });
});

t.test('after the hospital revokes our token the step fetches a new one and succeeds', async (t) => {
  const stay = await simCall('POST', '/_sim/hospital/scenarios', { nik: farmer.nik, dischargeAfterMs: 60_000 });
  await steps.run('hospital.notify_guarantee', guarantee(stay.encounterId));
  await simCall('DELETE', '/_sim/hospital/tokens');
  const other = await simCall('POST', '/_sim/hospital/scenarios', { nik: farmer.nik, dischargeAfterMs: 60_000 });
  const after = await steps.run('hospital.notify_guarantee', guarantee(other.encounterId));
  t.equal(after.event.outcome, 'succeeded');
  t.equal(after.event.attempt, 1, 'without spending an attempt');
});

t.test('a notice for an encounter the hospital does not know is rejected with a reason', async (t) => {
  const res = await steps.run('hospital.notify_guarantee', guarantee(randomUUID()));
  t.match(res.event, { outcome: 'rejected', reasonCode: 'encounter_unknown', partnerStatus: 404 });
});

t.test('while the hospital is down the step retries, and succeeds once it is back', async (t) => {
  const stay = await simCall('POST', '/_sim/hospital/scenarios', { nik: farmer.nik, dischargeAfterMs: 60_000 });
  // Down until a failed attempt has been seen, not for a fixed 300 ms (which a fast machine's four
  // attempts could outrun, and a slow machine's first attempt could miss).
  await simCall('POST', '/_sim/faults', { system: 'hospital', mode: 'error', status: 503 });
  const op = await steps.add('hospital.notify_guarantee', guarantee(stay.encounterId));
  await waitFor(() => steps.eventsOf(op, 'hospital.notify_guarantee'), (evs) => evs.some((e) => e.outcome === 'attempt_failed'), { what: 'a failed attempt' });
  await simCall('DELETE', '/_sim/faults?system=hospital');
  const [res] = await steps.finals(op, 'hospital.notify_guarantee');
  t.equal(res!.outcome, 'succeeded');
  t.ok((await steps.eventsOf(op, 'hospital.notify_guarantee')).some((e) => e.outcome === 'attempt_failed' && e.errorCode === 'PARTNER_5XX'));
});
