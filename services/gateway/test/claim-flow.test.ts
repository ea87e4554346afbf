import t, { type Test } from 'tap';
import { todayInSoppeng } from '@sutasoma/contracts';
import { waitFor } from '@sutasoma/testing';
import { startFlow } from './flow.ts';

// Claims end to end: the gateway in-process; the simulator and all six adapters as processes.
const flow = await startFlow(t, {
  claims: true,
  adapterEnv: { RETRY_BASE_MS: '100', RETRY_MAX_MS: '300', BREAKER_RESET_MS: '1000', BREAKER_VOLUME: '3' },
  simEnv: { SIM_BPJS_DECISION_DELAY_MS: '200' },
});
const ops = flow.token('demo-ops');
const json = async (res: Response) => (await res.json()) as any;
const claim = (id: string) => flow.get(`/v1/claims/${id}`).then((r) => r.body);
const settled = (id: string, until = ['paid', 'rejected', 'failed']) =>
  waitFor(() => claim(id), (c) => until.includes(c.status), { timeoutMs: 45_000, what: `claim ${id} to reach ${until.join('/')}` });
const pay = async (kpj: string, months = 1) => {
  const res = await flow.post('/v1/contributions', { kpj, months, channel: 'agent_cash' });
  await waitFor(async () => (await flow.get(`/v1/contributions/${res.body.id}`)).body, (c) => c.status === 'posted', { timeoutMs: 30_000, what: 'contribution posted' });
};
/** The simulated hospital admits the farmer now and discharges them with the bill shortly after. */
const admit = async (t: Test, nik: string, extra: Record<string, unknown> = {}) => {
  const res = await flow.sim('POST', '/_sim/hospital/scenarios', { nik, dischargeAfterMs: 1500, ...extra });
  t.equal(res.status, 202, 'the simulated hospital admits the farmer');
  return json(res) as Promise<{ encounterId: string }>;
};
const caseOf = (encounterId: string) => waitFor(
  async () => (await flow.get('/ops/intake?limit=500', ops)).body.items.find((i: any) => i.partnerRef?.endsWith(`/${encounterId}`) && i.type === 'hospital.admission'),
  (i) => i !== undefined, { timeoutMs: 30_000, what: `the admission of ${encounterId}` },
).then((i) => i.operationId as string);
const transfers = async () => (await json(await flow.sim('GET', '/_sim/bank/transfers'))).items as any[];

const [covered, second, deceased, agentFirst] = await flow.participants(4, 2000);
const [lapsed] = await flow.participants(1, 2100);
await Promise.all([covered, second, deceased, agentFirst].map((p) => pay(p!.kpj)));

t.test('a covered farmer is admitted, guaranteed, discharged, approved and paid: the hospital and the farmer each once', async (t) => {
  const { encounterId } = await admit(t, covered!.nik);
  const id = await caseOf(encounterId);
  const c = await settled(id);
  t.equal(c.status, 'paid', JSON.stringify(c.reason));
  t.same(c.history.map((h: { status: string }) => h.status),
    ['reported', 'coverage_confirmed', 'guaranteed', 'in_treatment', 'submitted', 'approved', 'paid'], 'every state, in order');
  t.same(c.reportedBy, ['hospital']);
  t.match(c.guarantee, { plkkCaseId: /.+/, guaranteeId: /.+/ });
  t.ok(c.bill.total > 0, 'the bill came with the discharge');
  t.equal(c.requested.hospital, c.bill.total);
  t.ok(c.requested.lostIncome > 0, 'lost income for the days in hospital');
  t.same(c.decision.approved, c.requested, 'BPJS approved what was claimed');
  t.same(c.payouts.map((p: any) => [p.to, p.channel, p.state]), [['hospital', 'bank_transfer', 'succeeded'], ['farmer', 'kartu_tani_credit', 'succeeded']]);
  t.ok(c.payouts.every((p: any) => p.bankReference), 'each payout has its bank reference');

  const guarantees = (await json(await flow.sim('GET', '/_sim/hospital/guarantees'))).items as any[];
  t.equal(guarantees.filter((g) => JSON.stringify(g).includes(c.guarantee.guaranteeId)).length, 1, 'the hospital knows the guarantee, once');
  const plkk = (await json(await flow.sim('GET', '/_sim/plkk/cases'))).items as any[];
  t.equal(plkk.filter((p) => p.caseId === c.guarantee.plkkCaseId).length, 1, 'one case at the PLKK');
  const toHospital = (await transfers()).filter((x) => x.remark?.includes(c.guarantee.plkkCaseId));
  t.same(toHospital.map((x) => x.amount), [c.bill.total], 'the bank moved the bill to the facility, exactly once');
  const credits = (await json(await flow.sim('GET', '/_sim/ekartutani/credits'))).items.filter((x: any) => JSON.stringify(x).includes(id));
  t.same(credits.map((x: any) => x.amount), [c.requested.lostIncome], 'the lost income reached the farmer-card account, exactly once');
});

