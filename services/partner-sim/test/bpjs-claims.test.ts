import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { ServiceApp } from '@sutasoma/service-kit';
import { DEFAULT_BPJS_WEBHOOK_SECRET } from '../src/config.ts';
import { waitFor } from '@sutasoma/testing';
import { bpjsHeaders, farmers, sleep, startReceiver, startSim, type Received } from './helpers.ts';

interface Envelope<T> {
  metaData: { code: string; message: string };
  response: T;
}

interface Decision {
  claimRef: string;
  bpjsClaimId: string;
  decision: string;
  reasonCode?: string;
  approved: Record<string, number>;
  decidedAt: string;
}

const thisMonth = () => new Date().toISOString().slice(0, 7);
const today = () => new Date().toISOString().slice(0, 10);
const verify = (r: Received) => new Webhook(DEFAULT_BPJS_WEBHOOK_SECRET).verify(r.body, r.headers as Record<string, string>) as Decision;

let farmerOffset = 0;

/** A farmer BPJS registered, with `months` paid from `periodeAwal` (none when 0). */
async function participant(app: ServiceApp, opts: { periodeAwal?: string; months?: number } = {}) {
  const [f] = await farmers(app, `case=eligible&limit=1&offset=${farmerOffset++}`);
  if (!f) throw new Error('no farmer');
  const reg = await app.inject({
    method: 'POST', url: '/bpjs/bpu/v1/peserta', headers: bpjsHeaders(),
    payload: {
      requestId: randomUUID(), nik: f.nik, nama: f.fullName, tglLahir: f.birthDate, jenisKelamin: f.sex === 'M' ? 'L' : 'P',
      kodeDesa: f.villageCode, penghasilan: 2_000_000, program: ['JKK', 'JKM'],
    },
  });
  if (reg.statusCode !== 200) throw new Error(`register: ${reg.statusCode} ${reg.body}`);
  const kpj = reg.json<Envelope<{ kpj: string }>>().response.kpj;
  const months = opts.months ?? 1;
  if (months > 0) {
    const paid = await app.inject({
      method: 'POST', url: '/bpjs/bpu/v1/iuran', headers: bpjsHeaders(),
      payload: { requestId: randomUUID(), kpj, jumlahBulan: months, periodeAwal: opts.periodeAwal ?? thisMonth(), jumlah: 26_800 * months, kanal: 'AGEN', referensiBank: 'ref-1' },
    });
    if (paid.statusCode !== 200) throw new Error(`iuran: ${paid.statusCode} ${paid.body}`);
  }
  return { kpj, nik: f.nik };
}

function claimBody(p: { kpj: string; nik: string }, over: Record<string, unknown> = {}) {
  return {
    requestId: `${randomUUID()}:bpjs.submit_claim`, noReferensi: randomUUID(), program: 'JKK', kpj: p.kpj, nik: p.nik, tglKejadian: today(),
    rincian: { biayaPengobatan: 3_250_000, santunanUpah: 2_000_000 }, noKasusPlkk: 'PLKK-1', noJaminan: 'GJ-1', ...over,
  };
}

async function setup(t: Parameters<typeof startSim>[0], decisionDelayMs = 40) {
  const receiver = await startReceiver(t);
  const app = await startSim(t, { SIM_BPJS_DECISION_DELAY_MS: String(decisionDelayMs), SIM_BPJS_WEBHOOK_BACKOFF_MS: '30' });
  const put = await app.inject({ method: 'PUT', url: '/_sim/bpjs/claims/webhook', payload: { url: receiver.url } });
  if (put.statusCode !== 200) throw new Error(`webhook url: ${put.statusCode}`);
  const submit = (body: object) => app.inject({ method: 'POST', url: '/bpjs/bpu/v1/klaim', headers: bpjsHeaders(), payload: body });
  const decisionsFor = (claimRef: string) => receiver.received.map(verify).filter((d) => d.claimRef === claimRef);
  return { app, receiver, submit, decisionsFor };
}

t.test('the claim-decision signing secret is the one the adapters are given', async (t) => {
  t.equal(DEFAULT_BPJS_WEBHOOK_SECRET, `whsec_${Buffer.from('sim-bpjs-webhook-secret-32-bytes!!').toString('base64')}`);
});

