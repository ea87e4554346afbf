import t from 'tap';
import { randomUUID } from 'node:crypto';
import { acceptOperation, hashBody, type IdempotencyScope, type NewOperation } from '@sutasoma/ledger';
import { ledgerSchema } from './helpers.ts';

const db = await ledgerSchema(t);

const farmer = { nik: '7312024505880007', fullName: 'Besse Hasnah', birthDate: '1988-05-05', sex: 'F', villageCode: '7312022001' };
const scope = (key: string, principal = 'demo-agent'): IdempotencyScope => ({ principal, scope: 'POST /v1/registrations', key });

function operation(body: typeof farmer, id: string = randomUUID()): NewOperation {
  return {
    id, kind: 'registration', agentId: 'demo-agent', villageCode: body.villageCode, nik: body.nik, correlationId: `req-${id}`, request: body,
    steps: [{ step: 'simluhtan.verify_membership', system: 'simluhtan', seq: 0, idempotencyKey: `${id}:simluhtan.verify_membership` }],
    outbox: [{ queue: 'simluhtan', name: 'simluhtan.verify_membership', jobId: `${id}.simluhtan.verify_membership`, payload: { operationId: id } }],
    event: { kind: 'accepted', detail: { agent: 'demo-agent' } },
  };
}
const accept = (s: IdempotencyScope, body: typeof farmer, id?: string) => acceptOperation(db.pool, s, hashBody(body), operation(body, id));
const count = async (sql: string, args: unknown[] = []) => Number((await db.pool.query(sql, args)).rows[0].n);

t.test('a new key accepts the operation with its steps, outbox row, event and key, in one statement', async (t) => {
  const id = randomUUID();
  const res = await accept(scope('visit-0001'), farmer, id);
  t.match(res, { kind: 'new', id, status: 'accepted' });
  t.equal(await count('SELECT count(*) AS n FROM operation_steps WHERE operation_id = $1', [id]), 1);
  t.equal(await count('SELECT count(*) AS n FROM outbox WHERE job_id = $1', [`${id}.simluhtan.verify_membership`]), 1);
  t.equal(await count("SELECT count(*) AS n FROM operation_events WHERE operation_id = $1 AND kind = 'accepted'", [id]), 1);

  t.match(await accept(scope('visit-0001'), { ...farmer }), { kind: 'replay', id }, 'the same body again replays the first');
  t.match(await accept(scope('visit-0001'), { ...farmer, fullName: 'Besse H.' }), { kind: 'mismatch', id }, 'another body is a mismatch');
  t.equal(await count('SELECT count(*) AS n FROM operations WHERE nik = $1', [farmer.nik]), 1, 'nothing more was written');
});

t.test('keys belong to one principal and one endpoint', async (t) => {
  const other = { ...farmer, nik: '7312020101900003' };
  await accept(scope('visit-0003', 'agent-lalabata'), other);
  const res = await accept(scope('visit-0003', 'agent-citta'), { ...other, nik: '7312020101900011' });
  t.equal(res.kind, 'new');
});

t.test('a second open operation of the same kind for the same farmer is a conflict naming the first', async (t) => {
  const other = { ...farmer, nik: '7312020202910004' };
  const first = await accept(scope('visit-0004'), other);
  const second = await accept(scope('visit-0005'), other);
  t.same(second, { kind: 'conflict', id: (first as { id: string }).id });
  t.equal(await count('SELECT count(*) AS n FROM idempotency_keys WHERE key = $1', ['visit-0005']), 0, 'the refused key is not kept');
});

t.test('while another transaction holds the key, the request is told it is in progress at once', async (t) => {
  const holder = await db.pool.connect();
  t.teardown(() => holder.release());
  const s = scope('visit-0006');
  await holder.query('BEGIN');
  await holder.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [`${s.principal}|${s.scope}`, s.key]);
  t.same(await accept(s, { ...farmer, nik: '7312020303920005' }), { kind: 'in_progress' });
  await holder.query('COMMIT');
  t.equal((await accept(s, { ...farmer, nik: '7312020303920005' })).kind, 'new', 'once released, the retry goes through');
});

t.test('eight simultaneous requests with one key create one operation', async (t) => {
  const body = { ...farmer, nik: '7312020404930006' };
  const outcomes = await Promise.all(Array.from({ length: 8 }, () => accept(scope('visit-0007'), body)));
  t.equal(outcomes.filter((o) => o.kind === 'new').length, 1, JSON.stringify(outcomes.map((o) => o.kind)));
  t.ok(outcomes.every((o) => ['new', 'in_progress', 'replay'].includes(o.kind)));
  t.equal(await count('SELECT count(*) AS n FROM operations WHERE nik = $1', [body.nik]), 1);
});

t.test('the body hash ignores key order but not values', async (t) => {
  const reordered = { villageCode: '7312022001', sex: 'F', birthDate: '1988-05-05', fullName: 'Besse Hasnah', nik: '7312024505880007' };
  t.equal(hashBody(reordered), hashBody(farmer));
  t.equal(hashBody({ a: { y: 1, x: [{ q: 1, p: 2 }] } }), hashBody({ a: { x: [{ p: 2, q: 1 }], y: 1 } }), 'at every depth');
  t.not(hashBody({ tags: ['a', 'b'] }), hashBody({ tags: ['b', 'a'] }), 'array order matters');
  t.not(hashBody({ n: 1 }), hashBody({ n: '1' }), 'a number is not its string');
});
