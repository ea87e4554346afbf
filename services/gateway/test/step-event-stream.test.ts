import t, { type Test } from 'tap';
import { Redis } from 'ioredis';
import { STEP_EVENTS_GROUP, StepEvent, stepEventsStreamKey, type StepName } from '@sutasoma/contracts';
import { Registry, createLogger } from '@sutasoma/service-kit';
import { createTestPrefix, testRedisUrl, waitFor } from '@sutasoma/testing';
import { StepEventStream } from '../src/jobs/step-events.ts';
import { registerFarmer, startGateway, stepEvent } from './helpers.ts';

// The gateway alone, reading the step-events stream as adapters fill it; entries left pending are
// taken up again after a second here (EVENTS_RECLAIM_MS), and set aside at the third delivery.
const gw = await startGateway(t, { EVENTS_RECLAIM_MS: '1000', EVENTS_MAX_DELIVERIES: '3' });
const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
t.teardown(() => redis.quit());
const key = stepEventsStreamKey(gw.queues.prefix);

const register = (suffix: string) => registerFarmer(gw, suffix);
const succeeded = (operationId: string, step: StepName, result?: Record<string, unknown>) => JSON.stringify(stepEvent(operationId, step, 'succeeded', result));
const membership = (operationId: string) => succeeded(operationId, 'simluhtan.verify_membership');
const deadLetters = async () => (await redis.xrange(`${key}:dead`, '-', '+')).map(([, f]) => Object.fromEntries(
  f.flatMap((v, i) => (i % 2 === 0 ? [[v, f[i + 1]!]] : [])),
) as Record<string, string>);

const stateOf = async (id: string, step: StepName) =>
  (await gw.db.pool.query<{ state: string }>('SELECT state FROM operation_steps WHERE operation_id = $1 AND step = $2', [id, step])).rows[0]?.state;

const settledStream = () => waitFor(async () => ({ length: await redis.xlen(key), pending: Number((await redis.xpending(key, STEP_EVENTS_GROUP) as [number])[0]) }),
  (s) => s.length === 0 && s.pending === 0, { what: 'the stream emptied, nothing pending' });

t.test('an adapter\'s result appended to the stream is applied, then acknowledged and deleted', async (t) => {
  const id = await register('0501');
  await redis.xadd(key, '*', 'event', membership(id));
  await waitFor(() => stateOf(id, 'simluhtan.verify_membership'), (s) => s === 'succeeded', { what: 'membership applied' });
  t.same(await settledStream(), { length: 0, pending: 0 });
});

t.test('an entry read by a gateway that then died is taken up by a live one', async (t) => {
  const id = await register('0502');
  // The entry is appended and read by another consumer in one transaction, before the live gateway
  // (blocked on its read) can be served; that consumer never acknowledges: it died.
  const results = await redis.multi().xadd(key, '*', 'event', membership(id))
    .xreadgroup('GROUP', STEP_EVENTS_GROUP, 'a-gateway-that-died', 'COUNT', 1, 'STREAMS', key, '>').exec();
  const read = results?.[1]?.[1] as [string, unknown[]][] | null | undefined;
  t.equal(read?.[0]?.[1].length, 1, 'the dead gateway had read it');
  t.equal(await stateOf(id, 'simluhtan.verify_membership'), 'pending', 'not applied by anyone yet');
  await waitFor(() => stateOf(id, 'simluhtan.verify_membership'), (s) => s === 'succeeded', { what: 'membership applied by the live gateway' });
  t.same(await settledStream(), { length: 0, pending: 0 });
});

t.test('an unreadable entry is dropped instead of blocking the others', async (t) => {
  const id = await register('0503');
  await redis.xadd(key, '*', 'event', '{"operationId": 42');
  await redis.xadd(key, '*', 'event', membership(id));
  await waitFor(() => stateOf(id, 'simluhtan.verify_membership'), (s) => s === 'succeeded', { what: 'the good entry applied' });
  t.same(await settledStream(), { length: 0, pending: 0 }, 'both acknowledged and deleted');
  const dead = await deadLetters();
  t.same(dead.map((d) => [d['event'], d['reason']]), [['{"operationId": 42', 'unreadable']], 'the unreadable one set aside, as it came');
});

t.test('an event the ledger refuses for what it holds is taken up again, then set aside; the others are applied', async (t) => {
  const [a, b] = [await register('0505'), await register('0506')];
  const steps: StepName[] = ['simluhtan.verify_membership', 'ekartutani.lookup_card'];
  for (const id of [a, b]) for (const step of steps) await redis.xadd(key, '*', 'event', succeeded(id, step));
  await redis.xadd(key, '*', 'event', succeeded(a, 'bpjs.register_participant', { kpj: '19000000505' }));
  await waitFor(() => stateOf(a, 'bpjs.register_participant'), (s) => s === 'succeeded', { what: 'the first farmer registered' });
  // BPJS answers the second farmer with the first one's KPJ: the ledger refuses a second participant under it.
  await redis.xadd(key, '*', 'event', succeeded(b, 'bpjs.register_participant', { kpj: '19000000505' }));
  const dead = await waitFor(deadLetters, (d) => d.length === 2, { what: 'the refused event set aside', timeoutMs: 20_000 });
  const refused = dead[1]!;
  t.equal((JSON.parse(refused['event']!) as StepEvent).operationId, b, 'the second farmer\'s BPJS answer');
  t.match(refused['reason'], /duplicate key/, 'with the ledger\'s reason');
  t.equal(await stateOf(b, 'ekartutani.lookup_card'), 'succeeded', 'its earlier steps applied');
  t.equal(await stateOf(b, 'bpjs.register_participant'), 'pending', 'the refused one changed nothing');
  t.same(await settledStream(), { length: 0, pending: 0 });
});