t.test('a lapsed participant\'s accident ends rejected with coverage_inactive, and nothing is paid', async (t) => {
  const { encounterId } = await admit(t, lapsed!.nik);
  const c = await settled(await caseOf(encounterId));
  t.equal(c.status, 'rejected');
  t.equal(c.reason.code, 'coverage_inactive');
  t.same(c.payouts.map((p: any) => p.state), ['pending', 'pending']);
  t.equal(c.guarantee, null, 'no guarantee was asked for');
});

t.test('the agent reports the accident, the hospital admits the farmer: one case, reported by both, paid once', async (t) => {
  const res = await flow.post('/v1/claims', { type: 'jkk', kpj: agentFirst!.kpj, accidentDate: todayInSoppeng(), description: 'terjatuh dari traktor tangan' });
  t.equal(res.status, 202);
  t.equal((await settled(res.body.id, ['coverage_confirmed'])).status, 'coverage_confirmed', 'covered; waiting for the hospital');
  const { encounterId } = await admit(t, agentFirst!.nik);
  t.equal(await caseOf(encounterId), res.body.id, 'the admission joined the agent\'s case');
  const c = await settled(res.body.id);
  t.equal(c.status, 'paid', JSON.stringify(c.reason));
  t.same(c.reportedBy.sort(), ['agent', 'hospital']);
  t.equal((await flow.get(`/v1/participants/${agentFirst!.kpj}/claims`)).body.items.length, 1, 'one claim for the farmer');
});

t.test('BPJS down while the claim is submitted, and its decision webhook sent twice: one claim, one decision, one payout each', async (t) => {
  await flow.sim('PUT', '/_sim/bpjs/claims/webhook-faults', { duplicate: true });
  t.teardown(async () => {
    await flow.sim('DELETE', '/_sim/bpjs/claims/webhook-faults');
    await flow.sim('DELETE', '/_sim/faults?system=bpjs');
    await flow.sim('DELETE', '/_sim/hospital/webhook-faults');
  });
  const { encounterId } = await admit(t, second!.nik, { dischargeAfterMs: 6_000 });
  const id = await caseOf(encounterId);
  // The hospital holds its next notification, the discharge, until BPJS is down: a discharge that came
  // while the guarantee was still being arranged (a busy machine) would let the claim be submitted,
  // and in_treatment pass, before this test put BPJS down.
  await flow.sim('PUT', '/_sim/hospital/webhook-faults', { outOfOrder: true });
  await waitFor(() => claim(id), (c) => c.status === 'in_treatment', { timeoutMs: 30_000, what: 'the guarantee' });
  // BPJS goes down before the discharge: submitting the claim fails until it is back.
  await flow.sim('POST', '/_sim/faults', { system: 'bpjs', mode: 'down' });
  await flow.sim('DELETE', '/_sim/hospital/webhook-faults');
  await waitFor(() => claim(id), (c) => c.steps.some((s: any) => s.name === 'bpjs.submit_claim' && s.attempts >= 2), { timeoutMs: 30_000, what: 'failed submissions' });
  await flow.sim('DELETE', '/_sim/faults?system=bpjs');
  const c = await settled(id);
  t.equal(c.status, 'paid', JSON.stringify(c.reason));
  const atBpjs = (await json(await flow.sim('GET', '/_sim/bpjs/claims'))).items.filter((x: any) => x.claimRef === id);
  t.equal(atBpjs.length, 1, 'BPJS holds the claim once');
  t.equal((await transfers()).filter((x) => x.remark?.includes(c.guarantee.plkkCaseId)).length, 1, 'one transfer to the hospital, though the decision came twice');
  const credits = (await json(await flow.sim('GET', '/_sim/ekartutani/credits'))).items.filter((x: any) => JSON.stringify(x).includes(id));
  t.equal(credits.length, 1, 'one credit to the farmer');
});

const heir = { nik: '7312021203850002', name: 'La Tenri', relation: 'spouse', account: { bankCode: '002', accountNo: '0021203850002', holderName: 'La Tenri' } };

