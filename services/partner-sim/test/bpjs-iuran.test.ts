import t from 'tap';
import type { ServiceApp } from '@sutasoma/service-kit';
import { bpjsHeaders, oneFarmer, startSim } from './helpers.ts';

interface Envelope<T> {
  metaData: { code: string; message: string };
  response: T;
}

async function register(app: ServiceApp, query: string, requestId: string, penghasilan = 1_000_000): Promise<string> {
  const f = await oneFarmer(app, query);
  const res = await app.inject({
    method: 'POST', url: '/bpjs/bpu/v1/peserta', headers: bpjsHeaders(),
    payload: {
      requestId, nik: f.nik, nama: f.fullName, tglLahir: f.birthDate, jenisKelamin: f.sex === 'M' ? 'L' : 'P',
      kodeDesa: f.villageCode, penghasilan, program: ['JKK', 'JKM'],
    },
  });
  if (res.statusCode !== 200) throw new Error(`register: ${res.statusCode} ${res.body}`);
  return res.json<Envelope<{ kpj: string }>>().response.kpj;
}

const iuran = (app: ServiceApp, body: object) => app.inject({ method: 'POST', url: '/bpjs/bpu/v1/iuran', headers: bpjsHeaders(), payload: body });

t.test('posting a contribution: once per requestId, a receipt, and the participant becomes active', async (t) => {
  const app = await startSim(t);
  const kpj = await register(app, 'case=eligible', 'reg-iuran-1');
  const body = { requestId: 'iuran-1', kpj, jumlahBulan: 3, periodeAwal: '2025-11', jumlah: 50_400, kanal: 'VA', referensiBank: 'trx-0001' };

  const first = await iuran(app, body);
  t.equal(first.statusCode, 200);
  const answer = first.json<Envelope<{ noTandaTerima: string }>>();
  t.same(answer, {
    metaData: { code: '200', message: 'OK' },
    response: { noTandaTerima: answer.response.noTandaTerima, kpj, periodeAwal: '2025-11', periodeAkhir: '2026-01', jumlah: 50_400 },
  });
  t.match(answer.response.noTandaTerima, /^TT\d{10}$/);
  const again = await iuran(app, body);
  t.same(again.json(), answer, 'the same requestId: the same answer');
  const posted = (await app.inject({ url: `/_sim/bpjs/contributions?kpj=${kpj}` })).json<{ count: number; items: unknown[] }>();
  t.same(posted, { items: [{ receipt: answer.response.noTandaTerima, kpj, requestId: 'iuran-1', periodeAwal: '2025-11', periodeAkhir: '2026-01', jumlah: 50_400 }], count: 1 });

  const next = await iuran(app, { ...body, requestId: 'iuran-2', periodeAwal: '2026-02', jumlahBulan: 1, jumlah: 16_800, kanal: 'AGEN' });
  t.equal(next.statusCode, 200);
  t.not(next.json<Envelope<{ noTandaTerima: string }>>().response.noTandaTerima, answer.response.noTandaTerima, 'receipts are unique');
  const overlap = await iuran(app, { ...body, requestId: 'iuran-3', periodeAwal: '2026-01', jumlahBulan: 1, jumlah: 16_800 });
  t.equal(overlap.statusCode, 409, 'months already paid');
  t.same(overlap.json<Envelope<unknown>>().response, { noTandaTerima: answer.response.noTandaTerima });

  const list = (await app.inject({ url: `/bpjs/bpu/v1/peserta/${kpj}/iuran`, headers: bpjsHeaders() })).json<Envelope<{ status: string; aktifSampai: string; iuran: { periodeAwal: string }[] }>>();
  t.equal(list.metaData.code, '200');
  t.equal(list.response.status, 'AKTIF');
  t.equal(list.response.aktifSampai, '2026-02-28', 'covered to the end of the last paid month');
  t.same(list.response.iuran.map((i) => i.periodeAwal), ['2025-11', '2026-02']);
  const participant = (await app.inject({ url: `/bpjs/bpu/v1/peserta/${kpj}`, headers: bpjsHeaders() })).json<Envelope<{ status: string }>>();
  t.equal(participant.response.status, 'AKTIF');
});

t.test('unknown KPJ, wrong amount, bad fields, bad signature', async (t) => {
  const app = await startSim(t);
  const kpj = await register(app, 'case=eligible&offset=3', 'reg-iuran-2', 3_000_000);
  const body = { requestId: 'iuran-10', kpj, jumlahBulan: 2, periodeAwal: '2026-01', jumlah: 73_600, kanal: 'DEBIT_KARTU_TANI', referensiBank: 'DBT000000000001' };

  const unknown = await iuran(app, { ...body, kpj: '26999999999' });
  t.equal(unknown.statusCode, 404);
  t.same(unknown.json(), { metaData: { code: '404', message: 'Peserta tidak ditemukan' }, response: null });
  t.equal((await app.inject({ url: '/bpjs/bpu/v1/peserta/26999999999/iuran', headers: bpjsHeaders() })).statusCode, 404);

  // Rp 3,000,000 declared: JKK 30,000 + JKM 6,800 = 36,800 a month.
  const wrong = await iuran(app, { ...body, jumlah: 33_600 });
  t.equal(wrong.statusCode, 400);
  t.same(wrong.json<Envelope<null>>().metaData, { code: '400', message: 'jumlah: harus 73600 (2 bulan x 36800)' });
  t.equal((await app.inject({ url: `/_sim/bpjs/contributions?kpj=${kpj}` })).json<{ count: number }>().count, 0, 'nothing posted');
  t.equal((await iuran(app, body)).statusCode, 200, 'the corrected request may reuse the requestId');

  const bad = await iuran(app, { ...body, requestId: 'iuran-11', jumlahBulan: 13, periodeAwal: '2026-13', kanal: 'TUNAI' });
  t.equal(bad.statusCode, 400);
  t.match(bad.json<Envelope<null>>().metaData.message, /jumlahBulan: .*periodeAwal: .*kanal: /);

  const refused = await app.inject({ method: 'POST', url: '/bpjs/bpu/v1/iuran', headers: bpjsHeaders({ secret: 'nope' }), payload: body });
  t.equal(refused.statusCode, 401);

  const member = await oneFarmer(app, 'case=already_participant');
  const existing = (await app.inject({ url: `/bpjs/bpu/v1/peserta?nik=${member.nik}`, headers: bpjsHeaders() })).json<Envelope<{ kpj: string }>>().response.kpj;
  const earlier = await iuran(app, { ...body, requestId: 'iuran-12', kpj: existing, jumlahBulan: 12, jumlah: 12 * 16_800 });
  t.equal(earlier.statusCode, 200, 'a participant from before the simulator, at Rp 1,000,000');
  t.equal(earlier.json<Envelope<{ periodeAkhir: string }>>().response.periodeAkhir, '2026-12');
});