t.test('coverage on a date: covered in a paid month, not outside it, lapsed after three unpaid months, unknown KPJ', async (t) => {
  const app = await startSim(t);
  const coverage = (kpj: string, date: string) => app.inject({ url: `/bpjs/bpu/v1/peserta/${kpj}/kepesertaan?tanggal=${date}`, headers: bpjsHeaders() });

  const active = await participant(app, { months: 2 });
  const res = await coverage(active.kpj, today());
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    metaData: { code: '200' },
    response: { kpj: active.kpj, nik: active.nik, status: 'AKTIF', tertanggung: true, penghasilan: 2_000_000, aktifSampai: /^\d{4}-\d{2}-\d{2}$/ },
  });
  t.ok(res.json<Envelope<{ aktifSampai: string }>>().response.aktifSampai > today(), 'paid into next month');
  t.equal((await coverage(active.kpj, '2020-01-15')).json<Envelope<{ tertanggung: boolean }>>().response.tertanggung, false, 'before any paid month');

  const lapsed = await participant(app, { periodeAwal: '2024-01', months: 1 });
  const now = (await coverage(lapsed.kpj, today())).json<Envelope<{ status: string; tertanggung: boolean; aktifSampai: string }>>().response;
  t.match(now, { status: 'NONAKTIF', tertanggung: false, aktifSampai: '2024-01-31' });
  t.equal((await coverage(lapsed.kpj, '2024-01-20')).json<Envelope<{ tertanggung: boolean }>>().response.tertanggung, true, 'an accident back then was covered');

  const unpaid = await participant(app, { months: 0 });
  t.match((await coverage(unpaid.kpj, today())).json(), { response: { status: 'PENDING_IURAN', tertanggung: false, aktifSampai: null } });

  const unknown = await coverage('26999999999', today());
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json<Envelope<null>>().metaData.code, '404');
  t.equal((await coverage(active.kpj, '2025-02-30')).statusCode, 400, 'not a real date');
  t.equal((await app.inject({ url: `/bpjs/bpu/v1/peserta/${active.kpj}/kepesertaan?tanggal=${today()}`, headers: bpjsHeaders({ secret: 'wrong' }) })).statusCode, 401);
});

t.test('a claim is made once per requestId and decided by one signed webhook approving what was asked', async (t) => {
  const { app, receiver, submit, decisionsFor } = await setup(t);
  const p = await participant(app);
  const body = claimBody(p);
  const first = await submit(body);
  t.equal(first.statusCode, 200);
  const made = first.json<Envelope<{ noKlaim: string; noReferensi: string; status: string }>>().response;
  t.match(made, { noKlaim: /^KLM\d{12}$/, noReferensi: body.noReferensi, status: 'DIAJUKAN' });
  t.same((await submit(body)).json(), first.json(), 'the same requestId: the first answer again');
  const other = await submit({ ...body, requestId: randomUUID() });
  t.equal(other.statusCode, 409, 'the same claim reference under another requestId');
  t.equal(other.json<Envelope<{ noKlaim: string }>>().response.noKlaim, made.noKlaim, 'names the claim already made');
  const listed = (await app.inject({ url: `/_sim/bpjs/claims?claimRef=${body.noReferensi}` })).json<{ count: number }>();
  t.equal(listed.count, 1, 'one claim at BPJS');

  await receiver.waitFor(1);
  const [received] = receiver.received;
  t.ok(received!.headers['webhook-id'] && received!.headers['webhook-timestamp'] && received!.headers['webhook-signature'], 'Standard Webhooks headers');
  t.match(verify(received!), {
    claimRef: body.noReferensi, bpjsClaimId: made.noKlaim, decision: 'approved', approved: { hospital: 3_250_000, lostIncome: 2_000_000 },
  });
  t.match((await app.inject({ url: `/_sim/bpjs/claims?claimRef=${body.noReferensi}` })).json(), { items: [{ status: 'DISETUJUI', decisions: [{ decision: 'approved' }] }] });
  // An approval is final (nothing decides the claim again) and a delivery that has ended is never
  // sent again: once the webhooks have ended, the receiver has all it will ever get.
  await waitFor(async () => (await app.inject({ url: `/_sim/bpjs/claims/webhooks?claimRef=${body.noReferensi}` })).json<{ items: { status: string }[] }>().items,
    (items) => items.length > 0 && items.every((d) => d.status === 'delivered' || d.status === 'failed'), { what: 'the decision webhook to end' });
  t.equal(decisionsFor(body.noReferensi).length, 1, 'decided once');
});

t.test('refusals: an event outside covered time, a participant BPJS does not know, a preset rejection', async (t) => {
  const { app, receiver, submit, decisionsFor } = await setup(t);
  const lapsed = await participant(app, { periodeAwal: '2024-01', months: 1 });
  const outside = claimBody(lapsed);
  t.equal((await submit(outside)).statusCode, 200);
  const stranger = claimBody({ kpj: '26999999999', nik: '7312015505850001' }, {
    program: 'JKM', rincian: { santunanKematian: 20_000_000, biayaPemakaman: 10_000_000, santunanBerkala: 12_000_000 },
    ahliWaris: { nik: '7312014406900002', nama: 'Hasnah', hubungan: 'ISTRI' }, noAktaKematian: 'AKT-1',
  });
  t.equal((await submit(stranger)).statusCode, 200, 'accepted for examination');
  const p = await participant(app);
  t.equal((await app.inject({ method: 'POST', url: '/_sim/bpjs/claims/decisions', payload: { kpj: p.kpj, decision: 'reject', reasonCode: 'not_work_related' } })).statusCode, 201);
  const preset = claimBody(p);
  t.equal((await submit(preset)).statusCode, 200);

  await receiver.waitFor(3);
  t.match(decisionsFor(outside.noReferensi), [{ decision: 'rejected', reasonCode: 'coverage_inactive', approved: {} }]);
  t.match(decisionsFor(stranger.noReferensi), [{ decision: 'rejected', reasonCode: 'participant_unknown' }]);
  t.match(decisionsFor(preset.noReferensi), [{ decision: 'rejected', reasonCode: 'not_work_related' }]);
  const next = claimBody(p);
  await submit(next);
  await receiver.waitFor(4);
  t.match(decisionsFor(next.noReferensi), [{ decision: 'approved' }], 'a preset is used once');
});

