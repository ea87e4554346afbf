import t from 'tap';
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { createPool, hashBody, migrate } from '@sutasoma/ledger';
import { Pii, PiiIndexKey, PiiKeys } from '@sutasoma/pii';
import { PII_TEST_ENV, randomSuffix, testDatabaseUrl, testPii, waitFor } from '@sutasoma/testing';
import { sealLedger } from '../src/personal-data.ts';
import { lalabataFarmer, startGateway } from './helpers.ts';

// A ledger an earlier version wrote, NIKs, names and phones in clear, is sealed by the pass the
// gateway runs at start (sealLedger), and works as before: the farmer is found by NIK, a second
// registration refused, the old Idempotency-Key replayed, the queued job sealed when published.
// Then a key rotation: every row sealed again under the new first key.
const schema = `t_${randomSuffix()}`;
const pool = createPool({ connectionString: testDatabaseUrl(), schema, max: 2 });
t.teardown(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
  await pool.end();
});
await migrate(pool, schema, { upTo: '010_events_without_foreign_key.sql' });

const registered = lalabataFarmer({ nik: '7312024505880071', fullName: 'Besse Lama', phone: '081200000071' });
const open = lalabataFarmer({ nik: '7312024505880072', fullName: 'Besse Antri', phone: '081200000072' });
const ids = { registered: randomUUID(), open: randomUUID() };
const KPJ = '26300000071';

/** A registration as the version before wrote it: the NIK and the body in clear, the plain hash of the body. */
const before = (id: string, body: Record<string, unknown>, key: string) => ({
  principal: 'demo-agent', scope: 'POST /v1/registrations', key, requestHash: hashBody(body),
  id, kind: 'registration', agentId: 'demo-agent', villageCode: body['villageCode'], nik: body['nik'], correlationId: `req-${id}`, request: body,
  steps: ['simluhtan.verify_membership', 'ekartutani.lookup_card', 'bpjs.register_participant'].map((step, seq) => ({
    step, system: step.split('.')[0], seq, idempotency_key: `${id}:${step}`, state: 'pending', result: null,
  })),
  outbox: [{
    queue: 'simluhtan', name: 'simluhtan.verify_membership', job_id: `${id}.simluhtan.verify_membership`,
    payload: { operationId: id, correlationId: `req-${id}`, step: 'simluhtan.verify_membership', idempotencyKey: `${id}:simluhtan.verify_membership`, input: { nik: body['nik'] }, replay: 0, recovery: 0 },
  }],
  event: { kind: 'accepted', detail: { agent: 'demo-agent' } }, status: 'accepted', result: {},
});
await pool.query('SELECT * FROM accept_operations($1::jsonb)', [JSON.stringify([before(ids.registered, registered, 'old-key-0071'), before(ids.open, open, 'old-key-0072')])]);
// The first one went all the way: registered, its job done, the participant written with its NIK.
await pool.query("UPDATE operations SET status = 'registered', result = $2 WHERE id = $1", [ids.registered, { kpj: KPJ }]);
await pool.query('DELETE FROM outbox WHERE job_id LIKE $1', [`${ids.registered}.%`]);
await pool.query(
  `INSERT INTO participants (kpj, nik, registration_id, agent_id, village_code, declared_income, has_card)
   VALUES ($1, $2, $3, 'demo-agent', $4, 1000000, true)`,
  [KPJ, registered.nik, ids.registered, registered.villageCode],
);

