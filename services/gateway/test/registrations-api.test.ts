import t from 'tap';
import { kecamatanByName, villagesOf } from '@sutasoma/contracts';
import { startGateway, lalabataFarmer } from './helpers.ts';

const gw = await startGateway(t);
const agent = gw.token('demo-agent');
const post = (body: unknown, key: string | null = `key-${Math.random().toString(36).slice(2)}`, token = agent) =>
  gw.app.inject({
    method: 'POST',
    url: '/v1/registrations',
    headers: { authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
    payload: body as object,
  });
const count = async (table: string) => Number((await gw.db.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count);

t.test('an agent registers a farmer: 202, a Location, and the registration and its first step are committed', async (t) => {
  const res = await post(lalabataFarmer(), 'first-visit-0001');
  t.equal(res.statusCode, 202);
  const body = res.json();
  t.match(body, { id: /^[0-9a-f-]{36}$/, status: 'accepted' });
  t.equal(res.headers.location, `/v1/registrations/${body.id}`);
  const row = (await gw.db.pool.query('SELECT status, agent_id, village_code FROM operations WHERE id = $1', [body.id])).rows[0];
  t.same(row, { status: 'accepted', agent_id: 'demo-agent', village_code: '7312022001' });

  const read = await gw.app.inject({ url: `/v1/registrations/${body.id}`, headers: { authorization: `Bearer ${agent}` } });
  t.equal(read.statusCode, 200);
  t.equal(read.json().farmer.nikMasked, '7312********0007', 'the NIK is masked');
  t.same(read.json().steps.map((s: { name: string; state: string }) => [s.name, s.state]), [
    ['simluhtan.verify_membership', 'pending'],
    ['ekartutani.lookup_card', 'pending'],
    ['bpjs.register_participant', 'pending'],
  ]);
});

t.test('the same key with the same body returns the same registration; with another body, 422', async (t) => {
  const farmer = lalabataFarmer({ nik: '7312020101900003', birthDate: '1990-01-01', sex: 'M', fullName: 'Baso Sudirman' });
  const a = await post(farmer, 'retry-key-0001');
  const b = await post(farmer, 'retry-key-0001');
  t.equal(a.statusCode, 202);
  t.equal(b.statusCode, 202);
  t.equal(b.json().id, a.json().id);
  t.equal(b.headers['idempotent-replayed'], 'true');
  const c = await post({ ...farmer, phone: '081999999999' }, 'retry-key-0001');
  t.equal(c.statusCode, 422);
  t.equal(c.json().code, 'idempotency_key_reused');
  t.equal(Number((await gw.db.pool.query('SELECT count(*) FROM operations WHERE nik_index = $1', [gw.pii.index('7312020101900003')])).rows[0].count), 1);
});

t.test('concurrent requests with one key: one registration, the others 202 with the same id or 409 while in flight', async (t) => {
  const farmer = lalabataFarmer({ nik: '7312020202910004', birthDate: '1991-02-02', sex: 'M' });
  const answers = await Promise.all(Array.from({ length: 8 }, () => post(farmer, 'parallel-key-0001')));
  const accepted = answers.filter((r) => r.statusCode === 202);
  t.ok(accepted.length >= 1);
  t.equal(new Set(accepted.map((r) => r.json().id)).size, 1, 'every 202 names the same registration');
  for (const r of answers.filter((r) => r.statusCode !== 202)) {
    t.equal(r.statusCode, 409);
    t.equal(r.json().code, 'idempotency_in_progress');
  }
  t.equal(Number((await gw.db.pool.query('SELECT count(*) FROM operations WHERE nik_index = $1', [gw.pii.index('7312020202910004')])).rows[0].count), 1);
});

t.test('a second registration of the same farmer under another key is refused with the first one named', async (t) => {
  const farmer = lalabataFarmer({ nik: '7312020303920005', birthDate: '1992-03-03', sex: 'M' });
  const first = await post(farmer, 'farmer-once-0001');
  const second = await post(farmer, 'farmer-once-0002');
  t.equal(second.statusCode, 409);
  t.equal(second.json().code, 'registration_exists');
  t.match(second.json().detail, first.json().id);
});

t.test('an agent of another village learns that the farmer is registered, not which registration it is', async (t) => {
  const farmer = lalabataFarmer({ nik: '7312020505940007', birthDate: '1994-05-05', sex: 'M' });
  const first = await post(farmer, 'farmer-elsewhere-0001');
  t.equal(first.statusCode, 202);
  const citta = villagesOf(kecamatanByName('Citta')!.code)[0]!.code;
  const elsewhere = gw.token('demo-agent', { sub: 'agent-citta', villages: [citta] });
  const second = await post({ ...farmer, villageCode: citta }, 'farmer-elsewhere-0002', elsewhere);
  t.equal(second.statusCode, 409);
  t.equal(second.json().code, 'registration_exists');
  t.notMatch(second.json().detail, first.json().id, 'the other village\'s registration is not named');
  t.match(second.json().detail, /another village/);
  const supervisor = await post({ ...farmer, villageCode: citta }, 'farmer-elsewhere-0003', gw.token('demo-supervisor'));
  t.equal(supervisor.statusCode, 409);
  t.match(supervisor.json().detail, first.json().id, 'a supervisor is told which');
});

t.test('bad input answers 400 problem+json naming every bad field, and writes nothing', async (t) => {
  const before = await count('operations');
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['NIK too short', { nik: '73120245058800' }, ['nik']],
    ['NIK with letters', { nik: '73120245058800AB' }, ['nik']],
    ['NIK birth digits disagree', { birthDate: '1988-05-06' }, ['nik']],
    ['NIK sex digits disagree', { sex: 'M' }, ['nik']],
    ['impossible birth date', { birthDate: '1988-02-30' }, ['birthDate']],
    ['too young', { nik: '7312020101150001', birthDate: '2015-01-01', sex: 'M' }, ['birthDate']],
    ['too old', { nik: '7312020101400001', birthDate: '1940-01-01', sex: 'M' }, ['birthDate']],
    ['unknown village', { villageCode: '7312999999' }, ['villageCode']],
    ['income not a bracket', { declaredMonthlyIncome: 1234567 }, ['declaredMonthlyIncome']],
    ['several at once', { fullName: '', sex: 'X', phone: '12' }, ['fullName', 'sex', 'phone']],
    ['unknown field', { favouriteColour: 'green' }, ['favouriteColour']],
  ];
  for (const [name, change, fields] of cases) {
    const body = { ...lalabataFarmer(), ...change };
    const res = await post(body);
    t.equal(res.statusCode, 400, name);
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${name}: problem+json`);
    const problem = res.json();
    t.equal(problem.code, 'validation_failed', name);
    t.same([...new Set(problem.errors.map((e: { field: string }) => e.field))].sort(), [...fields].sort(), `${name}: names ${fields.join(', ')}`);
  }
  const missing = await post({ nik: '7312024505880007' });
  t.same(missing.json().errors.map((e: { field: string }) => e.field).sort(), ['birthDate', 'fullName', 'sex', 'villageCode']);
  t.equal(await count('operations'), before, 'nothing was written');
});

t.test('a missing or malformed Idempotency-Key is a 400 naming the header', async (t) => {
  for (const key of [null, 'short', 'has spaces in it']) {
    const res = await post(lalabataFarmer(), key);
    t.equal(res.statusCode, 400);
    t.equal(res.json().errors[0].field, 'idempotency-key');
  }
});

t.test('a NUL character anywhere in the request is refused with 400 naming the field, not taken and failed later', async (t) => {
  const before = await count('operations');
  const res = await post(lalabataFarmer({ nik: '7312024505880099', fullName: 'Besse\u0000Hasnah' }));
  t.equal(res.statusCode, 400, 'not a 503 the agent app would retry for ever');
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.same(res.json().errors, [{ field: 'fullName', code: 'nul_character', message: 'must not contain the NUL character (U+0000)' }]);
  t.equal(await count('operations'), before, 'nothing taken');
  const query = await gw.app.inject({ url: '/ops/jobs?code=%00', headers: { authorization: `Bearer ${gw.token('demo-ops')}` } });
  t.equal(query.statusCode, 400, 'in a query string too');
  t.equal(query.json().errors[0].field, 'code');
});

t.test('a body over the size limit is refused with 413', async (t) => {
  const res = await post({ ...lalabataFarmer(), address: 'x'.repeat(20_000) });
  t.equal(res.statusCode, 413);
  t.equal(res.json().code, 'payload_too_large');
});

t.test('authentication and scope', async (t) => {
  const anonymous = await gw.app.inject({ method: 'POST', url: '/v1/registrations', payload: lalabataFarmer() });
  t.equal(anonymous.statusCode, 401);
  t.equal(anonymous.headers['www-authenticate'], 'Bearer');

  const forged = await post(lalabataFarmer(), 'auth-test-key-01', `${agent.slice(0, -4)}AAAA`);
  t.equal(forged.statusCode, 401);

  const outside = await post(lalabataFarmer({ villageCode: '7312012001', nik: '7312014505880007' }));
  t.equal(outside.statusCode, 403, 'a village of Marioriwawo is not the Lalabata agent\'s');
  t.equal(outside.json().code, 'village_not_assigned');

  const ops = await post(lalabataFarmer(), 'auth-test-key-01', gw.token('demo-ops'));
  t.equal(ops.statusCode, 403, 'operations engineers do not register farmers');

  const created = await post(lalabataFarmer({ nik: '7312020404930006', birthDate: '1993-04-04', sex: 'M' }));
  const otherAgent = gw.app.jwt.sign({ sub: 'agent-citta', role: 'agent', villages: ['7312082001'] });
  const read = await gw.app.inject({ url: `/v1/registrations/${created.json().id}`, headers: { authorization: `Bearer ${otherAgent}` } });
  t.equal(read.statusCode, 404, 'an agent of another district cannot read it');
  const supervisor = await gw.app.inject({ url: `/v1/registrations/${created.json().id}`, headers: { authorization: `Bearer ${gw.token('demo-supervisor')}` } });
  t.equal(supervisor.statusCode, 200);
});

t.test('the public port shows health only; metrics, readiness and docs are on the internal port; no demo token route outside demo mode', async (t) => {
  t.equal((await gw.app.inject({ url: '/health' })).statusCode, 200);
  for (const url of ['/ready', '/metrics', '/openapi.json', '/docs']) {
    const res = await gw.app.inject({ url });
    t.equal(res.statusCode, 404, `public ${url}: not there`);
    t.match(res.headers['content-type'], /application\/problem\+json/);
  }
  const ready = await gw.app.internal.inject({ url: '/ready' });
  t.same(ready.json().checks, { postgres: 'ok', redis: 'ok' }, 'internal /ready: each dependency');
  t.match((await gw.app.internal.inject({ url: '/metrics' })).body, /http_request_duration_seconds/);
  t.equal((await gw.app.internal.inject({ url: '/openapi.json' })).json().openapi, '3.1.0');
  const docs = await gw.app.internal.inject({ url: '/docs/' });
  t.equal(docs.statusCode, 200);
  t.match(docs.body, /swagger-ui/i, 'Swagger UI');
  const docJson = await gw.app.internal.inject({ url: '/docs/json' });
  t.ok(docJson.json().paths['/v1/registrations'], 'Swagger UI reads the public app\'s document');
  const token = await gw.app.inject({ method: 'POST', url: '/v1/auth/token', payload: { username: 'demo-agent', password: 'sutasoma-demo' } });
  t.equal(token.statusCode, 404);
});
