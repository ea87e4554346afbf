import t from 'tap';
import { Queue } from 'bullmq';
import { GATEWAY_INTAKE_QUEUE, todayInSoppeng, type IntakeEvent } from '@sutasoma/contracts';
import { waitFor } from '@sutasoma/testing';
import { lalabataFarmer, startGateway } from './helpers.ts';

// The claim API and the hospital's reports on their own: no partner runs, so every case stays at
// its first step; what is checked here is what the gateway accepts, refuses, merges and shows.
// A discharge waits up to 3 s for its admission: long enough that an admission sent right after it is
// applied first on a busy machine, short enough that one never sent is refused soon.
const ORDER_WAIT_MS = 3_000;
const gw = await startGateway(t, { INTAKE_ORDER_WAIT_MS: String(ORDER_WAIT_MS) });
const agent = gw.token('demo-agent');
const ops = gw.token('demo-ops');
const intake = new Queue(GATEWAY_INTAKE_QUEUE, { connection: gw.queues.redis, prefix: gw.queues.prefix });

const post = async (body: unknown, opts: { key?: string; token?: string } = {}) => {
  const res = await gw.app.inject({
    method: 'POST', url: '/v1/claims', payload: body as object,
    headers: { authorization: `Bearer ${opts.token ?? agent}`, 'idempotency-key': opts.key ?? `k-${crypto.randomUUID()}` },
  });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
};
const get = async (url: string, token = agent) => {
  const res = await gw.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, body: res.json() };
};
const daysAgo = (n: number) => new Date(Date.parse(`${todayInSoppeng()}T12:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/** A participant as a completed registration leaves it (the partners do not run in this file). */
let serial = 1;
async function participant(opts: { hasCard?: boolean; monthsPaid?: number } = {}) {
  const n = serial++;
  const nik = `73120245058${String(80000 + n).slice(-5)}`;
  const reg = await gw.app.inject({
    method: 'POST', url: '/v1/registrations', headers: { authorization: `Bearer ${agent}`, 'idempotency-key': `reg-${nik}` },
    payload: lalabataFarmer({ nik, fullName: `Petani ${n}` }),
  });
  const kpj = `2630000${String(1000 + n)}`;
  await gw.db.pool.query(
    `INSERT INTO participants (kpj, nik_index, registration_id, agent_id, village_code, declared_income, has_card, covered_until, months_paid)
     VALUES ($1, $2, $3, 'demo-agent', '7312022001', 1000000, $4, (date_trunc('month', now()) + interval '1 month - 1 day')::date, $5)`,
    [kpj, gw.pii.index(nik), reg.json().id, opts.hasCard ?? true, opts.monthsPaid ?? 1],
  );
  return { nik, kpj };
}
const heir = (overrides: Record<string, unknown> = {}) => ({
  nik: '7312021203850002', name: 'La Tenri', relation: 'spouse', account: { bankCode: '002', accountNo: '1234567890', holderName: 'La Tenri' }, ...overrides,
});
let delivery = 0;
async function notify(e: Partial<IntakeEvent> & { type: IntakeEvent['type']; nik: string; encounterId: string }) {
  const id = `d-${++delivery}-${crypto.randomUUID()}`;
  const base = { deliveryId: id, correlationId: `hosp-${id}`, hospitalId: 'RSUD-LATEMMAMALA', receivedAt: new Date().toISOString() };
  const data = e.type === 'hospital.admission'
    ? { ...base, admittedAt: new Date(Date.now() - 3_600_000).toISOString(), accidentDate: todayInSoppeng(), description: 'jatuh dari pematang sawah', ...e }
    : { ...base, dischargedAt: new Date().toISOString(), bill: { billId: 'INV-1', currency: 'IDR', total: 1_500_000, lines: [{ code: 'R1', description: 'rawat inap', amount: 1_500_000 }] }, ...e };
  // Retries that outlast the order wait: a discharge is retried while it waits for its admission.
  await intake.add(e.type, data, { jobId: `hospital.${id}`, attempts: Math.ceil((ORDER_WAIT_MS * 3) / 100), backoff: { type: 'fixed', delay: 100 } });
  return id;
}
const intakeOf = (deliveryId: string) => waitFor(
  async () => (await get('/ops/intake?limit=500', ops)).body.items.find((i: { deliveryId: string }) => i.deliveryId === deliveryId),
  (i) => i !== undefined, { timeoutMs: 30_000, what: `intake of ${deliveryId}` },
);
t.teardown(() => intake.close());

t.test('bad claims are refused with the field and the reason, and nothing is written', async (t) => {
  const before = Number((await gw.db.pool.query("SELECT count(*) FROM operations WHERE kind LIKE '%claim'")).rows[0].count);
  const future = await post({ type: 'jkk', kpj: '26300001001', accidentDate: '2999-01-01', description: 'x' });
  t.equal(future.status, 400);
  t.match(future.headers['content-type'], /^application\/problem\+json/);
  t.same(future.body.errors.map((e: { field: string }) => e.field).sort(), ['accidentDate', 'description']);

  const both = await post({ type: 'jkk', kpj: '26300001001', nik: '7312024505880007', accidentDate: daysAgo(1), description: 'jatuh di sawah' });
  t.equal(both.status, 400);
  t.match(both.body.errors, [{ field: 'kpj', message: /exactly one/ }]);

  const unknown = await post({ type: 'jkk', kpj: '26399999999', accidentDate: daysAgo(1), description: 'jatuh di sawah' });
  t.equal(unknown.status, 422);
  t.equal(unknown.body.code, 'unknown_participant');

  const p = await participant();
  const badHeir = await post({ type: 'jkm', kpj: p.kpj, dateOfDeath: daysAgo(2), deathCertificateRef: 'AK-7312-0001', heir: heir({ nik: '7312020000000000' }) });
  t.equal(badHeir.status, 400);
  t.match(badHeir.body.errors, [{ field: 'heir.nik', message: /not a valid NIK/ }]);
  const self = await post({ type: 'jkm', kpj: p.kpj, dateOfDeath: daysAgo(2), deathCertificateRef: 'AK-7312-0001', heir: heir({ nik: p.nik }) });
  t.equal(self.status, 400);
  t.match(self.body.errors, [{ field: 'heir.nik', code: 'heir_is_participant' }]);
  const badAccount = await post({ type: 'jkm', kpj: p.kpj, dateOfDeath: daysAgo(2), deathCertificateRef: 'AK-7312-0001', heir: heir({ account: { bankCode: '2', accountNo: '12', holderName: 'L' } }) });
  t.equal(badAccount.status, 400);
  t.same(badAccount.body.errors.map((e: { field: string }) => e.field).sort(), ['heir.account.accountNo', 'heir.account.bankCode', 'heir.account.holderName']);

  const cardless = await participant({ hasCard: false });
  const noAccount = await post({ type: 'jkk', kpj: cardless.kpj, accidentDate: daysAgo(1), description: 'tertimpa pohon kelapa' });
  t.equal(noAccount.status, 422);
  t.equal(noAccount.body.code, 'payout_account_required');
  const old = await post({ type: 'jkk', kpj: p.kpj, accidentDate: '2020-01-01', description: 'tertimpa pohon kelapa' });
  t.equal(old.status, 400);
  t.match(old.body.errors, [{ field: 'accidentDate', code: 'claim_window_passed' }]);

  const after = Number((await gw.db.pool.query("SELECT count(*) FROM operations WHERE kind LIKE '%claim'")).rows[0].count);
  t.equal(after, before, 'no claim was written');
});

t.test('a death claim: accepted once, its benefit parts from configuration, a second one refused', async (t) => {
  const p = await participant();
  const body = { type: 'jkm', kpj: p.kpj, dateOfDeath: daysAgo(3), deathCertificateRef: 'AK-7312-0042', heir: heir(), children: [{ name: 'Andi', schoolLevel: 'sma' }] };
  const a = await post(body, { key: 'jkm-key-0001' });
  t.equal(a.status, 202);
  t.match(a.body, { type: 'jkm', status: 'reported', merged: false });
  t.equal(a.headers.location, `/v1/claims/${a.body.id}`);
  const again = await post(body, { key: 'jkm-key-0001' });
  t.equal(again.body.id, a.body.id, 'the same key and body: the same claim');
  const second = await post({ ...body, deathCertificateRef: 'AK-7312-0043' });
  t.equal(second.status, 409);
  t.equal(second.body.code, 'claim_exists');

  const c = (await get(`/v1/claims/${a.body.id}`)).body;
  t.match(c, { type: 'jkm', status: 'reported', kpj: p.kpj, eventDate: daysAgo(3), heir: { nikMasked: '7312********0002', relation: 'spouse' } });
  // One month paid: no education benefit yet (due after 36 months of contributions).
  t.same(c.requested, { lumpSum: 20_000_000, funeral: 10_000_000, periodic: 12_000_000, education: 0 });
  t.same(c.steps.map((s: { name: string }) => s.name), ['bpjs.check_coverage', 'bpjs.submit_claim', 'bpjs.await_decision', 'bank.pay_heir']);
  t.same(c.payouts, [{ to: 'heir', channel: 'bank_transfer', amount: null, state: 'pending', bankReference: null }]);

  const veteran = await participant({ monthsPaid: 40 });
  const v = await post({ ...body, kpj: veteran.kpj });
  t.same((await get(`/v1/claims/${v.body.id}`)).body.requested.education, 3_000_000, 'a senior high school child: Rp 3,000,000 for the first year');

  const elsewhere = gw.token('demo-agent', { sub: 'agent-marioriwawo', villages: ['7312010001'] });
  t.equal((await get(`/v1/claims/${a.body.id}`, elsewhere)).status, 404, 'an agent of other villages does not see it');
  t.equal((await get(`/v1/participants/${p.kpj}/claims`)).body.items[0].id, a.body.id);
});

t.test('an accident the agent reports five days late is accepted and flagged with the deadline it missed', async (t) => {
  const p = await participant();
  const res = await post({ type: 'jkk', kpj: p.kpj, accidentDate: daysAgo(5), description: 'terkena sabit saat panen' });
  t.equal(res.status, 202);
  t.match(res.body, { type: 'jkk', status: 'reported', merged: false });
  const c = (await get(`/v1/claims/${res.body.id}`)).body;
  t.equal(c.lateReport.late, true);
  t.equal(c.lateReport.deadline, new Date(Date.parse(`${daysAgo(5)}T00:00:00+08:00`) + 48 * 3_600_000).toISOString());
  t.same(c.reportedBy, ['agent']);
  const again = await post({ type: 'jkk', kpj: p.kpj, accidentDate: daysAgo(5), description: 'laporan kedua' });
  t.equal(again.status, 409, 'the same agent cannot open a second case while this one is open');
  t.equal(again.body.code, 'claim_in_progress');
});

t.test('the hospital reports first, then the agent: one case, reported by both', async (t) => {
  const p = await participant();
  const d = await notify({ type: 'hospital.admission', nik: p.nik, encounterId: 'ENC-1001' });
  const created = await intakeOf(d);
  t.match(created, { outcome: 'created', nikMasked: /\*{8}/ });
  const caseId = created.operationId;
  t.match((await get(`/v1/claims/${caseId}`)).body, { status: 'reported', reportedBy: ['hospital'], hospital: { hospitalId: 'RSUD-LATEMMAMALA', encounterId: 'ENC-1001' } });

  const res = await post({ type: 'jkk', kpj: p.kpj, accidentDate: todayInSoppeng(), description: 'jatuh dari pematang sawah' }, { key: 'agent-after-hospital' });
  t.equal(res.status, 202);
  t.match(res.body, { id: caseId, merged: true });
  const replay = await post({ type: 'jkk', kpj: p.kpj, accidentDate: todayInSoppeng(), description: 'jatuh dari pematang sawah' }, { key: 'agent-after-hospital' });
  t.match(replay.body, { id: caseId, merged: true }, 'the agent\'s retry answers the same case');
  const c = (await get(`/v1/claims/${caseId}`)).body;
  t.same(c.reportedBy.sort(), ['agent', 'hospital']);
  const cases = await gw.db.pool.query("SELECT count(*) FROM operations WHERE kind = 'jkk_claim' AND nik_index = $1", [gw.pii.index(p.nik)]);
  t.equal(Number(cases.rows[0].count), 1, 'one case, never two');

  const dup = await notify({ type: 'hospital.admission', nik: p.nik, encounterId: 'ENC-1001' });
  t.match(await intakeOf(dup), { outcome: 'duplicate', operationId: caseId }, 'the hospital sending the admission again changes nothing');
});

t.test('the agent reports first, then the hospital admits: the admission joins the agent\'s case', async (t) => {
  const p = await participant();
  const res = await post({ type: 'jkk', kpj: p.kpj, accidentDate: todayInSoppeng(), description: 'tertimpa pohon' });
  const d = await notify({ type: 'hospital.admission', nik: p.nik, encounterId: 'ENC-2002' });
  t.match(await intakeOf(d), { outcome: 'merged', operationId: res.body.id });
  const c = (await get(`/v1/claims/${res.body.id}`)).body;
  t.same(c.reportedBy.sort(), ['agent', 'hospital']);
  t.equal(c.hospital.encounterId, 'ENC-2002');
  t.match(c.steps.find((s: { name: string }) => s.name === 'hospital.await_admission'), { state: 'succeeded' });
});

t.test('hospital notifications the gateway cannot use are refused with a reason an operator sees', async (t) => {
  const stranger = await notify({ type: 'hospital.admission', nik: '7312026606700001', encounterId: 'ENC-3003' });
  t.match(await intakeOf(stranger), { outcome: 'refused', reasonCode: 'unknown_patient', operationId: null, nikMasked: '7312********0001' });

  const p = await participant();
  const early = await notify({ type: 'hospital.discharge', nik: p.nik, encounterId: 'ENC-NEVER-ADMITTED' });
  t.match(await intakeOf(early), { outcome: 'refused', reasonCode: 'discharge_before_admission' });
  const refused = (await get('/ops/intake?outcome=refused', ops)).body.items.map((i: { deliveryId: string }) => i.deliveryId);
  t.ok(refused.includes(stranger) && refused.includes(early), 'the ops view lists both refusals');
  t.equal((await get('/ops/intake', agent)).status, 403, 'agents do not see the intake');
  const cases = await gw.db.pool.query("SELECT count(*) FROM operations WHERE kind = 'jkk_claim' AND nik_index = $1", [gw.pii.index(p.nik)]);
  t.equal(Number(cases.rows[0].count), 0, 'no case was half-written');
});

t.test('a discharge that overtakes its admission waits for it instead of being lost', async (t) => {
  const p = await participant();
  const discharge = await notify({ type: 'hospital.discharge', nik: p.nik, encounterId: 'ENC-4004' });
  await notify({ type: 'hospital.admission', nik: p.nik, encounterId: 'ENC-4004' });
  const applied = await intakeOf(discharge);
  t.equal(applied.outcome, 'applied', JSON.stringify(applied));
  const c = (await get(`/v1/claims/${applied.operationId}`)).body;
  t.equal(c.bill.total, 1_500_000);
  t.match(c.steps.find((s: { name: string }) => s.name === 'hospital.await_discharge'), { state: 'succeeded' });
});
