import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { GATEWAY_INTAKE_QUEUE } from '@sutasoma/contracts';
import { PII_TEST_ENV, SIM_CREDENTIALS, testPii, createTestPrefix, testRedisUrl } from '@sutasoma/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const queues = createTestPrefix();
const secret = SIM_CREDENTIALS.HOSPITAL_WEBHOOK_SECRETS;
const app = await buildApp(loadConfig({
  ...SIM_CREDENTIALS, ...PII_TEST_ENV, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'silent', PARTNER_BASE_URL: 'http://127.0.0.1:9/hospital',
  // No gateway runs here: what reaches the intake queue is read from it, not waited for.
  WEBHOOK_HANDOVER_MS: '0',
}));
await app.ready();
const intake = new Queue(GATEWAY_INTAKE_QUEUE, { connection: queues.redis, prefix: queues.prefix });
t.teardown(async () => {
  await app.close();
  await intake.close();
  await queues.cleanup();
});

const NIK = '7312015510820001';
const NIK_SYSTEM = 'https://fhir.kemkes.go.id/id/nik';
const ACCIDENT = 'https://sutasoma.soppengkab.go.id/fhir/StructureDefinition/accident-date';

interface Stay { encounterId: string; admittedAt: string; dischargedAt: string }
const newStay = (): Stay => ({ encounterId: randomUUID(), admittedAt: '2026-11-30T10:15:00+08:00', dischargedAt: '2026-12-03T09:00:00+08:00' });

function patient(over: Record<string, unknown> = {}) {
  return { resourceType: 'Patient', id: 'P001', identifier: [{ use: 'official', system: NIK_SYSTEM, value: NIK }], name: [{ text: 'Baso Lallo' }], ...over };
}
function encounter(s: Stay, event: 'admission' | 'discharge', over: Record<string, unknown> = {}) {
  return {
    resourceType: 'Encounter', id: s.encounterId, status: event === 'admission' ? 'in-progress' : 'finished',
    extension: [{ url: ACCIDENT, valueDate: '2026-11-30' }],
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: { reference: 'Patient/P001' },
    period: { start: s.admittedAt, ...(event === 'discharge' ? { end: s.dischargedAt } : {}) },
    reasonCode: [{ text: 'Terluka parang di sawah' }],
    serviceProvider: { reference: 'Organization/rsud-latemmamala' },
    ...over,
  };
}
function claim(over: { lines?: { code: string; amount: number; currency?: string }[]; total?: number; currency?: string } = {}) {
  const lines = over.lines ?? [{ code: 'IGD-01', amount: 350_000 }, { code: 'RI-KLS1', amount: 2_250_000 }];
  const currency = over.currency ?? 'IDR';
  return {
    resourceType: 'Claim', id: 'INV-42', status: 'active', use: 'claim', patient: { reference: 'Patient/P001' },
    item: lines.map((l, i) => ({ sequence: i + 1, productOrService: { coding: [{ code: l.code, display: `item ${l.code}` }] }, net: { value: l.amount, currency: l.currency ?? currency } })),
    total: { value: over.total ?? lines.reduce((s, l) => s + l.amount, 0), currency },
  };
}
const bundle = (...resources: object[]) => ({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) });

function deliver(body: unknown, opts: { id?: string; key?: string; at?: Date } = {}) {
  const raw = JSON.stringify(body);
  const id = opts.id ?? `msg_${randomUUID().replaceAll('-', '')}`;
  const at = opts.at ?? new Date();
  return app.inject({
    method: 'POST', url: '/webhooks/hospital/fhir', payload: raw,
    headers: {
      'content-type': 'application/fhir+json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(opts.key ?? secret).sign(id, at, raw), 'x-request-id': 'req-hospital-1',
    },
  });
}
// The patient's NIK and the accident's description travel sealed (the gateway opens them as here).
const published = async () => (await intake.getJobs(['waiting', 'delayed', 'completed', 'active'])).map((j) => ({ id: j.id, ...testPii.reveal<any>(j.data) }));

t.test('a signed admission lands on the intake queue once; its replay is acknowledged and changes nothing', async (t) => {
  const s = newStay();
  const before = (await published()).length;
  const res = await deliver(bundle(patient(), encounter(s, 'admission')), { id: 'msg_admission_1' });
  t.equal(res.statusCode, 202);
  t.match(res.headers['content-type'], /application\/fhir\+json/);
  t.match(res.json(), { resourceType: 'OperationOutcome', issue: [{ severity: 'information' }] });
  const replay = await deliver(bundle(patient(), encounter(s, 'admission')), { id: 'msg_admission_1' });
  t.equal(replay.statusCode, 200, 'a replay is acknowledged');
  t.match(replay.json().issue[0], { severity: 'information', diagnostics: /already received/ });
  const jobs = (await published()).filter((j) => j.encounterId === s.encounterId);
  t.equal((await published()).length, before + 1);
  t.same(jobs, [{
    id: 'hospital.msg_admission_1', type: 'hospital.admission', deliveryId: 'msg_admission_1', correlationId: 'req-hospital-1',
    hospitalId: 'rsud-latemmamala', encounterId: s.encounterId, nik: NIK, admittedAt: s.admittedAt, accidentDate: '2026-11-30',
    description: 'Terluka parang di sawah', receivedAt: jobs[0]!.receivedAt,
  }]);
});