t.test('documents requested first, then approved once they came in', async (t) => {
  const { app, receiver, submit, decisionsFor } = await setup(t);
  const p = await participant(app);
  await app.inject({ method: 'POST', url: '/_sim/bpjs/claims/decisions', payload: { kpj: p.kpj, decision: 'documents' } });
  const body = claimBody(p);
  await submit(body);
  await receiver.waitFor(2);
  t.match(decisionsFor(body.noReferensi), [{ decision: 'documents_requested', approved: {} }, { decision: 'approved', approved: { hospital: 3_250_000 } }]);
  const ids = receiver.received.map((r) => r.headers['webhook-id']);
  t.not(ids[0], ids[1], 'two decisions, two webhook ids');
});

t.test('while BPJS is down nothing is decided; once it is back the decision is sent', async (t) => {
  // BPJS must be put down before it decides: 40 ms after the submission is less than a busy machine
  // may take between two requests, a second is not.
  const decisionDelayMs = 1_000;
  const { app, receiver, submit, decisionsFor } = await setup(t, decisionDelayMs);
  const p = await participant(app);
  const body = claimBody(p);
  await submit(body);
  await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'bpjs', mode: 'down' } });
  const claim = async () => (await app.inject({ url: `/_sim/bpjs/claims?claimRef=${body.noReferensi}` })).json();
  t.match(await claim(), { items: [{ status: 'DIAJUKAN', decisions: [] }] }, 'down before the decision was due');
  // Nothing signals a decision not made: wait past the time it was due.
  await sleep(decisionDelayMs + 500);
  t.equal(receiver.received.length, 0, 'no decision while down');
  t.match(await claim(), { items: [{ status: 'DIAJUKAN', decisions: [] }] }, 'the claim waits');
  await app.inject({ method: 'DELETE', url: '/_sim/faults' });
  await receiver.waitFor(1);
  t.match(decisionsFor(body.noReferensi), [{ decision: 'approved' }]);
});

t.test('webhook faults: a duplicated decision carries one webhook id; a bad signature does not verify', async (t) => {
  const { app, receiver, submit } = await setup(t);
  const put = await app.inject({ method: 'PUT', url: '/_sim/bpjs/claims/webhook-faults', payload: { duplicate: true } });
  t.same(put.json(), { duplicate: true, delayMs: 0, outOfOrder: false, badSignature: false });
  const p = await participant(app);
  const body = claimBody(p);
  await submit(body);
  await receiver.waitFor(2);
  t.equal(receiver.received[0]!.headers['webhook-id'], receiver.received[1]!.headers['webhook-id']);
  const listed = async () => (await app.inject({ url: `/_sim/bpjs/claims/webhooks?claimRef=${body.noReferensi}` })).json<{ count: number; items: { status: string }[] }>();
  // The receiver logs a delivery before the simulator has read its answer.
  t.match(await waitFor(listed, (l) => l.items.every((d) => d.status === 'delivered'), { what: 'both deliveries to be answered' }),
    { count: 2, items: [{ status: 'delivered' }, { status: 'delivered' }] });

  await app.inject({ method: 'PUT', url: '/_sim/bpjs/claims/webhook-faults', payload: { badSignature: true } });
  await submit(claimBody(p));
  await receiver.waitFor(3);
  t.throws(() => verify(receiver.received[2]!), 'signed with another secret');
  t.equal((await app.inject({ method: 'DELETE', url: '/_sim/bpjs/claims/webhook-faults' })).statusCode, 204);
});

t.test('a bad claim is refused naming each bad field', async (t) => {
  const { submit } = await setup(t);
  const res = await submit({ requestId: 'x', noReferensi: 'y', program: 'JKX', kpj: '1', nik: '2', tglKejadian: '2025-13-01', rincian: {} });
  t.equal(res.statusCode, 400);
  t.match(res.json<Envelope<null>>().metaData.message, /program: .*kpj: .*nik: .*tglKejadian: .*rincian: /s);
});
