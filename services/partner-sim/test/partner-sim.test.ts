import { request as httpRequest } from 'node:http';
import t from 'tap';
import { KECAMATAN, VILLAGES, ageOn, nikMismatch, parseNik } from '@sutasoma/contracts';
import { createLogger, type ServiceApp } from '@sutasoma/service-kit';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { generateSoppeng } from '../src/data/generate.ts';
import { bpjsSignature } from '../src/systems/bpjs-signature.ts';

interface FarmerItem {
  nik: string;
  fullName: string;
  birthDate: string;
  sex: 'M' | 'F';
  villageCode: string;
  address: string;
  phone: string;
  declaredMonthlyIncome: number;
}
interface FarmerPage {
  items: FarmerItem[];
  total: number;
  limit: number;
  offset: number;
}

const SIMLUHTAN = { 'x-api-key': 'sim-simluhtan-key' };
const EKARTUTANI = { 'x-client-id': 'sutasoma', 'x-client-secret': 'sim-ekartutani-secret' };

function bpjsHeaders(opts: { timestamp?: number; secret?: string; consId?: string } = {}): Record<string, string> {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const consId = opts.consId ?? 'sutasoma';
  return { 'x-cons-id': consId, 'x-timestamp': timestamp, 'x-signature': bpjsSignature(consId, opts.secret ?? 'sim-bpjs-secret', timestamp) };
}

async function startSim(test: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}): Promise<ServiceApp> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const app = await buildApp(config, { logger: createLogger({ name: 'partner-sim', level: 'silent' }) });
  test.teardown(() => app.close());
  return app;
}

async function farmers(app: ServiceApp, query: string): Promise<FarmerPage> {
  const res = await app.inject({ method: 'GET', url: `/_sim/farmers?${query}` });
  if (res.statusCode !== 200) throw new Error(`farmers ${query}: ${res.statusCode} ${res.body}`);
  return res.json<FarmerPage>();
}

function registration(f: FarmerItem, requestId: string) {
  return {
    requestId,
    nik: f.nik,
    nama: f.fullName,
    tglLahir: f.birthDate,
    jenisKelamin: f.sex === 'M' ? 'L' : 'P',
    kodeDesa: f.villageCode,
    penghasilan: f.declaredMonthlyIncome,
    noHp: f.phone,
    program: ['JKK', 'JKM'],
  };
}

