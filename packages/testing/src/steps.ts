import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { GATEWAY_EVENTS_QUEUE, STEP_JOB_OPTIONS, StepJob, jobIds, stepEventsStreamKey, type StepEvent, type StepName } from '@sutasoma/contracts';
import { signJob } from '@sutasoma/service-kit';
import { SIM_CREDENTIALS } from './system.ts';
import type { TestPrefix } from './redis.ts';
import { waitFor } from './wait.ts';

const FINAL = ['succeeded', 'rejected', 'failed'];
interface StepOptions { operationId?: string; replay?: number }

/**
 * What the gateway does with a step: a StepJob on the partner's queue, and the StepEvents read back
 * from the step-events stream (a step's results) and the 'gateway-events' queue (notifications handed over).
 */
export function stepDriver(queues: TestPrefix, system: string, opts: { timeoutMs?: number } = {}) {
  const jobs = new Queue(system, { connection: queues.redis, prefix: queues.prefix });
  const events = new Queue(GATEWAY_EVENTS_QUEUE, { connection: queues.redis, prefix: queues.prefix });
  const streamed = async () => (await queues.redis.xrange(stepEventsStreamKey(queues.prefix), '-', '+'))
    .map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as StepEvent);
  const eventsOf = async (operationId: string, step: StepName) =>
    [...await streamed(), ...(await events.getJobs(['waiting', 'delayed', 'completed', 'active', 'failed'])).map((j) => j.data as StepEvent)]
      .filter((e) => e.operationId === operationId && e.step === step)
      .sort((a, b) => a.replay - b.replay || a.attempt - b.attempt || a.at.localeCompare(b.at));
  /** Adds the step, signed as the gateway signs it, without waiting (replay n keeps the idempotency key, as an operator's replay does); returns its operationId. */
  const add = async (step: StepName, input: Record<string, unknown>, o: StepOptions = {}) => {
    const operationId = o.operationId ?? randomUUID();
    const replay = o.replay ?? 0;
    const job = StepJob.parse({ operationId, correlationId: `req-${operationId.slice(0, 8)}`, step, idempotencyKey: `${operationId}:${step}`, input, replay });
    await jobs.add(step, signJob(job, [SIM_CREDENTIALS.JOB_SIGNING_SECRETS]), { ...STEP_JOB_OPTIONS, jobId: jobIds.step(operationId, step, replay) });
    return operationId;
  };

  return {
    add,
    eventsOf,
    /** Waits until the step has `count` final events (succeeded, rejected, failed) and returns them. */
    finals: (operationId: string, step: StepName, count = 1) =>
      waitFor(async () => (await eventsOf(operationId, step)).filter((e) => FINAL.includes(e.outcome)), (evs) => evs.length >= count,
        { what: `${count} final event(s) of ${step}`, timeoutMs: opts.timeoutMs }),
    /** Adds the step and waits for the final event of its replay. */
    async run(step: StepName, input: Record<string, unknown>, o: StepOptions = {}) {
      const operationId = await add(step, input, o);
      const replay = o.replay ?? 0;
      const all = await waitFor(() => eventsOf(operationId, step),
        (es) => es.some((e) => e.replay === replay && FINAL.includes(e.outcome)),
        { what: `the final event of ${step}`, timeoutMs: opts.timeoutMs });
      return { operationId, event: all.filter((e) => e.replay === replay).pop()!, all };
    },
    close: async () => {
      await jobs.close();
      await events.close();
    },
  };
}
