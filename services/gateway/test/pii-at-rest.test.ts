import t, { type Test } from 'tap';
import { todayInSoppeng } from '@sutasoma/contracts';
import { waitFor } from '@sutasoma/testing';
import { startFlow } from './flow.ts';

// Personal data at rest (#12, findings 4 and 5): after a farmer's registration, contribution and
// claims have gone all the way through the real gateway, adapters and simulator (some failing, so that
// their jobs stay in Redis as failed jobs do, 30 days), neither Redis nor PostgreSQL holds a NIK, a
// name, a phone number or an account in clear, and every answer still shows what it showed.
const flow = await startFlow(t, {
  claims: true,
  adapterEnv: { RETRY_ATTEMPTS: '2', RETRY_BASE_MS: '100', RETRY_MAX_MS: '300', BREAKER_RESET_MS: '1000' },
  simEnv: { SIM_BPJS_DECISION_DELAY_MS: '200' },
});
const ops = flow.token('demo-ops');
const claim = (id: string) => flow.get(`/v1/claims/${id}`).then((r) => r.body);
const settled = (id: string, until = ['paid', 'rejected', 'failed']) =>
  waitFor(() => claim(id), (c) => until.includes(c.status), { timeoutMs: 45_000, what: `claim ${id} to reach ${until.join('/')}` });
const posted = async (t: Test, kpj: string) => {
  const res = await flow.post('/v1/contributions', { kpj, months: 1, channel: 'agent_cash' });
  t.equal(res.status, 202, JSON.stringify(res.body));
  return waitFor(async () => (await flow.get(`/v1/contributions/${res.body.id}`)).body, (c) => c.status === 'posted', { timeoutMs: 30_000, what: 'contribution posted' });
};
/** A partner that refuses our credentials: the step fails at once and its job stays in Redis, failed. */
const refusing = async <T>(system: string, work: () => Promise<T>): Promise<T> => {
  await flow.sim('POST', '/_sim/faults', { system, mode: 'error', status: 401 });
  try {
    return await work();
  } finally {
    await flow.sim('DELETE', `/_sim/faults?system=${system}`);
  }
};

const heir = { nik: '7312021203850002', name: 'La Tenri Abeng', relation: 'spouse', account: { bankCode: '002', accountNo: '0021203859911', holderName: 'La Tenri Abeng' } };
const [farmer, deceased] = await flow.participants(2, 3000);
const [refused] = await flow.farmers('eligible', 1, 3100, '&cardStatus=ACTIVE');
let jkkId = '';

t.test('a registration, contributions and claims go through, some failing at a partner', async (t) => {
  // The farmer: registered, a month paid, an accident the hospital reports, paid to the farmer card.
  await Promise.all([posted(t, farmer!.kpj), posted(t, deceased!.kpj)]);
  const admitted = await flow.sim('POST', '/_sim/hospital/scenarios', { nik: farmer!.nik, dischargeAfterMs: 1500 });
  t.equal(admitted.status, 202, 'the simulated hospital admits the farmer');
  const { encounterId } = (await admitted.json()) as { encounterId: string };
  jkkId = (await waitFor(
    async () => (await flow.get('/ops/intake?limit=50', ops)).body.items.find((i: any) => i.partnerRef?.endsWith(`/${encounterId}`))?.operationId as string | undefined,
    (id) => id !== undefined, { timeoutMs: 30_000, what: 'the admission' },
  ))!;
  t.equal((await settled(jkkId)).status, 'paid', 'the accident case is paid');

  // A second farmer whose registration BPJS refuses: the job with name, birth date and phone stays failed.
  await refusing('bpjs', async () => {
    const reg = await flow.register(refused!);
    t.equal((await flow.settled(reg.id)).status, 'failed', 'BPJS refused the registration');
  });
  // A death claim whose payout the bank refuses: the job with the heir's account stays failed.
  t.ok((await flow.sim('POST', '/_sim/bank/accounts', heir.account)).ok, 'the heir has an account at the simulated bank');
  const jkm = await flow.post('/v1/claims', { type: 'jkm', kpj: deceased!.kpj, dateOfDeath: todayInSoppeng(), deathCertificateRef: 'AK-7312-2026-0911', heir });
  t.equal(jkm.status, 202, JSON.stringify(jkm.body));
  await refusing('bank', async () => {
    const c = await settled(jkm.body.id, ['paid', 'failed']);
    t.equal(c.status, 'failed', 'the bank refused the payout');
    t.equal(c.heir.name, heir.name, 'the claim still shows the heir\'s name to the agent');
    t.equal(c.heir.nikMasked, '7312********0002');
  });
});