/** A real HTTP GET, so a dropped connection shows as the client would see it. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('the synthetic Soppeng has the seed figures', async (t) => {
  const started = performance.now();
  const data = generateSoppeng(4242);
  // How long generation takes is for the benchmark, not an assertion: a busy machine is slow, not wrong.
  t.comment(`another Soppeng generated in ${(performance.now() - started).toFixed(0)} ms`);

  const soppeng = generateSoppeng(1312);
  t.equal(soppeng.farmers.length, 55_289, 'farmers');
  t.equal(new Set(soppeng.farmers.map((f) => f.villageCode)).size, 70, 'every village has farmers');
  t.equal(soppeng.groups.length, 892, 'farmer groups');
  t.equal(new Set(soppeng.groups.map((g) => g.villageCode)).size, 70, 'every village has groups');
  t.ok(soppeng.groups.every((g) => /^PKT-\d{10}-\d{2}$/.test(g.id) && g.name.startsWith('Poktan ')), 'group ids and names');
  t.ok(soppeng.extensionWorkers.length >= 100 && soppeng.extensionWorkers.length <= 120, `about 110 extension workers (${soppeng.extensionWorkers.length})`);
  for (const w of soppeng.extensionWorkers) {
    const villages = w.villageCodes.map((c) => VILLAGES.find((v) => v.code === c));
    if (w.villageCodes.length < 1 || w.villageCodes.length > 2 || villages.some((v) => v?.kecamatanCode !== w.kecamatanCode)) {
      t.fail(`${w.id} serves ${w.villageCodes.join(', ')}`);
    }
  }
  t.not(data.farmers[0]?.nik, soppeng.farmers[0]?.nik, 'another seed, another Soppeng');

  const app = await startSim(t);
  const all = await farmers(app, 'limit=1');
  t.equal(all.total, 55_289);
  const perKecamatan = await Promise.all(KECAMATAN.map((k) => farmers(app, `limit=1&kecamatan=${encodeURIComponent(k.name)}`)));
  t.equal(perKecamatan.length, 8);
  t.ok(perKecamatan.every((p) => p.total > 0), 'each kecamatan has farmers');
  t.equal(perKecamatan.reduce((sum, p) => sum + p.total, 0), 55_289, 'the 8 kecamatan hold every farmer');

  const groups = await app.inject({ url: '/simluhtan/api/v1/kelompok-tani?size=1', headers: SIMLUHTAN });
  t.equal(groups.json<{ total: number }>().total, 892, 'Simluhtan lists 892 groups');
});

t.test('every NIK is valid, unique and agrees with the birth date and sex', async (t) => {
  const { farmers: all } = generateSoppeng(1312);
  const today = new Date().toISOString().slice(0, 10);
  const bad = all.filter((f) => {
    const parts = parseNik(f.nik);
    const age = ageOn(f.birthDate, today);
    return !parts || parts.areaCode !== f.kecamatanCode || nikMismatch(f.nik, f.birthDate, f.sex) !== null
      || age < 20 || age > 62 || !/^08\d{9,11}$/.test(f.phone) || !/^Dusun .+, Desa .+$/.test(f.address);
  });
  t.same(bad.slice(0, 3), [], 'no farmer with a bad NIK, age, phone or address');
  t.equal(new Set(all.map((f) => f.nik)).size, all.length, 'NIKs are unique');
  const cards = all.filter((f) => f.card);
  t.equal(new Set(cards.map((f) => f.card?.nomorKartu)).size, cards.length, 'card numbers are unique');
  t.ok(cards.every((f) => /^\d{16}$/.test(f.card?.nomorKartu ?? '')), 'card numbers have 16 digits');
  const blocked = cards.filter((f) => f.card?.status === 'BLOCKED').length / cards.length;
  t.ok(blocked > 0.01 && blocked < 0.03, `about 2% of cards are blocked (${(blocked * 100).toFixed(1)}%)`);
});

t.test('the farmer list is exact, filtered and stable', async (t) => {
  const app = await startSim(t);
  const page = await farmers(app, 'limit=3&offset=5');
  t.equal(page.items.length, 3);
  t.same({ limit: page.limit, offset: page.offset }, { limit: 3, offset: 5 });
  t.same(Object.keys(page.items[0] ?? {}).sort(),
    ['address', 'birthDate', 'declaredMonthlyIncome', 'fullName', 'nik', 'phone', 'sex', 'villageCode'], 'exactly the registration fields');
  t.equal(page.items[0]?.declaredMonthlyIncome, 1_000_000);
  t.same(await farmers(app, 'limit=3&offset=5'), page, 'the same page twice');
  const other = await startSim(t);
  t.same(await farmers(other, 'limit=3&offset=5'), page, 'the same page from another instance with the same seed');

  const dashed = await farmers(app, 'limit=5&kecamatan=Donri-Donri');
  t.same(await farmers(app, 'limit=5&kecamatan=donri%20donri'), dashed, '"Donri-Donri" is "donri donri"');
  const donri = KECAMATAN.find((k) => k.name === 'Donri Donri')?.code ?? '';
  t.ok(dashed.items.every((f) => f.villageCode.startsWith(donri)), 'only villages of that kecamatan');

  t.equal((await app.inject({ url: '/_sim/farmers?kecamatan=Atlantis' })).statusCode, 400, 'unknown kecamatan');
  t.equal((await app.inject({ url: '/_sim/farmers?limit=1001' })).statusCode, 400, 'limit is at most 1000');
  t.equal((await farmers(app, 'limit=1000')).items.length, 1000);
  t.equal((await farmers(app, '')).items.length, 10, 'limit defaults to 10');

  const blocked = await farmers(app, 'limit=3&case=eligible&cardStatus=BLOCKED');
  for (const f of blocked.items) {
    const card = await app.inject({ url: `/ekartutani/api/v1/kartu?nik=${f.nik}`, headers: EKARTUTANI });
    t.equal(card.json<{ kartu: { status: string } }>().kartu.status, 'BLOCKED');
  }
});

t.test('each case is what the partners say about the farmer', async (t) => {
  const app = await startSim(t);
  const total = 55_289;
  const expectShare = async (c: string, share: number) => {
    const page = await farmers(app, `case=${c}&limit=20&kecamatan=Lalabata`);
    const all = await farmers(app, `case=${c}&limit=1`);
    t.ok(Math.abs(all.total / total - share) < share * 0.25 + 0.005, `${c} is about ${share * 100}% (${all.total})`);
    return page.items;
  };
  const look = async (f: FarmerItem) => {
    const [membership, card, participant] = await Promise.all([
      app.inject({ url: `/simluhtan/api/v1/petani/${f.nik}`, headers: SIMLUHTAN }),
      app.inject({ url: `/ekartutani/api/v1/kartu?nik=${f.nik}`, headers: EKARTUTANI }),
      app.inject({ url: `/bpjs/bpu/v1/peserta?nik=${f.nik}`, headers: bpjsHeaders() }),
    ]);
    return [membership.statusCode, card.statusCode, participant.statusCode];
  };

  for (const f of await expectShare('eligible', 0.84)) t.same(await look(f), [200, 200, 404], `eligible ${f.nik}`);
  for (const f of await expectShare('no_group', 0.03)) t.same(await look(f), [404, 404, 404], `no_group ${f.nik}`);
  for (const f of await expectShare('no_card', 0.12)) t.same(await look(f), [200, 404, 404], `no_card ${f.nik}`);
  for (const f of await expectShare('already_participant', 0.01)) t.same(await look(f), [200, 200, 200], `already_participant ${f.nik}`);

  const [f] = (await farmers(app, 'case=eligible&limit=1&offset=100')).items;
  if (!f) throw new Error('no eligible farmer');
  const member = await app.inject({ url: `/simluhtan/api/v1/petani/${f.nik}`, headers: SIMLUHTAN });
  const body = member.json<{ data: { nik: string; kelompokTani: { id: string; desaKode: string }; penyuluh: { id: string; nama: string } } }>().data;
  t.equal(body.nik, f.nik);
  t.equal(body.kelompokTani.desaKode, f.villageCode, 'the group is in the farmer\'s village');
  t.match(body.kelompokTani.id, /^PKT-\d{10}-\d{2}$/);
  t.match(body.penyuluh.id, /^PNY-\d{6}-\d{2}$/);

  const [none] = (await farmers(app, 'case=no_group&limit=1')).items;
  const notFound = await app.inject({ url: `/simluhtan/api/v1/petani/${none?.nik}`, headers: SIMLUHTAN });
  t.equal(notFound.json<{ error: { code: string } }>().error.code, 'PETANI_NOT_FOUND');
  const [noCard] = (await farmers(app, 'case=no_card&limit=1')).items;
  const missing = await app.inject({ url: `/ekartutani/api/v1/kartu?nik=${noCard?.nik}`, headers: EKARTUTANI });
  t.equal(missing.json<{ error: { code: string } }>().error.code, 'KARTU_NOT_FOUND');
  t.equal((await app.inject({ url: '/ekartutani/api/v1/kartu?nik=12', headers: EKARTUTANI })).statusCode, 400, 'a bad NIK is a 400');
});

t.test('Simluhtan and e-Kartu Tani refuse wrong credentials', async (t) => {
  const app = await startSim(t);
  const [f] = (await farmers(app, 'case=eligible&limit=1')).items;
  for (const headers of [{}, { 'x-api-key': 'wrong' }]) {
    const res = await app.inject({ url: `/simluhtan/api/v1/petani/${f?.nik}`, headers });
    t.equal(res.statusCode, 401);
    t.equal(res.json<{ error: { code: string } }>().error.code, 'UNAUTHORIZED');
  }
  const res = await app.inject({ url: `/ekartutani/api/v1/kartu?nik=${f?.nik}`, headers: { ...EKARTUTANI, 'x-client-secret': 'wrong' } });
  t.equal(res.statusCode, 401);
  t.equal(res.json<{ error: { code: string } }>().error.code, 'UNAUTHORIZED');
});

t.test('BPJS refuses a wrong signature and a stale timestamp', async (t) => {
  const app = await startSim(t);
  const now = Math.floor(Date.now() / 1000);
  const refused = [
    bpjsHeaders({ secret: 'not-the-secret' }),
    bpjsHeaders({ consId: 'someone-else' }),
    bpjsHeaders({ timestamp: now - 301 }),
    bpjsHeaders({ timestamp: now + 301 }),
    {},
  ];
  for (const headers of refused) {
    const res = await app.inject({ url: '/bpjs/bpu/v1/peserta/26301000001', headers });
    t.equal(res.statusCode, 401);
    t.same(res.json<{ metaData: { code: string }; response: null }>(), { metaData: { code: '401', message: res.json<{ metaData: { message: string } }>().metaData.message }, response: null });
  }
  const ok = await app.inject({ url: '/bpjs/bpu/v1/peserta/26301000001', headers: bpjsHeaders({ timestamp: now - 250 }) });
  t.equal(ok.statusCode, 200, 'a timestamp inside the tolerance is fine');
  t.equal(ok.json<{ metaData: { code: string } }>().metaData.code, '200');
});

t.test('registering with BPJS: one participant per requestId, one per NIK', async (t) => {
  const app = await startSim(t);
  const [farmer, other] = (await farmers(app, 'case=eligible&limit=2&offset=40')).items;
  if (!farmer || !other) throw new Error('no eligible farmers');
  const post = (body: unknown) => app.inject({ method: 'POST', url: '/bpjs/bpu/v1/peserta', headers: bpjsHeaders(), payload: body as object });

  const first = await post(registration(farmer, 'reg-0001-a'));
  t.equal(first.statusCode, 200);
  const answer = first.json<{ metaData: { code: string; message: string }; response: { kpj: string; nik: string; status: string; tglDaftar: string } }>();
  t.same(answer.metaData, { code: '200', message: 'OK' });
  t.match(answer.response.kpj, /^26\d{9}$/);
  t.equal(answer.response.status, 'PENDING_IURAN');
  t.equal(answer.response.nik, farmer.nik);

  const again = await post(registration(farmer, 'reg-0001-a'));
  t.equal(again.statusCode, 200);
  t.same(again.json(), answer, 'the same requestId gets the first answer again');
  const participants = await app.inject({ url: `/_sim/bpjs/participants?nik=${farmer.nik}` });
  t.same(participants.json(), { items: [{ kpj: answer.response.kpj, nik: farmer.nik, requestId: 'reg-0001-a', registeredAt: participants.json<{ items: { registeredAt: string }[] }>().items[0]?.registeredAt }], count: 1 }, 'one participant');

  const duplicate = await post(registration(farmer, 'reg-0001-b'));
  t.equal(duplicate.statusCode, 409, 'the same NIK under another requestId');
  t.same(duplicate.json(), { metaData: { code: '409', message: 'Peserta sudah terdaftar' }, response: { kpj: answer.response.kpj } });

  const second = await post(registration(other, 'reg-0002-a'));
  t.not(second.json<{ response: { kpj: string } }>().response.kpj, answer.response.kpj, 'KPJs are unique');

  const byKpj = await app.inject({ url: `/bpjs/bpu/v1/peserta/${answer.response.kpj}`, headers: bpjsHeaders() });
  t.equal(byKpj.json<{ response: { nik: string; status: string } }>().response.nik, farmer.nik);
  const byNik = await app.inject({ url: `/bpjs/bpu/v1/peserta?nik=${farmer.nik}`, headers: bpjsHeaders() });
  t.equal(byNik.json<{ response: { kpj: string } }>().response.kpj, answer.response.kpj);
  const unknown = await app.inject({ url: '/bpjs/bpu/v1/peserta/26999999999', headers: bpjsHeaders() });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json<{ metaData: { code: string } }>().metaData.code, '404');

  const [member] = (await farmers(app, 'case=already_participant&limit=1')).items;
  if (!member) throw new Error('no participant');
  const existing = await post(registration(member, 'reg-0003-a'));
  t.equal(existing.statusCode, 409, 'a farmer who already was a participant');
  t.match(existing.json<{ response: { kpj: string } }>().response.kpj, /^26\d{9}$/);
});

t.test('BPJS names every bad field', async (t) => {
  const app = await startSim(t);
  const [farmer] = (await farmers(app, 'case=eligible&limit=1')).items;
  if (!farmer) throw new Error('no eligible farmer');
  const post = (body: object) => app.inject({ method: 'POST', url: '/bpjs/bpu/v1/peserta', headers: bpjsHeaders(), payload: body });
  const { tglLahir: _dropped, ...noBirthDate } = registration(farmer, 'bad-0001');
  const missing = await post(noBirthDate);
  t.equal(missing.statusCode, 400);
  t.equal(missing.json<{ metaData: { code: string } }>().metaData.code, '400');
  t.match(missing.json<{ metaData: { message: string } }>().metaData.message, /^tglLahir: /);

  const wrongSex = await post({ ...registration(farmer, 'bad-0002'), jenisKelamin: farmer.sex === 'M' ? 'P' : 'L' });
  t.match(wrongSex.json<{ metaData: { message: string } }>().metaData.message, /^nik: tidak sesuai jenisKelamin$/);
  const lowIncome = await post({ ...registration(farmer, 'bad-0003'), penghasilan: 500_000 });
  t.match(lowIncome.json<{ metaData: { message: string } }>().metaData.message, /penghasilan/);
  const notJson = await app.inject({ method: 'POST', url: '/bpjs/bpu/v1/peserta', headers: { ...bpjsHeaders(), 'content-type': 'application/json' }, payload: '{bad' });
  t.equal(notJson.statusCode, 400);
  t.equal(notJson.json<{ metaData: { code: string } }>().metaData.code, '400', 'unreadable JSON in the BPJS envelope too');
  t.equal((await app.inject({ url: `/_sim/bpjs/participants?nik=${farmer.nik}` })).json<{ count: number }>().count, 0, 'nothing was created');
});

t.test('an error fault answers its status in each partner\'s own shape, and can be cleared', async (t) => {
  const app = await startSim(t);
  const set = await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'bpjs', mode: 'error', status: 502 } });
  t.equal(set.statusCode, 201);
  t.match(set.json(), { system: 'bpjs', mode: 'error', rate: 1, status: 502 });
  await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'simluhtan', mode: 'error' } });
  await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'hospital', mode: 'error', status: 500 } });
  await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'bank', mode: 'error', rate: 0 } });
  t.equal((await app.inject({ url: '/_sim/faults' })).json<{ items: unknown[] }>().items.length, 4, 'faults on several systems at once');

  const bpjsDown = await app.inject({ url: '/bpjs/bpu/v1/peserta/26301000001', headers: bpjsHeaders() });
  t.equal(bpjsDown.statusCode, 502);
  t.same(bpjsDown.json<{ response: null; metaData: { code: string } }>().metaData.code, '502');
  const simluhtanDown = await app.inject({ url: '/simluhtan/api/v1/penyuluh', headers: SIMLUHTAN });
  t.equal(simluhtanDown.statusCode, 503, 'status defaults to 503');
  t.equal(simluhtanDown.json<{ error: { code: string } }>().error.code, 'SERVICE_UNAVAILABLE');
  const hospitalDown = await app.inject({ url: '/hospital/status' });
  t.equal(hospitalDown.statusCode, 500);
  t.equal(hospitalDown.json<{ resourceType: string }>().resourceType, 'OperationOutcome');
  t.equal((await app.inject({ url: '/bank/status' })).statusCode, 200, 'rate 0 never hits');

  const replaced = await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'bpjs', mode: 'error', status: 429 } });
  t.equal(replaced.statusCode, 201);
  t.equal((await app.inject({ url: '/bpjs/bpu/v1/peserta/26301000001', headers: bpjsHeaders() })).statusCode, 429, 'a new fault replaces the old');

  t.equal((await app.inject({ method: 'DELETE', url: '/_sim/faults?system=bpjs' })).statusCode, 204);
  t.equal((await app.inject({ url: '/bpjs/bpu/v1/peserta/26301000001', headers: bpjsHeaders() })).statusCode, 200, 'bpjs answers again');
  t.equal((await app.inject({ url: '/simluhtan/api/v1/penyuluh', headers: SIMLUHTAN })).statusCode, 503, 'simluhtan still failing');
  t.equal((await app.inject({ method: 'DELETE', url: '/_sim/faults' })).statusCode, 204);
  t.same((await app.inject({ url: '/_sim/faults' })).json(), { items: [] });
  t.equal((await app.inject({ url: '/simluhtan/api/v1/penyuluh', headers: SIMLUHTAN })).statusCode, 200);

  const bad = await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'bpjs', mode: 'latency' } });
  t.equal(bad.statusCode, 400, 'latency needs latencyMs');
});

t.test('latency and durationMs', async (t) => {
  const app = await startSim(t, { SIM_LATENCY_MS: '20' });
  await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'plkk', mode: 'latency', latencyMs: 150 } });
  let started = performance.now();
  t.equal((await app.inject({ url: '/plkk/status' })).statusCode, 200);
  t.ok(performance.now() - started >= 165, 'fault latency and base latency both apply');
  started = performance.now();
  await app.inject({ url: '/bank/status' });
  t.ok(performance.now() - started >= 18, 'base latency applies to every partner');

  // Not to the control plane: with a base latency of 5 s, a control call started after a partner
  // call answers while the partner call is still held. An order, not a stopwatch reading.
  const slow = await startSim(t, { SIM_LATENCY_MS: '5000' });
  let partnerAnswered = false;
  const partnerCall = slow.inject({ url: '/bank/status' }).then((res) => { partnerAnswered = true; return res; });
  t.equal((await slow.inject({ url: '/_sim/faults' })).statusCode, 200);
  t.notOk(partnerAnswered, 'but not to the control plane');
  t.equal((await partnerCall).statusCode, 200);

  // Long enough that the call right after setting it meets the fault on a busy machine; then the
  // fault's own expiry is waited for, as the simulator reports it.
  const set = await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'bank', mode: 'error', durationMs: 2_000 } });
  t.type(set.json<{ expiresAt: string }>().expiresAt, 'string');
  t.equal((await app.inject({ url: '/bank/status' })).statusCode, 503);
  await sleep(Date.parse(set.json<{ expiresAt: string }>().expiresAt) - Date.now() + 100);
  t.equal((await app.inject({ url: '/bank/status' })).statusCode, 200, 'the fault cleared itself');
  t.same((await app.inject({ url: '/_sim/faults' })).json<{ items: { system: string }[] }>().items.map((f) => f.system), ['plkk']);
});

t.test('stats count each partner call by status until reset', async (t) => {
  const app = await startSim(t);
  await app.inject({ url: '/plkk/status' });
  await app.inject({ url: '/plkk/status' });
  await app.inject({ url: '/simluhtan/api/v1/penyuluh' });
  const stats = (await app.inject({ url: '/_sim/stats' })).json<Record<string, { requests: number; byStatus: Record<string, number> }>>();
  t.same(stats['plkk'], { requests: 2, byStatus: { '200': 2 } });
  t.same(stats['simluhtan'], { requests: 1, byStatus: { '401': 1 } });
  t.same(stats['bpjs'], { requests: 0, byStatus: {} }, 'bpjs was not called');
  t.equal((await app.inject({ method: 'DELETE', url: '/_sim/stats' })).statusCode, 204);
  t.same((await app.inject({ url: '/_sim/stats' })).json<Record<string, { requests: number }>>()['plkk'], { requests: 0, byStatus: {} });
});

t.test('down resets the connection; timeout holds it, then drops it', async (t) => {
  const app = await startSim(t, { SIM_TIMEOUT_HOLD_MS: '300' });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });

  await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'ekartutani', mode: 'down' } });
  await t.rejects(get(`${base}/ekartutani/api/v1/kartu?nik=7312015510820001`), { code: 'ECONNRESET' }, 'the client sees a reset');
  t.equal((await get(`${base}/plkk/status`)).status, 200, 'other partners still answer');

  await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'plkk', mode: 'timeout' } });
  const started = performance.now();
  await t.rejects(get(`${base}/plkk/status`), { code: 'ECONNRESET' }, 'no answer, then the connection drops');
  const held = performance.now() - started;
  // A lower bound only: a busy machine cuts it late, never early. That it is cut at all is the rejection above.
  t.ok(held >= 280, `held for SIM_TIMEOUT_HOLD_MS (${held.toFixed(0)} ms)`);

  const stats = (await get(`${base}/_sim/stats`)).body;
  t.match(JSON.parse(stats), { ekartutani: { requests: 1, byStatus: { dropped: 1 } }, plkk: { requests: 2, byStatus: { '200': 1, dropped: 1 } } });
});

t.test('a held request does not block shutdown', async (t) => {
  // Held for ten minutes: only closing can cut it before tap's timeout, and a close that waited for
  // it would end this file by that timeout. No clock is read: a busy machine closes slowly, not wrongly.
  const config = loadConfig({ LOG_LEVEL: 'silent', SIM_TIMEOUT_HOLD_MS: '600000' });
  const app = await buildApp(config, { logger: createLogger({ name: 'partner-sim', level: 'silent' }) });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'bpjs', mode: 'timeout' } });
  const pending = get(`${base}/bpjs/bpu/v1/peserta/26301000001`);
  pending.catch(() => undefined);
  // The request is held once the simulator has counted it as dropped (it does so as it holds it).
  const stats = async () => (await app.inject({ url: '/_sim/stats' })).json<{ bpjs: { byStatus: Record<string, number> } }>().bpjs;
  for (let i = 0; i < 400 && !(await stats()).byStatus['dropped']; i += 1) await sleep(50);
  t.equal((await stats()).byStatus['dropped'], 1, 'the request is held');
  await app.close();
  await t.rejects(pending, { code: 'ECONNRESET' }, 'the held client is cut off by closing');
});
