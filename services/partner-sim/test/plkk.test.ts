import t from 'tap';
import { randomUUID } from 'node:crypto';
import type { ServiceApp } from '@sutasoma/service-kit';
import { startSim } from './helpers.ts';

const KEY = { 'x-api-key': 'sim-plkk-key' };

function caseBody(over: Record<string, unknown> = {}) {
  return {
    requestId: `req-${randomUUID()}`,
    caseRef: randomUUID(),
    participant: { kpj: '26300000001', nik: '7312015510820001' },
    accidentDate: '2026-11-30',
    description: 'Terluka parang di sawah',
    facilityId: 'rsud-latemmamala',
    encounterId: randomUUID(),
    admittedAt: '2026-11-30T02:00:00.000Z',
    deadline: '2026-12-02T02:00:00.000Z',
    late: false,
    ...over,
  };
}

const bill = (over: Record<string, unknown> = {}) => ({
  billId: 'INV-1', currency: 'IDR', total: 1_100_000,
  lines: [{ code: 'IGD-01', description: 'Gawat darurat', amount: 350_000 }, { code: 'RI-KLS1', description: 'Rawat inap', amount: 750_000 }],
  ...over,
});

const post = (app: ServiceApp, url: string, payload: object, headers: Record<string, string> = KEY) =>
  app.inject({ method: 'POST', url, payload, headers });
const cases = async (app: ServiceApp, query = '') => (await app.inject({ url: `/_sim/plkk/cases${query}` })).json();

t.test('a stage I report opens one case with a class 1 guarantee and the facility as payee; the same requestId gives the same case', async (t) => {
  const app = await startSim(t);
  const body = caseBody();
  const first = await post(app, '/plkk/cases', body);
  t.equal(first.statusCode, 201);
  const opened = first.json();
  t.match(opened, { caseId: /^PLKK-\d{4}-\d{8}$/, guarantee: { id: /^SJP-/, class: 1 }, payee: { bankCode: '126', holderName: 'RSUD Latemmamala Soppeng' } });
  const again = await post(app, '/plkk/cases', body);
  t.equal(again.statusCode, 200, 'a retry is answered, not refused');
  t.same(again.json(), opened, 'with the same case and guarantee');
  const listed = await cases(app, `?caseRef=${body.caseRef}`);
  t.equal(listed.count, 1, 'the PLKK holds the case once');
  t.match(listed.items[0], { caseId: opened.caseId, requestId: body.requestId, encounterId: body.encounterId, late: false, followUp: null });
});

t.test('a second report of the same stay under another requestId is refused with the open case', async (t) => {
  const app = await startSim(t);
  const body = caseBody();
  const first = (await post(app, '/plkk/cases', body)).json();
  const other = await post(app, '/plkk/cases', { ...body, requestId: `req-${randomUUID()}` });
  t.equal(other.statusCode, 409);
  t.match(other.json(), { error: { code: 'KASUS_SUDAH_ADA' }, caseId: first.caseId });
  t.equal((await cases(app)).count, 1);
});

t.test('stage I refusals: an unknown facility (404), a bad body naming each field (400), a wrong API key (401)', async (t) => {
  const app = await startSim(t);
  const unknown = await post(app, '/plkk/cases', caseBody({ facilityId: 'klinik-tidak-ada' }));
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error.code, 'FASKES_NOT_FOUND');
  const bad = await post(app, '/plkk/cases', caseBody({ participant: { kpj: '123', nik: '7312015510820001' }, accidentDate: '30-11-2026' }));
  t.equal(bad.statusCode, 400);
  t.match(bad.json().error.message, /participant\.kpj: harus 11 digit.*accidentDate: harus YYYY-MM-DD/);
  const wrongKey = await post(app, '/plkk/cases', caseBody(), { 'x-api-key': 'nope' });
  t.equal(wrongKey.statusCode, 401);
  t.equal(wrongKey.json().error.code, 'UNAUTHORIZED');
  t.equal((await cases(app)).count, 0, 'nothing was opened');
});

t.test('the stage II report takes the bill once; a repeat of its requestId gives the same report', async (t) => {
  const app = await startSim(t);
  const { caseId } = (await post(app, '/plkk/cases', caseBody())).json();
  const body = { requestId: `fu-${randomUUID()}`, dischargedAt: '2026-12-03T02:00:00.000Z', bill: bill() };
  const first = await post(app, `/plkk/cases/${caseId}/follow-up`, body);
  t.equal(first.statusCode, 201);
  t.match(first.json(), { reportId: /^LNJ-\d{4}-\d{8}$/ });
  const again = await post(app, `/plkk/cases/${caseId}/follow-up`, body);
  t.equal(again.statusCode, 200);
  t.same(again.json(), first.json());
  const other = await post(app, `/plkk/cases/${caseId}/follow-up`, { ...body, requestId: `fu-${randomUUID()}` });
  t.equal(other.statusCode, 409, 'a second stage II report of the case is refused');
  t.match((await cases(app)).items[0].followUp, { reportId: first.json().reportId, total: 1_100_000, billId: 'INV-1' });
});

t.test('stage II refusals: unknown case 404, a total that is not the sum of the lines or another currency 422', async (t) => {
  const app = await startSim(t);
  const { caseId } = (await post(app, '/plkk/cases', caseBody())).json();
  const followUp = (b: object) => post(app, `/plkk/cases/${caseId}/follow-up`, { requestId: `fu-${randomUUID()}`, dischargedAt: '2026-12-03T02:00:00.000Z', bill: b });
  const unknown = await post(app, '/plkk/cases/PLKK-2026-00000000/follow-up', { requestId: 'x', dischargedAt: '2026-12-03T02:00:00.000Z', bill: bill() });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error.code, 'KASUS_NOT_FOUND');
  const mismatch = await followUp(bill({ total: 1_000_000 }));
  t.equal(mismatch.statusCode, 422);
  t.match(mismatch.json().error, { code: 'TAGIHAN_TIDAK_VALID', message: /bill\.total: 1000000 tidak sama dengan jumlah rincian 1100000/ });
  const usd = await followUp(bill({ currency: 'USD' }));
  t.equal(usd.statusCode, 422);
  t.match(usd.json().error.message, /bill\.currency: harus IDR/);
  t.equal((await cases(app)).items[0].followUp, null, 'no report was kept');
});

t.test('the generic faults reach the PLKK routes in the PLKK\'s own error shape', async (t) => {
  const app = await startSim(t);
  await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'plkk', mode: 'error', status: 503 } });
  const res = await post(app, '/plkk/cases', caseBody());
  t.equal(res.statusCode, 503);
  t.equal(res.json().error.code, 'SERVICE_UNAVAILABLE');
  t.equal((await cases(app)).count, 0);
});
