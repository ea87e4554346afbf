import t from 'tap';
import { PII_TEST_ENV, SIM_CREDENTIALS, createTestPrefix, startServiceProcess, stepDriver, testRedisUrl, waitFor } from '@sutasoma/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const queues = createTestPrefix();
const sim = await startServiceProcess({ service: 'partner-sim', env: {} });
const app = await buildApp(loadConfig({
  ...SIM_CREDENTIALS, ...PII_TEST_ENV, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'silent', PARTNER_BASE_URL: `${sim.url}/ekartutani`,
  RETRY_BASE_MS: '100', RETRY_MAX_MS: '300', RETRY_ATTEMPTS: '100', BREAKER_VOLUME: '1000',
}));
await app.ready();
const steps = stepDriver(queues, 'ekartutani');
t.teardown(async () => {
  await app.close();
  await steps.close();
  await sim.kill();
  await queues.cleanup();
});

const simCall = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sim.url}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return res.status === 204 ? null : res.json();
};
const STEP = 'ekartutani.credit_card';
const credit = (input: Record<string, unknown>, opts: { operationId?: string; replay?: number } = {}) => steps.add(STEP, input, opts);
const finals = (operationId: string, count = 1) => steps.finals(operationId, STEP, count);
const farmer = async (q: string) => ((await simCall('GET', `/_sim/farmers?limit=1&${q}`)) as { items: { nik: string }[] }).items[0]!;
const balance = async (nik: string) => ((await simCall('GET', `/_sim/bank/accounts?nik=${nik}`)) as { items: { balance: number }[] }).items[0]!.balance;

t.test('lost-income pay credited to the card\'s account once, through an outage and a replay', async (t) => {
  const { nik } = await farmer('case=eligible&cardStatus=ACTIVE');
  const before = await balance(nik);
  await simCall('POST', '/_sim/faults', { system: 'ekartutani', mode: 'down' });
  const op = await credit({ nik, amount: 1_000_000, remark: 'JKK santunan upah' });
  await waitFor(() => steps.eventsOf(op, STEP), (evs) => evs.length >= 2, { what: 'failed attempts' });
  await simCall('DELETE', '/_sim/faults');
  const [paid] = await finals(op);
  t.match(paid, { outcome: 'succeeded', result: { bankReference: /^KRD\d{12}$/, amount: 1_000_000 } });
  await credit({ nik, amount: 1_000_000, remark: 'JKK santunan upah' }, { operationId: op, replay: 1 });
  const both = await finals(op, 2);
  t.equal(both[1]!.result!['bankReference'], paid!.result!['bankReference'], 'the replay answers the first credit');
  t.equal(await balance(nik), before + 1_000_000, 'credited once');
  t.equal(((await simCall('GET', `/_sim/ekartutani/credits?reference=${op}:${STEP}`)) as { count: number }).count, 1);
});

t.test('no card or a blocked card: card_unavailable, nothing paid', async (t) => {
  const noCard = await farmer('case=no_card');
  t.match((await finals(await credit({ nik: noCard.nik, amount: 500_000, remark: 'x' })))[0], { outcome: 'rejected', reasonCode: 'card_unavailable' });
  const blocked = await farmer('case=eligible&cardStatus=BLOCKED');
  const before = await balance(blocked.nik);
  t.match((await finals(await credit({ nik: blocked.nik, amount: 500_000, remark: 'x' })))[0], { outcome: 'rejected', reasonCode: 'card_unavailable' });
  t.equal(await balance(blocked.nik), before);
});
