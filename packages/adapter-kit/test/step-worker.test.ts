import t from 'tap';
import { randomBytes } from 'node:crypto';
import { PartnerClient } from '@sutasoma/partner-client';
import { Pii } from '@sutasoma/pii';
import { createLogger, createRegistry } from '@sutasoma/service-kit';
import { SIM_CREDENTIALS, createTestPrefix, stepDriver, testRedisUrl } from '@sutasoma/testing';
import { StepWorker, defineStep } from '@sutasoma/adapter-kit';
import { NikInput } from '@sutasoma/contracts';

// A step whose handler fails for a reason of the adapter's own (a Redis call that lost its
// connection), not the partner's: it must be tried again, not failed for good.
const queues = createTestPrefix();
const client = new PartnerClient({ system: 'simluhtan', baseUrl: 'http://127.0.0.1:9/simluhtan' });
const calls = new Map<string, number>();
const seen = new Map<string, string>();
// The gateway's keys, as the adapter is configured with them (test keys, made here).
const pii = new Pii([{ id: 'test', key: randomBytes(32) }]);
const worker = new StepWorker({
  system: 'simluhtan',
  client,
  pii,
  handlers: {
    'simluhtan.verify_membership': defineStep({
      input: NikInput,
      async run(input, { job }) {
        seen.set(job.operationId, input.nik);
        const n = (calls.get(job.operationId) ?? 0) + 1;
        calls.set(job.operationId, n);
        if (n === 1) throw new Error('Reached the max retries per request limit (which is 1).');
        return { outcome: 'succeeded', result: { farmerGroupId: 'PKT-1', farmerGroupName: 'Poktan Sipatuo', extensionWorkerId: 'PNY-1', extensionWorkerName: 'Penyuluh' } };
      },
    }),
  },
  redisUrl: testRedisUrl(),
  prefix: queues.prefix,
  logger: createLogger({ name: 'simluhtan-adapter', level: 'silent' }),
  retry: { attempts: 5, baseDelayMs: 50, maxDelayMs: 100 },
  concurrency: 4,
  // BullMQ's default: a lock that lapses while a contended machine starves the process would count
  // the job as stalled and run it again (a third call), which is not what this test is about.
  lockDurationMs: 30_000,
  metrics: createRegistry('simluhtan-adapter'),
  handOverMs: 0,
  jobSecrets: [SIM_CREDENTIALS.JOB_SIGNING_SECRETS],
});
worker.start();
const steps = stepDriver(queues, 'simluhtan');
t.teardown(async () => {
  await steps.close();
  await worker.close();
  await client.close();
  await queues.cleanup();
});

t.test('an adapter-side error mid-step is retried, and the step then succeeds', async (t) => {
  const { operationId, event, all } = await steps.run('simluhtan.verify_membership', { nik: '7312024505880007' });
  t.equal(event.outcome, 'succeeded');
  t.match(all.map((e) => [e.outcome, e.errorCode]), [['attempt_failed', 'ADAPTER_ERROR'], ['succeeded', undefined]], 'one failed attempt, named as the adapter\'s, then success');
  t.equal(calls.get(operationId), 2);
});

t.test('the farmer\'s data sealed by the gateway is opened for the partner; sealed under a key the adapter lacks, the job fails as a bad payload', async (t) => {
  const sealed = pii.protect({ nik: '7312024505880007' });
  t.notOk(JSON.stringify(sealed).includes('7312024505880007'), 'the job holds the NIK sealed');
  const { operationId, event } = await steps.run('simluhtan.verify_membership', sealed);
  t.equal(event.outcome, 'succeeded');
  t.equal(seen.get(operationId), '7312024505880007', 'the handler got the NIK in clear');

  const foreign = new Pii([{ id: 'other', key: randomBytes(32) }]).protect({ nik: '7312024505880007' });
  const refused = await steps.run('simluhtan.verify_membership', foreign);
  t.match(refused.event, { outcome: 'failed', errorCode: 'BAD_JOB_PAYLOAD' });
  t.notOk(seen.has(refused.operationId), 'the partner was never called');
});
