import t from 'tap';
import { startGateway, lalabataFarmer } from './helpers.ts';

const gw = await startGateway(t);
const agent = gw.token('demo-agent');
const nik = '7312024505880091';

// A participant as a completed registration leaves it (no partner runs in this file).
const reg = await gw.app.inject({
  method: 'POST', url: '/v1/registrations', headers: { authorization: `Bearer ${agent}`, 'idempotency-key': 'lookup-reg-0001' },
  payload: lalabataFarmer({ nik, fullName: 'Besse Lookup' }),
});
await gw.db.pool.query(
  `INSERT INTO participants (kpj, nik_index, registration_id, agent_id, village_code, declared_income, has_card, covered_until, months_paid)
   VALUES ('26300009191', $1, $2, 'demo-agent', '7312022001', 1000000, true, NULL, 0)`,
  [gw.pii.index(nik), reg.json().id],
);
const lookup = (body: unknown, token = agent) => gw.app.inject({
  method: 'POST', url: '/v1/participants/lookup', headers: { authorization: `Bearer ${token}` }, payload: body as object,
});

t.test('a participant is looked up by the NIK sent in the body, never in the URL', async (t) => {
  const res = await lookup({ nik });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { kpj: '26300009191', nikMasked: '7312********0091' });
  t.notOk(res.body.includes(nik), 'the answer shows the NIK masked');
  const old = await gw.app.inject({ url: `/v1/participants?nik=${nik}`, headers: { authorization: `Bearer ${agent}` } });
  t.equal(old.statusCode, 404, 'the NIK in a query string is not served any more');
});

t.test('an agent of another village, a bad NIK, or no token', async (t) => {
  const elsewhere = gw.token('demo-agent', { sub: 'agent-citta', villages: ['7312082001'] });
  t.equal((await lookup({ nik }, elsewhere)).statusCode, 404, 'another village\'s agent does not find it');
  t.equal((await lookup({ nik }, gw.token('demo-supervisor'))).statusCode, 200, 'a supervisor does');
  const bad = await lookup({ nik: '7312' });
  t.equal(bad.statusCode, 400);
  t.match(bad.headers['content-type'], /application\/problem\+json/);
  t.match(bad.body, /16 digits/);
  t.equal((await lookup({ nik, extra: 1 })).statusCode, 400, 'nothing but the NIK');
  t.equal((await gw.app.inject({ method: 'POST', url: '/v1/participants/lookup', payload: { nik } })).statusCode, 401);
});