const clearIn = async () => {
  const found: string[] = [];
  for (const table of ['operations', 'participants', 'outbox', 'idempotency_keys']) {
    const { rows } = await pool.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`);
    for (const farmer of [registered, open]) {
      for (const value of [farmer.nik, farmer.fullName, farmer.phone, farmer.birthDate]) {
        if (rows.some((r) => r.row.includes(value))) found.push(`${table}: ${value}`);
      }
    }
  }
  return found;
};

t.test('the pass seals every row written in clear, in batches; run again, it finds nothing to do', async (t) => {
  await migrate(pool, schema);
  t.ok((await clearIn()).length > 0, 'the ledger of the version before holds them in clear');
  const counts = await sealLedger(pool, testPii, { schema, batchSize: 1 });
  t.same(counts, { operations: 2, participants: 1, outbox: 1, idempotencyKeys: 2 }, 'two operations, the participant, the queued job, both keys');
  t.same(await clearIn(), [], 'no NIK, name, phone or birth date in clear any more');
  t.same(await sealLedger(pool, testPii, { schema }), { operations: 0, participants: 0, outbox: 0, idempotencyKeys: 0 }, 'a second pass (a restart) does nothing');
});

t.test('the gateway on the sealed ledger answers as before', async (t) => {
  const gw = await startGateway(t, { DB_SCHEMA: schema });
  const agent = gw.token('demo-agent');
  const post = (url: string, payload: object, key?: string) => gw.app.inject({
    method: 'POST', url, payload, headers: { authorization: `Bearer ${agent}`, ...(key ? { 'idempotency-key': key } : {}) },
  });

  const found = await post('/v1/participants/lookup', { nik: registered.nik });
  t.equal(found.statusCode, 200, 'the farmer is found by NIK (its blind index)');
  t.match(found.json(), { kpj: KPJ, nikMasked: '7312********0071' });
  const reg = await gw.app.inject({ url: `/v1/registrations/${ids.registered}`, headers: { authorization: `Bearer ${agent}` } });
  t.match(reg.json(), { status: 'registered', kpj: KPJ, farmer: { nikMasked: '7312********0071' } });

  const replay = await post('/v1/registrations', open, 'old-key-0072');
  t.equal(replay.statusCode, 202, 'the Idempotency-Key used before the upgrade still replays');
  t.equal(replay.json().id, ids.open);
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal((await post('/v1/registrations', { ...open, phone: '081299999999' }, 'old-key-0072')).statusCode, 422, 'and another body under it is still refused');
  const again = await post('/v1/registrations', registered, `k-${randomUUID()}`);
  t.equal(again.statusCode, 409, 'one registration per NIK holds across the upgrade');
  t.equal(again.json().code, 'registration_exists');

  // The outbox row the version before left is published sealed, and the adapter's input opens.
  const queue = new Queue('simluhtan', { connection: gw.queues.redis, prefix: gw.queues.prefix });
  t.teardown(() => queue.close());
  const job = await waitFor(() => queue.getJob(`${ids.open}.simluhtan.verify_membership`), (j) => j !== undefined, { what: 'the queued job published' });
  t.notOk(JSON.stringify(job!.data).includes(open.nik), 'no NIK in clear in Redis');
  t.same(testPii.reveal(job!.data.input), { nik: open.nik });
});

t.test('a key rotation: the pass seals every row again under the new first key; the old key can then go', async (t) => {
  const [old] = PiiKeys.parse(PII_TEST_ENV.PII_KEYS);
  const indexKey = PiiIndexKey.parse(PII_TEST_ENV.PII_INDEX_KEY);
  const fresh = { id: 'k2', key: randomBytes(32) };
  const rotating = new Pii([fresh, old!], indexKey);
  const counts = await sealLedger(pool, rotating, { schema });
  t.equal(counts.operations, 2, 'both operations sealed again');
  const { rows } = await pool.query<{ request: { pii: string } }>('SELECT request FROM operations ORDER BY id');
  t.same(rows.map((r) => rotating.keyIdOf(r.request.pii)), ['k2', 'k2']);
  const without = new Pii([fresh], indexKey);
  t.same(rows.map((r) => without.reveal<{ nik: string }>(r.request).nik).sort(), [registered.nik, open.nik], 'readable without the old key');
  t.equal((await sealLedger(pool, rotating, { schema })).operations, 0, 'nothing left under the old key');
});
