import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { ServiceApp } from '@sutasoma/service-kit';
import { waitFor } from '@sutasoma/testing';
import { DEFAULT_HOSPITAL_WEBHOOK_SECRET } from '../src/config.ts';
import { oneFarmer, startReceiver, startSim, type Received } from './helpers.ts';

const SECRET = `whsec_${Buffer.from('sim-hospital-webhook-secret-32-bytes').toString('base64')}`;
const NIK_SYSTEM = 'https://fhir.kemkes.go.id/id/nik';

const verify = (r: Received, secret = SECRET) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as any;
const resource = (bundle: any, type: string) => bundle.entry.map((e: any) => e.resource).find((r: any) => r.resourceType === type);

async function setup(t: Parameters<typeof startSim>[0], answer?: (r: Received, i: number) => number) {
  const receiver = await startReceiver(t, answer);
  const app = await startSim(t, { SIM_HOSPITAL_WEBHOOK_BACKOFF_MS: '30', SIM_HOSPITAL_DISCHARGE_AFTER_MS: '50' });
  const put = await app.inject({ method: 'PUT', url: '/_sim/hospital/webhook', payload: { url: receiver.url } });
  if (put.statusCode !== 200) throw new Error(`webhook url: ${put.statusCode}`);
  return { app, receiver };
}

const scenario = async (app: ServiceApp, body: object) => {
  const res = await app.inject({ method: 'POST', url: '/_sim/hospital/scenarios', payload: body });
  if (res.statusCode !== 202) throw new Error(`scenario: ${res.statusCode} ${res.body}`);
  return res.json();
};

async function token(app: ServiceApp, secret = 'sim-hospital-secret') {
  return app.inject({
    method: 'POST', url: '/hospital/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'sutasoma', client_secret: secret }).toString(),
  });
}

function guarantee(nik: string, encounterId: string, key = randomUUID()) {
  return {
    resourceType: 'CoverageEligibilityResponse',
    identifier: [{ system: 'https://sutasoma.soppengkab.go.id/fhir/idempotency-key', value: key }],
    extension: [{ url: 'https://sutasoma.soppengkab.go.id/fhir/StructureDefinition/encounter', valueReference: { reference: `Encounter/${encounterId}` } }],
    status: 'active', purpose: ['benefits'], created: new Date().toISOString(),
    patient: { identifier: { system: NIK_SYSTEM, value: nik } },
    request: { identifier: { system: 'https://sutasoma.soppengkab.go.id/fhir/plkk-case', value: 'PLKK-2026-00000001' } },
    outcome: 'complete', disposition: 'Dijamin', insurer: { display: 'BPJS Ketenagakerjaan' }, preAuthRef: 'SJP-2026-00000001',
  };
}

/** The sim's delivery list once `count` deliveries of the stay are no longer pending. */
const settled = (app: ServiceApp, encounterId: string, count: number) => waitFor(
  async () => (await app.inject({ url: `/_sim/hospital/deliveries?encounterId=${encounterId}` })).json().items as any[],
  (items) => items.length === count && items.every((d) => d.status !== 'pending'),
  { what: 'hospital deliveries to settle' },
);

t.test('the default secret is the one the adapters are given', async (t) => {
  t.equal(DEFAULT_HOSPITAL_WEBHOOK_SECRET, SECRET);
});

t.test('an accident stay sends a signed admission at once, then a signed discharge with the bill', async (t) => {
  const { app, receiver } = await setup(t);
  const farmer = await oneFarmer(app, 'case=eligible');
  const started = await scenario(app, { nik: farmer.nik, accidentDate: '2026-11-30', stayDays: 2 });
  t.match(started, { scenarioId: String, encounterId: String, hospitalId: 'rsud-latemmamala' });
  await receiver.waitFor(2);
  // Picked by content: two connections opened 50 ms apart need not be read in that order on a busy
  // machine. The order they were sent in is the simulator's delivery list, checked below.
  const bundles = receiver.received.map((r) => verify(r));
  const admission = bundles.find((b) => resource(b, 'Encounter').status === 'in-progress');
  const discharge = bundles.find((b) => resource(b, 'Encounter').status === 'finished');
  t.equal(admission.resourceType, 'Bundle');
  t.equal(admission.type, 'collection');
  t.same(resource(admission, 'Patient').identifier, [{ use: 'official', system: NIK_SYSTEM, value: farmer.nik }]);
  t.equal(resource(admission, 'Patient').name[0].text, farmer.fullName, 'the patient carries the farmer\'s name');
  t.match(resource(admission, 'Encounter'), {
    id: started.encounterId, status: 'in-progress', class: { code: 'IMP' }, period: { start: started.admittedAt },
    serviceProvider: { reference: 'Organization/rsud-latemmamala' },
    extension: [{ url: 'https://sutasoma.soppengkab.go.id/fhir/StructureDefinition/accident-date', valueDate: '2026-11-30' }],
  });
  t.notOk(resource(admission, 'Encounter').period.end, 'no discharge time at admission');
  t.notOk(resource(admission, 'Claim'), 'no bill at admission');
  t.match(resource(discharge, 'Encounter'), { status: 'finished', period: { start: started.admittedAt, end: started.dischargedAt } });
  t.equal(Date.parse(started.dischargedAt) - Date.parse(started.admittedAt), 2 * 86_400_000);
  const claim = resource(discharge, 'Claim');
  t.equal(claim.id, started.bill.billId);
  t.same(claim.total, { value: started.bill.total, currency: 'IDR' });
  t.equal(claim.item.reduce((s: number, i: any) => s + i.net.value, 0), claim.total.value, 'the lines add up to the total');
  t.ok(claim.item.every((i: any) => i.productOrService.coding[0].code && i.net.currency === 'IDR'));
  const deliveries = await settled(app, started.encounterId, 2);
  t.match(deliveries, [{ event: 'admission', status: 'delivered', attempts: 1 }, { event: 'discharge', status: 'delivered', attempts: 1 }]);
});