t.test('Redis loses the stream and its group (a restart without data): the next results are still read', async (t) => {
  const id = await register('0504');
  await redis.del(key);
  await redis.xadd(key, '*', 'event', membership(id));
  await waitFor(() => stateOf(id, 'simluhtan.verify_membership'), (s) => s === 'succeeded', { what: 'applied after the group was made again' });
  t.same(await settledStream(), { length: 0, pending: 0 });
});

/**
 * A reader of its own, on a stream of its own, around a stand-in ledger (`apply`, `ledgerReachable`):
 * appends an event for each operation id and answers what the stand-in applied, and the stream's key.
 */
async function ownReader(t: Test, opts: { apply: (operationId: string) => void; ledgerReachable: () => boolean; count: number; reclaimAfterMs: number; maxDeliveries: number }) {
  const own = createTestPrefix();
  t.teardown(() => own.cleanup());
  const applied: string[] = [];
  const stream = new StepEventStream({
    apply: async (e) => {
      opts.apply(e.operationId);
      applied.push(e.operationId);
      return { effect: 'applied' };
    },
    redisUrl: testRedisUrl(), connection: own.redis, prefix: own.prefix, count: opts.count, reclaimAfterMs: opts.reclaimAfterMs, maxDeliveries: opts.maxDeliveries,
    ledgerReachable: async () => opts.ledgerReachable(),
    logger: createLogger({ name: 'test', level: 'silent' }), metrics: new Registry(),
  });
  stream.start();
  t.teardown(() => stream.close());
  const ownKey = stepEventsStreamKey(own.prefix);
  const append = async (ids: string[]) => { for (const id of ids) await own.redis.xadd(ownKey, '*', 'event', membership(id)); };
  const settled = () => waitFor(async () => ({ length: await own.redis.xlen(ownKey), pending: Number((await own.redis.xpending(ownKey, STEP_EVENTS_GROUP) as [number])[0]) }),
    (s) => s.length === 0 && s.pending === 0, { what: 'the stream emptied' });
  const dead = () => own.redis.xrange(`${ownKey}:dead`, '-', '+');
  return { applied, append, settled, dead };
}
const ids = (...ns: string[]) => ns.map((n) => `00000000-0000-4000-8000-00000000${n}`);

t.test('the ledger away: the events read meanwhile are applied as soon as it is back, not left for the reclaim pass', async (t) => {
  // The reclaim pass far off (10 min): only the reader itself can take up what it read while the ledger
  // was away. The ledger here is away for the first 1.5 s (applying fails as node-pg does when its
  // connection drops, with no SQLSTATE, and it does not answer), then back.
  let up = false;
  const back = setTimeout(() => { up = true; }, 1_500);
  t.teardown(() => clearTimeout(back));
  const r = await ownReader(t, {
    apply: () => { if (!up) throw new Error('Connection terminated unexpectedly'); },
    ledgerReachable: () => up, count: 2, reclaimAfterMs: 600_000, maxDeliveries: 25,
  });
  const five = ids('0601', '0602', '0603', '0604', '0605');
  await r.append(five);
  await waitFor(async () => r.applied.length, (n) => n >= five.length, { what: 'every event applied', timeoutMs: 15_000 });
  t.same([...new Set(r.applied)].sort(), five, 'each of the five applied (a page read twice applies twice: a duplicate changes nothing)');
  t.same(await r.settled(), { length: 0, pending: 0 }, 'acknowledged and deleted');
});

t.test('a connection lost under a batch, the ledger answering again at once: the events are tried again at once', async (t) => {
  // Each event's first application fails as on a dropped connection (however the reader batches them);
  // the ledger answers when asked (the pool has a new connection). The reclaim pass is far off: only
  // the immediate second try applies them.
  const triedOnce = new Set<string>();
  const r = await ownReader(t, {
    apply: (id) => {
      if (triedOnce.has(id)) return;
      triedOnce.add(id);
      throw new Error('Connection terminated unexpectedly');
    },
    ledgerReachable: () => true, count: 2, reclaimAfterMs: 600_000, maxDeliveries: 25,
  });
  const three = ids('0611', '0612', '0613');
  await r.append(three);
  await waitFor(async () => r.applied.length, (n) => n >= three.length, { what: 'every event applied', timeoutMs: 15_000 });
  t.same([...new Set(r.applied)].sort(), three, 'all three applied');
});

t.test('an event that fails for what it is, the ledger answering, does not hold the reader: the next ones are applied, it is set aside', async (t) => {
  // Every event but one applies; that one fails with an error naming no SQLSTATE (as a sealed field no
  // key opens would), while the ledger answers. Taken up again after half a second, set aside at its
  // second delivery.
  const [poison] = ids('0700');
  const r = await ownReader(t, {
    apply: (id) => { if (id === poison) throw new Error('a value sealed under key k0, which PII_KEYS does not hold'); },
    ledgerReachable: () => true, count: 1, reclaimAfterMs: 500, maxDeliveries: 2,
  });
  const after = ids('0701', '0702', '0703');
  await r.append([poison!, ...after]);
  await waitFor(async () => r.applied.length, (n) => n >= after.length, { what: 'the events after it applied', timeoutMs: 15_000 });
  t.same([...new Set(r.applied)].sort(), after, 'each event after the failing one applied');
  const dead = await waitFor(r.dead, (d) => d.length === 1, { what: 'the failing event set aside', timeoutMs: 15_000 });
  t.match(dead[0]![1].join(' '), /PII_KEYS does not hold/, 'set aside with its reason');
  t.same(await r.settled(), { length: 0, pending: 0 });
});
