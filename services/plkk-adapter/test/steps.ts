import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { GATEWAY_EVENTS_QUEUE, STEP_JOB_OPTIONS, jobIds, type StepEvent, type StepName } from '@sutasoma/contracts';
import { waitFor, type TestPrefix } from '@sutasoma/testing';

/** What the gateway does with a step: a StepJob on the partner's queue, and the events read back. */
export function stepDriver(queues: TestPrefix, system: string) {
  const jobs = new Queue(system, { connection: queues.redis, prefix: queues.prefix });
  const events = new Queue(GATEWAY_EVENTS_QUEUE, { connection: queues.redis, prefix: queues.prefix });
  const eventsOf = async (operationId: string, step: StepName) =>
    (await events.getJobs(['waiting', 'delayed', 'completed', 'active', 'failed']))
      .map((j) => j.data as StepEvent)
      .filter((e) => e.operationId === operationId && e.step === step)
      .sort((a, b) => a.replay - b.replay || a.attempt - b.attempt);

  return {
    eventsOf,
    /** Sends the step (replay n keeps the idempotency key, as an operator's replay does) and waits for its final event. */
    async run(step: StepName, input: Record<string, unknown>, opts: { operationId?: string; replay?: number } = {}) {
      const operationId = opts.operationId ?? randomUUID();
      const replay = opts.replay ?? 0;
      await jobs.add(step, {
        operationId, correlationId: `req-${operationId.slice(0, 8)}`, step, idempotencyKey: `${operationId}:${step}`, input, replay,
      }, { ...STEP_JOB_OPTIONS, jobId: jobIds.step(operationId, step, replay) });
      const all = await waitFor(() => eventsOf(operationId, step),
        (es) => es.some((e) => e.replay === replay && ['succeeded', 'rejected', 'failed'].includes(e.outcome)),
        { what: `the final event of ${step}` });
      return { operationId, event: all.filter((e) => e.replay === replay).pop()!, all };
    },
    close: async () => {
      await jobs.close();
      await events.close();
    },
  };
}
