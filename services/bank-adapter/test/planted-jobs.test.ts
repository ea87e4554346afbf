import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { STEP_JOB_OPTIONS, StepJob, jobIds } from '@sutasoma/contracts';
import { signJob } from '@sutasoma/service-kit';
import { PII_TEST_ENV, SIM_CREDENTIALS, bankKeyPair, createTestPrefix, startServiceProcess, stepDriver, testRedisUrl, waitFor } from '@sutasoma/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

// Someone who reaches Redis (or a dashboard that could write to it) plants a payout job on the bank's
// queue: the adapter must pay nothing the gateway did not sign.
const keys = bankKeyPair();
const queues = createTestPrefix();
const sim = await startServiceProcess({ service: 'partner-sim', env: { SIM_BANK_CLIENT_PUBLIC_KEY: keys.publicKey } });
const app = await buildApp(loadConfig({
  ...SIM_CREDENTIALS, ...PII_TEST_ENV, BANK_PRIVATE_KEY: keys.privateKey, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'silent',
  PARTNER_BASE_URL: `${sim.url}/bank`, RETRY_BASE_MS: '100', RETRY_MAX_MS: '300',
}));
await app.ready();
const bank = new Queue('bank', { connection: queues.redis, prefix: queues.prefix });
const steps = stepDriver(queues, 'bank', { timeoutMs: 25_000 });
t.teardown(async () => {
  await app.close();
  await bank.close();
  await steps.close();
  await sim.kill();
  await queues.cleanup();
});

const sim$ = async (path: string, init?: RequestInit) => (await fetch(`${sim.url}${path}`, init)).json() as Promise<Record<string, unknown>>;
const thief = { bankCode: '126', accountNo: '1267770000001', holderName: 'Pencuri' };
await fetch(`${sim.url}/_sim/bank/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(thief) });
const transfersToThief = async () => (await sim$(`/_sim/bank/transfers?beneficiaryAccountNo=${thief.accountNo}`))['count'];

const payout = (amount: number) => {
  const operationId = randomUUID();
  return StepJob.parse({
    operationId, correlationId: `req-${operationId.slice(0, 8)}`, step: 'bank.pay_benefit', idempotencyKey: `${operationId}:bank.pay_benefit`,
    input: { amount, beneficiary: thief, remark: 'JKK santunan upah', holder: { by: 'name', name: thief.holderName } },
  });
};
const plant = async (data: Record<string, unknown>, operationId: string) => {
  const job = await bank.add('bank.pay_benefit', data, { ...STEP_JOB_OPTIONS, jobId: jobIds.step(operationId, 'bank.pay_benefit', 0) });
  return waitFor(async () => bank.getJob(job.id!), (j) => j?.finishedOn !== undefined, { what: 'the planted job handled' });
};

t.test('a payout job planted in Redis without the gateway\'s signature moves no money', async (t) => {
  const job = payout(50_000_000);
  const handled = await plant(job, job.operationId);
  t.equal(await handled!.getState(), 'failed', 'refused');
  t.equal(handled!.failedReason, 'UNSIGNED_JOB');
  t.equal(handled!.attemptsMade, 1, 'at once, not retried');
  t.equal(await transfersToThief(), 0, 'no transfer reached the bank');
  t.same(await steps.eventsOf(job.operationId, 'bank.pay_benefit'), [], 'and no event went to the gateway');
});

t.test('a signed job altered in Redis (a larger amount) is refused too', async (t) => {
  const job = payout(1_000_000);
  const signed = signJob(job, [SIM_CREDENTIALS.JOB_SIGNING_SECRETS]);
  const altered = { ...signed, input: { ...job.input, amount: 90_000_000 } };
  t.equal((await plant(altered, job.operationId))!.failedReason, 'UNSIGNED_JOB');
  const forged = signJob(job, ['a-secret-the-attacker-made-up-0123456789']);
  const other = payout(1_000_000);
  t.equal((await plant({ ...forged, operationId: other.operationId }, other.operationId))!.failedReason, 'UNSIGNED_JOB', 'as is one signed with another secret');
  t.equal(await transfersToThief(), 0, 'no transfer reached the bank');
});

t.test('the same payout signed by the gateway is paid (the account is its holder\'s, as the bank confirms)', async (t) => {
  const op = await steps.add('bank.pay_benefit', { amount: 1_000_000, beneficiary: thief, remark: 'JKK santunan upah', holder: { by: 'name', name: thief.holderName } });
  const [paid] = await steps.finals(op, 'bank.pay_benefit');
  t.match(paid, { outcome: 'succeeded', result: { amount: 1_000_000 } });
  t.equal(await transfersToThief(), 1);
});