t.test('a signed discharge with its bill becomes one discharge event with the bill in rupiah', async (t) => {
  const s = newStay();
  const res = await deliver(bundle(patient(), encounter(s, 'discharge'), claim()), { id: 'msg_discharge_1' });
  t.equal(res.statusCode, 202);
  const [job] = (await published()).filter((j) => j.encounterId === s.encounterId);
  t.match(job, {
    id: 'hospital.msg_discharge_1', type: 'hospital.discharge', nik: NIK, hospitalId: 'rsud-latemmamala', dischargedAt: s.dischargedAt,
    bill: { billId: 'INV-42', currency: 'IDR', total: 2_600_000, lines: [{ code: 'IGD-01', description: 'item IGD-01', amount: 350_000 }, { code: 'RI-KLS1', amount: 2_250_000 }] },
  });
});

t.test('refused with 401 and nothing published: a wrong secret, a stale timestamp, no signature', async (t) => {
  const before = (await published()).length;
  const body = bundle(patient(), encounter(newStay(), 'admission'));
  const wrong = await deliver(body, { key: `whsec_${Buffer.from('another-hospital-secret-32-bytes!!').toString('base64')}` });
  t.equal(wrong.statusCode, 401);
  t.match(wrong.json(), { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security' }] });
  t.equal((await deliver(body, { at: new Date(Date.now() - 10 * 60_000) })).statusCode, 401, 'ten minutes old');
  const unsigned = await app.inject({ method: 'POST', url: '/webhooks/hospital/fhir', payload: JSON.stringify(body), headers: { 'content-type': 'application/fhir+json' } });
  t.equal(unsigned.statusCode, 401);
  t.equal((await published()).length, before);
  const metrics = (await app.internal.inject({ url: '/metrics' })).body;
  t.match(metrics, /webhooks_received_total\{[^}]*partner="hospital"[^}]*outcome="bad_signature"[^}]*\} 3/, 'each refusal is counted');
});

t.test('each bad notification is refused with 422 naming the field, and nothing is published', async (t) => {
  const s = newStay();
  const cases: [string, unknown, string][] = [
    ['no NIK identifier', bundle(patient({ identifier: [{ system: 'https://fhir.kemkes.go.id/id/ihs-number', value: 'P0001' }] }), encounter(s, 'admission')),
      `Patient.identifier.where(system='${NIK_SYSTEM}')`],
    ['a NIK that is not 16 digits', bundle(patient({ identifier: [{ system: NIK_SYSTEM, value: '73120155108' }] }), encounter(s, 'admission')), 'Patient.identifier[0].value'],
    ['a resource of an unknown kind', bundle(patient(), encounter(s, 'admission'), { resourceType: 'Observation', id: 'o1' }), 'Bundle.entry[2].resource.resourceType'],
    ['not a Bundle', patient(), 'Bundle.resourceType'],
    ['an admission without the accident date', bundle(patient(), encounter(s, 'admission', { extension: [] })), `Encounter.extension('https://sutasoma.soppengkab.go.id/fhir/StructureDefinition/accident-date')`],
    ['a bill in another currency', bundle(patient(), encounter(s, 'discharge'), claim({ currency: 'USD' })), 'Claim.total.currency'],
    ['a negative line', bundle(patient(), encounter(s, 'discharge'), claim({ lines: [{ code: 'A', amount: 500_000 }, { code: 'DISC', amount: -100_000 }] })), 'Claim.item[1].net.value'],
    ['a line in fractions of a rupiah', bundle(patient(), encounter(s, 'discharge'), claim({ lines: [{ code: 'A', amount: 1000.5 }] })), 'Claim.item[0].net.value'],
    ['a total that is not the sum of the lines', bundle(patient(), encounter(s, 'discharge'), claim({ total: 1_000_000 })), 'Claim.total.value'],
    ['a discharge without a bill', bundle(patient(), encounter(s, 'discharge')), 'Bundle.entry.resource.ofType(Claim)'],
    ['a discharge before the admission', bundle(patient(), encounter({ ...s, dischargedAt: '2026-11-29T09:00:00+08:00' }, 'discharge'), claim()), 'Encounter.period.end'],
    ['an encounter in another status', bundle(patient(), encounter(s, 'admission', { status: 'planned' })), 'Encounter.status'],
  ];
  const before = (await published()).length;
  for (const [what, body, expression] of cases) {
    const res = await deliver(body);
    t.equal(res.statusCode, 422, what);
    const outcome = res.json();
    t.equal(outcome.resourceType, 'OperationOutcome', `${what}: an OperationOutcome`);
    t.ok(outcome.issue.some((i: any) => i.severity === 'error' && i.expression?.[0] === expression), `${what}: names ${expression} (got ${JSON.stringify(outcome.issue.map((i: any) => i.expression))})`);
  }
  t.equal((await published()).length, before, 'nothing reached the gateway');
  const redelivered = await deliver(bundle(patient(), encounter(s, 'admission')));
  t.equal(redelivered.statusCode, 202, 'the stay itself can still be notified once the hospital sends a valid notification');
});

t.test('the previous secret still verifies while a new one is rotated in', async (t) => {
  const rotatedPrefix = createTestPrefix();
  const rotated = await buildApp(loadConfig({
    ...SIM_CREDENTIALS, ...PII_TEST_ENV, HOSPITAL_WEBHOOK_SECRETS: `whsec_${Buffer.from('the-new-hospital-secret-32-bytes!').toString('base64')} ${secret}`,
    REDIS_URL: testRedisUrl(), QUEUE_PREFIX: rotatedPrefix.prefix, LOG_LEVEL: 'silent', WEBHOOK_HANDOVER_MS: '0',
  }));
  t.teardown(async () => {
    await rotated.close();
    await rotatedPrefix.cleanup();
  });
  const raw = JSON.stringify(bundle(patient(), encounter(newStay(), 'admission')));
  const id = `msg_${randomUUID().replaceAll('-', '')}`;
  const at = new Date();
  const res = await rotated.inject({
    method: 'POST', url: '/webhooks/hospital/fhir', payload: raw,
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, raw) },
  });
  t.equal(res.statusCode, 202);
});