t.test('a refused notification is retried with the same webhook-id; a bad-signature fault signs with another secret', async (t) => {
  const { app, receiver } = await setup(t, (_r, i) => (i === 0 ? 503 : 204));
  await app.inject({ method: 'PUT', url: '/_sim/hospital/webhook-faults', payload: { badSignature: true } });
  const started = await scenario(app, { nik: '7312015510820001', skipAdmission: true });
  await receiver.waitFor(2);
  t.equal(receiver.received[0]!.headers['webhook-id'], receiver.received[1]!.headers['webhook-id']);
  t.throws(() => verify(receiver.received[1]!), 'not verifiable with the hospital\'s secret');
  t.equal(resource(JSON.parse(receiver.received[1]!.body), 'Encounter').status, 'finished', 'only the discharge was sent');
  t.match(await settled(app, started.encounterId, 1), [{ event: 'discharge', status: 'delivered', attempts: 2 }]);
  t.equal((await app.inject({ method: 'DELETE', url: '/_sim/hospital/webhook-faults' })).statusCode, 204);
});

t.test('scenario options send what a broken hospital system would: another currency, a wrong total, no bill', async (t) => {
  const { app, receiver } = await setup(t);
  await scenario(app, { nik: '7312015510820001', currency: 'USD', skipAdmission: true, bill: { lines: [{ code: 'A', description: 'a', amount: 10 }], total: 11 } });
  await receiver.waitFor(1);
  const claim = resource(verify(receiver.received[0]!), 'Claim');
  t.same(claim.total, { value: 11, currency: 'USD' });
  await scenario(app, { nik: '7312015510820001', skipAdmission: true, withoutBill: true });
  await receiver.waitFor(2);
  t.notOk(resource(verify(receiver.received[1]!), 'Claim'));
});

t.test('OAuth2 client credentials: a token for the right secret, 401 invalid_client otherwise', async (t) => {
  const app = await startSim(t);
  const ok = await token(app);
  t.equal(ok.statusCode, 200);
  t.match(ok.json(), { access_token: String, token_type: 'Bearer', expires_in: 3600 });
  const wrong = await token(app, 'nope');
  t.equal(wrong.statusCode, 401);
  t.equal(wrong.json().error, 'invalid_client');
  const noAuth = await app.inject({ method: 'POST', url: '/hospital/fhir/CoverageEligibilityResponse', payload: {} });
  t.equal(noAuth.statusCode, 401);
  t.match(noAuth.json(), { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security' }] });
});

t.test('a guarantee notice for a stay is stored once per identifier, and the hospital lists it', async (t) => {
  const { app, receiver } = await setup(t);
  const started = await scenario(app, { nik: '7312015510820001', dischargeAfterMs: 60_000 });
  await receiver.waitFor(1);
  const bearer = { authorization: `Bearer ${(await token(app)).json().access_token}`, 'content-type': 'application/fhir+json' };
  const body = JSON.stringify(guarantee('7312015510820001', started.encounterId));
  const first = await app.inject({ method: 'POST', url: '/hospital/fhir/CoverageEligibilityResponse', headers: bearer, payload: body });
  t.equal(first.statusCode, 201);
  t.match(first.headers['content-type'], /application\/fhir\+json/);
  t.match(first.headers.location, new RegExp(`/hospital/fhir/CoverageEligibilityResponse/${first.json().id}/_history/1`));
  const again = await app.inject({ method: 'POST', url: '/hospital/fhir/CoverageEligibilityResponse', headers: bearer, payload: body });
  t.equal(again.statusCode, 200, 'the same identifier answers the resource held');
  t.equal(again.json().id, first.json().id);
  const listed = (await app.inject({ url: `/_sim/hospital/guarantees?encounterId=${started.encounterId}` })).json();
  t.equal(listed.count, 1);
  t.equal(listed.items[0].resource.preAuthRef, 'SJP-2026-00000001');

  const unknown = await app.inject({ method: 'POST', url: '/hospital/fhir/CoverageEligibilityResponse', headers: bearer, payload: guarantee('7312015510820001', randomUUID()) });
  t.equal(unknown.statusCode, 404);
  t.match(unknown.json().issue[0], { code: 'not-found' });
  const otherPatient = await app.inject({ method: 'POST', url: '/hospital/fhir/CoverageEligibilityResponse', headers: bearer, payload: guarantee('7312015510820002', started.encounterId) });
  t.equal(otherPatient.statusCode, 422);

  await app.inject({ method: 'DELETE', url: '/_sim/hospital/tokens' });
  const revoked = await app.inject({ method: 'POST', url: '/hospital/fhir/CoverageEligibilityResponse', headers: bearer, payload: body });
  t.equal(revoked.statusCode, 401, 'a revoked token is refused');
});

t.test('the generic faults reach the hospital routes as an OperationOutcome', async (t) => {
  const app = await startSim(t);
  await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'hospital', mode: 'error', status: 502 } });
  const res = await token(app);
  t.equal(res.statusCode, 502);
  t.match(res.json(), { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
});
