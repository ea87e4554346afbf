import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Acceptor, acceptOperation, hashBody, type IdempotencyScope, type NewOperation } from '@sutasoma/ledger';
import { ledgerSchema } from './helpers.ts';

const db = await ledgerSchema(t);

const farmer = { nik: '7312024505880007', fullName: 'Besse Hasnah', birthDate: '1988-05-05', sex: 'F', villageCode: '7312022001' };
const scope = (key: string, principal = 'demo-agent'): IdempotencyScope => ({ principal, scope: 'POST /v1/registrations', key });

function operation(body: typeof farmer, id: string = randomUUID()): NewOperation {
  return {
    id, kind: 'registration', agentId: 'demo-agent', villageCode: body.villageCode, nikIndex: body.nik, correlationId: `req-${id}`, request: body,
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
  t.equal(await count('SELECT count(*) AS n FROM operations WHERE nik_index = $1', [farmer.nik]), 1, 'nothing more was written');
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
  t.equal(await count('SELECT count(*) AS n FROM operations WHERE nik_index = $1', [body.nik]), 1);
});

t.test('the body hash ignores key order but not values', async (t) => {
  const reordered = { villageCode: '7312022001', sex: 'F', birthDate: '1988-05-05', fullName: 'Besse Hasnah', nik: '7312024505880007' };
  t.equal(hashBody(reordered), hashBody(farmer));
  t.equal(hashBody({ a: { y: 1, x: [{ q: 1, p: 2 }] } }), hashBody({ a: { x: [{ p: 2, q: 1 }], y: 1 } }), 'at every depth');
  t.not(hashBody({ tags: ['a', 'b'] }), hashBody({ tags: ['b', 'a'] }), 'array order matters');
  t.not(hashBody({ n: 1 }), hashBody({ n: '1' }), 'a number is not its string');
});

/** A NIK per index, distinct and well formed (digits only, 16 of them). */
const nikOf = (i: number) => `7312${String(i).padStart(12, '0')}`;

t.test('group commit: commands that arrive together are committed together, each with its own answer', async (t) => {
  const group = new Acceptor(db.pool, { maxInFlight: 1 });
  const bodies = Array.from({ length: 60 }, (_, i) => ({ ...farmer, nik: nikOf(100 + i) }));
  const outcomes = await Promise.all(bodies.map((b, i) => group.accept(scope(`group-${i}`), hashBody(b), operation(b))));
  t.ok(outcomes.every((o) => o.kind === 'new'), 'every command accepted');
  t.equal(new Set(outcomes.map((o) => (o as { id: string }).id)).size, 60, 'each its own operation');
  t.equal(await count('SELECT count(*) AS n FROM operations WHERE nik_index = ANY($1)', [bodies.map((b) => b.nik)]), 60, 'all committed');
  t.equal(group.stats.items, 60);
  t.equal(group.stats.batches, 2, 'in two transactions: the first command at once, the 59 that waited for it together');
});

t.test('group commit: inside one batch, a repeated key replays or mismatches and a second open registration conflicts, as they would apart', async (t) => {
  const group = new Acceptor(db.pool, { maxInFlight: 1 });
  const a = { ...farmer, nik: nikOf(300) };
  const b = { ...farmer, nik: nikOf(301) };
  // The first command takes the only slot; the next four wait and go together in one batch.
  const [, first, replay, mismatch, conflict] = await Promise.all([
    group.accept(scope('batch-0'), hashBody({ ...farmer, nik: nikOf(302) }), operation({ ...farmer, nik: nikOf(302) })),
    group.accept(scope('batch-1'), hashBody(a), operation(a)),
    group.accept(scope('batch-1'), hashBody(a), operation(a)),
    group.accept(scope('batch-1'), hashBody(b), operation(b)),
    group.accept(scope('batch-2'), hashBody(a), operation(a)),
  ]);
  t.equal(group.stats.batches, 2, 'two transactions: the first command, then the four that waited');
  t.equal(first!.kind, 'new');
  const id = (first as { id: string }).id;
  t.same(replay, { ...first, kind: 'replay' }, 'the same key and body again: the same operation');
  t.same(mismatch, { kind: 'mismatch', id }, 'the same key with another body');
  t.same(conflict, { kind: 'conflict', id }, 'another key for the same farmer: the open registration');
  t.equal(await count('SELECT count(*) AS n FROM operations WHERE nik_index = ANY($1)', [[a.nik, b.nik]]), 1, 'one operation written');
});

t.test('group commit: a command the ledger cannot take fails alone; the others of its batch are accepted', async (t) => {
  const group = new Acceptor(db.pool, { maxInFlight: 1 });
  const good = [0, 1, 2].map((i) => ({ ...farmer, nik: nikOf(400 + i) }));
  const bad = { ...farmer, nik: nikOf(410) };
  const results = await Promise.allSettled([
    group.accept(scope('alone-0'), hashBody(good[0]), operation(good[0]!)),
    group.accept(scope('alone-1'), hashBody(good[1]), operation(good[1]!)),
    // Not a uuid: the statement fails, and with it the batch it came in.
    group.accept(scope('alone-bad'), hashBody(bad), operation(bad, 'not-a-uuid')),
    group.accept(scope('alone-2'), hashBody(good[2]), operation(good[2]!)),
  ]);
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  t.equal(group.stats.batches, 3, 'the first alone; the three that waited split until the bad one stood alone: [good] then [good]');
  t.ok(results.filter((r) => r.status === 'fulfilled').every((r) => (r as PromiseFulfilledResult<{ kind: string }>).value.kind === 'new'), 'each good one new',
    { outcomes: results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))) });
  t.equal(await count('SELECT count(*) AS n FROM operations WHERE nik_index = ANY($1)', [good.map((g) => g.nik)]), 3, 'the three good ones committed');
  t.equal(await count('SELECT count(*) AS n FROM operations WHERE nik_index = $1', [bad.nik]), 0, 'the bad one not');
});