t.test('a death claim: BPJS verifies, approves the configured benefit, and the heir is paid', async (t) => {
  const opened = await flow.sim('POST', '/_sim/bank/accounts', heir.account);
  t.ok(opened.ok, 'the heir has an account at the simulated bank');
  const res = await flow.post('/v1/claims', { type: 'jkm', kpj: deceased!.kpj, dateOfDeath: todayInSoppeng(), deathCertificateRef: 'AK-7312-2026-0001', heir });
  t.equal(res.status, 202, JSON.stringify(res.body));
  const c = await settled(res.body.id);
  t.equal(c.status, 'paid', JSON.stringify(c.reason));
  t.same(c.history.map((h: { status: string }) => h.status), ['reported', 'coverage_confirmed', 'submitted', 'approved', 'paid']);
  t.match(c.payouts, [{ to: 'heir', amount: 42_000_000, state: 'succeeded', bankReference: /\d+/ }], 'Rp 20 m lump sum + Rp 10 m funeral + Rp 12 m periodic');
  const toHeir = (await transfers()).filter((x) => x.beneficiaryAccountNo === heir.account.accountNo);
  t.same(toHeir.map((x) => x.amount), [42_000_000], 'the heir\'s account received it once');
});

t.test('BPJS refuses a death claim with its reason, and nothing is paid', async (t) => {
  const [p] = await flow.participants(1, 2200);
  await pay(p!.kpj);
  await flow.sim('POST', '/_sim/bpjs/claims/decisions', { kpj: p!.kpj, decision: 'reject', reasonCode: 'death_not_verified' });
  const res = await flow.post('/v1/claims', { type: 'jkm', kpj: p!.kpj, dateOfDeath: todayInSoppeng(), deathCertificateRef: 'AK-7312-2026-0002', heir });
  const c = await settled(res.body.id);
  t.equal(c.status, 'rejected');
  t.match(c.decision, { decision: 'rejected', reasonCode: 'death_not_verified' });
  t.equal(c.payouts[0].state, 'pending', 'nothing paid');
});

t.test('a death claim for a participant whose cover had lapsed on the date of death is refused: coverage_inactive', async (t) => {
  const res = await flow.post('/v1/claims', { type: 'jkm', kpj: lapsed!.kpj, dateOfDeath: todayInSoppeng(), deathCertificateRef: 'AK-7312-2026-0003', heir });
  const c = await settled(res.body.id);
  t.equal(c.status, 'rejected');
  t.equal(c.reason.code, 'coverage_inactive');
});

t.test('the bank knows no such heir\'s account: the approved claim waits at account_unverified, and an operator replays the payout once the account is open', async (t) => {
  const [p] = await flow.participants(1, 2300);
  await pay(p!.kpj);
  const closed = { ...heir, account: { bankCode: '002', accountNo: '0029000000077', holderName: 'La Tenri' } };
  const res = await flow.post('/v1/claims', { type: 'jkm', kpj: p!.kpj, dateOfDeath: todayInSoppeng(), deathCertificateRef: 'AK-7312-2026-0004', heir: closed });
  const c = await settled(res.body.id, ['paid', 'rejected', 'failed', 'account_unverified']);
  t.equal(c.status, 'account_unverified', 'not rejected: BPJS approved it');
  t.equal(c.reason.code, 'beneficiary_account_invalid');
  t.equal(c.decision.decision, 'approved');
  t.match(c.payouts, [{ to: 'heir', state: 'failed', bankReference: null }]);

  t.ok((await flow.sim('POST', '/_sim/bank/accounts', closed.account)).ok, 'the heir opens the account');
  const replay = await flow.post('/ops/jobs/replay', { jobIds: [`${res.body.id}.bank.pay_heir`], reason: 'the heir opened the account' }, { token: ops });
  t.equal(replay.status, 200, JSON.stringify(replay.body));
  t.comment(JSON.stringify(replay.body));
  const after = await settled(res.body.id);
  t.equal(after.status, 'paid', 'the replay asked the bank again: the heir holds it now');
  t.same((await transfers()).filter((x) => x.beneficiaryAccountNo === closed.account.accountNo).map((x) => x.amount), [42_000_000], 'paid once');
});

const supervisor = flow.token('demo-supervisor');
const inquiries = async (accountNo: string) => (await json(await flow.sim('GET', `/_sim/bank/inquiries?beneficiaryAccountNo=${accountNo}`))).count as number;
const audit = async (id: string) => (await flow.db.pool.query<{ actor: string; action: string; reason: string; request: Record<string, unknown> }>(
  'SELECT actor, action, reason, request FROM ops_audit WHERE target = $1 ORDER BY id', [`/v1/claims/${id}`])).rows;