t.test('answers still show what they showed: a NIK looked up and kept unique by its blind index, shown masked', async (t) => {
  const found = await flow.post('/v1/participants/lookup', { nik: farmer!.nik });
  t.equal(found.status, 200);
  t.equal(found.body.kpj, farmer!.kpj);
  t.equal(found.body.nikMasked, `${farmer!.nik.slice(0, 4)}********${farmer!.nik.slice(12)}`);
  const { kpj: _kpj, ...body } = farmer!;
  const again = await flow.register(body);
  t.equal(again.status, 409, 'one registration per NIK still holds');
  const c = await claim(jkkId);
  t.equal(c.nikMasked, found.body.nikMasked);
});

const secrets = {
  [`the farmer's NIK`]: farmer!.nik,
  [`the farmer's name`]: farmer!.fullName,
  [`the farmer's phone`]: farmer!.phone,
  [`the deceased's NIK`]: deceased!.nik,
  [`the deceased's name`]: deceased!.fullName,
  [`the refused farmer's NIK`]: refused!.nik,
  [`the refused farmer's name`]: refused!.fullName,
  [`the refused farmer's phone`]: refused!.phone,
  [`the heir's NIK`]: heir.nik,
  [`the heir's name`]: heir.name,
  [`the heir's account`]: heir.account.accountNo,
};
const found = (text: string) => Object.entries(secrets).filter(([, value]) => text.includes(value)).map(([what]) => what);

t.test('no key under the test\'s Redis prefix holds any of them in clear, whatever its type', async (t) => {
  const redis = flow.queues.redis;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${flow.queues.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const types = new Map<string, number>();
  const leaks: string[] = [];
  for (const key of keys) {
    const type = await redis.type(key);
    types.set(type, (types.get(type) ?? 0) + 1);
    const content = type === 'string' ? await redis.get(key)
      : type === 'hash' ? await redis.hgetall(key)
        : type === 'list' ? await redis.lrange(key, 0, -1)
          : type === 'set' ? await redis.smembers(key)
            : type === 'zset' ? await redis.zrange(key, '0', '-1')
              : type === 'stream' ? await redis.xrange(key, '-', '+')
                : `(unread type ${type})`;
    const what = found(`${key} ${JSON.stringify(content)}`);
    if (what.length > 0) leaks.push(`${key} (${type}): ${what.join(', ')}`);
  }
  t.comment(`${keys.length} keys: ${[...types].map(([type, n]) => `${n} ${type}`).join(', ')}`);
  t.ok(keys.some((k) => k.endsWith(':failed')), 'failed jobs are among them');
  t.same(leaks, [], 'nothing personal in clear in Redis');
});

t.test('no row of any table of the test\'s schema holds any of them in clear', async (t) => {
  const { rows: tables } = await flow.db.pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1", [flow.db.schema],
  );
  const leaks: string[] = [];
  let scanned = 0;
  for (const { table_name: table } of tables) {
    const { rows } = await flow.db.pool.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`);
    scanned += rows.length;
    for (const { row } of rows) {
      const what = found(row);
      if (what.length > 0) leaks.push(`${table}: ${what.join(', ')}`);
    }
  }
  t.comment(`${tables.length} tables, ${scanned} rows`);
  t.ok(scanned > 50, 'the flows wrote their rows');
  t.same([...new Set(leaks)], [], 'nothing personal in clear in PostgreSQL');
});