t.test('an heir\'s account held by someone else: the claim stops at account_unverified, nothing is paid; the supervisor\'s approval pays it once, audited', async (t) => {
  const [p] = await flow.participants(1, 2400);
  await pay(p!.kpj);
  // The agent names the heir La Tenri, but the account is held by another person at the bank.
  const account = { bankCode: '002', accountNo: '0021203850031', holderName: 'La Tenri' };
  t.ok((await flow.sim('POST', '/_sim/bank/accounts', { ...account, holderName: 'BASO MAPPIARE' })).ok);
  const res = await flow.post('/v1/claims', { type: 'jkm', kpj: p!.kpj, dateOfDeath: todayInSoppeng(), deathCertificateRef: 'AK-7312-2026-0005', heir: { ...heir, account } });
  t.equal(res.status, 202);
  const c = await settled(res.body.id, ['paid', 'rejected', 'failed', 'account_unverified']);
  t.equal(c.status, 'account_unverified', JSON.stringify(c.reason));
  t.equal(c.reason.code, 'account_name_mismatch', 'the agent app sees why');
  t.same(c.history.map((h: { status: string }) => h.status), ['reported', 'coverage_confirmed', 'submitted', 'approved', 'account_unverified']);
  t.equal(await inquiries(account.accountNo), 1, 'the bank was asked who holds the account');
  t.same((await transfers()).filter((x) => x.beneficiaryAccountNo === account.accountNo), [], 'no transfer reached the bank');

  const asAgent = await flow.post(`/v1/claims/${res.body.id}/payout-account`, { decision: 'approve', reason: 'saya agennya' });
  t.equal(asAgent.status, 403, 'an agent cannot approve the account it gave');
  const noReason = await flow.post(`/v1/claims/${res.body.id}/payout-account`, { decision: 'approve' }, { token: supervisor });
  t.equal(noReason.status, 400);
  t.match(noReason.body.errors, [{ field: 'reason' }]);

  const approved = await flow.post(`/v1/claims/${res.body.id}/payout-account`,
    { decision: 'approve', reason: 'Baso Mappiare is the heir\'s guardian: letter from the village head seen' }, { token: supervisor });
  t.equal(approved.status, 200, JSON.stringify(approved.body));
  t.match(approved.body, { id: res.body.id, decision: 'approve', status: 'approved', auditId: Number });
  const again = await flow.post(`/v1/claims/${res.body.id}/payout-account`, { decision: 'approve', reason: 'twice' }, { token: supervisor });
  t.equal(again.status, 409, 'decided once');
  t.match(again.body, { code: 'no_payout_decision_pending', errors: [{ field: 'id' }] });

  const after = await settled(res.body.id);
  t.equal(after.status, 'paid', JSON.stringify(after.reason));
  t.same((await transfers()).filter((x) => x.beneficiaryAccountNo === account.accountNo).map((x) => x.amount), [42_000_000], 'paid exactly once');
  t.match(await audit(res.body.id), [
    { actor: 'demo-supervisor', action: 'payout_account approve', reason: /guardian/, request: { decision: 'approve', step: 'bank.pay_heir', accountNo: '*********0031' } },
  ], 'ops_audit: who, why and which account (masked)');
});

t.test('an agent routes a farmer\'s benefit to the agent\'s own account: account_unverified, nothing paid; the supervisor rejects it and the claim ends rejected', async (t) => {
  const [p] = await flow.participants(1, 40, 'no_card');
  await pay(p!.kpj);
  const own = { bankCode: '002', accountNo: '9001000001', holderName: p!.fullName };
  const res = await flow.post('/v1/claims', { type: 'jkk', kpj: p!.kpj, accidentDate: todayInSoppeng(), description: 'terjatuh dari pematang sawah', payoutAccount: own });
  t.equal(res.status, 202, JSON.stringify(res.body));
  await settled(res.body.id, ['coverage_confirmed']);
  await admit(t, p!.nik);
  const c = await settled(res.body.id, ['paid', 'rejected', 'failed', 'account_unverified']);
  t.equal(c.status, 'account_unverified', JSON.stringify(c.reason));
  t.equal(c.reason.code, 'account_name_mismatch');
  t.same(c.payouts.map((x: any) => [x.to, x.state]), [['hospital', 'succeeded'], ['farmer', 'failed']], 'the hospital paid, the farmer\'s benefit held');
  t.same((await transfers()).filter((x) => x.beneficiaryAccountNo === own.accountNo), [], 'nothing reached the agent\'s account');

  const rejected = await flow.post(`/v1/claims/${res.body.id}/payout-account`, { decision: 'reject', reason: 'rekening milik agen, bukan petani' }, { token: ops });
  t.equal(rejected.status, 200, JSON.stringify(rejected.body));
  const after = await claim(res.body.id);
  t.equal(after.status, 'rejected');
  t.equal(after.reason.code, 'payout_account_rejected');
  t.match(await audit(res.body.id), [{ actor: 'demo-ops', action: 'payout_account reject', reason: /agen/ }]);
  const replay = await flow.post('/ops/jobs/replay', { jobIds: [`${res.body.id}.bank.pay_benefit`], reason: 'try it anyway' }, { token: ops });
  t.match(replay.body, { done: [], skipped: [{ reason: 'not_failed' }] }, 'a rejected account cannot be replayed into paying');
  t.same((await transfers()).filter((x) => x.beneficiaryAccountNo === own.accountNo), [], 'still nothing paid');
});
