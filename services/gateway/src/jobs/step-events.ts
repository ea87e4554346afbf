import { UnrecoverableError, Worker } from 'bullmq';
import { GATEWAY_EVENTS_QUEUE, StepEvent } from '@sutasoma/contracts';
import { withTransaction, type Pool } from '@sutasoma/ledger';
import { Counter, type Logger, type Redis, type Registry } from '@sutasoma/service-kit';
import { applyStepEvent, type FlowDefinition } from '../flows/engine.ts';

export interface StepEventWorkerOptions {
  pool: Pool;
  flows: ReadonlyMap<string, FlowDefinition>;
  connection: Redis;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  logger: Logger;
  metrics: Registry;
  /** Called after an event committed, so a next step is published at once. */
  onApplied: () => void;
}

/** Advances registrations from the events adapters publish; one transaction per event. */
export function createStepEventWorker(opts: StepEventWorkerOptions): Worker {
  const applied = new Counter({
    name: 'gateway_step_events_total',
    help: 'Step events by step, outcome and effect',
    labelNames: ['kind', 'step', 'outcome', 'effect'],
    registers: [opts.metrics],
  });
  const worker = new Worker(GATEWAY_EVENTS_QUEUE, async (job) => {
    const parsed = StepEvent.safeParse(job.data);
    if (!parsed.success) {
      opts.logger.error({ jobId: job.id }, 'unreadable step event');
      throw new UnrecoverableError('BAD_EVENT_PAYLOAD');
    }
    const e = parsed.data;
    const res = await withTransaction(opts.pool, (tx) => applyStepEvent(tx, opts.flows, e));
    applied.inc({ kind: res.kind ?? 'unknown', step: e.step, outcome: e.outcome, effect: res.effect });
    opts.logger.info({ operationId: e.operationId, correlationId: e.correlationId, step: e.step, attempt: e.attempt, outcome: e.outcome, errorCode: e.errorCode, reasonCode: e.reasonCode, effect: res.effect, status: res.status }, 'step event');
    if (res.effect === 'applied') opts.onApplied();
    return res;
  }, {
    connection: opts.connection, prefix: opts.prefix, concurrency: opts.concurrency, autorun: false,
    lockDuration: opts.lockDurationMs, stalledInterval: opts.lockDurationMs,
  });
  worker.on('error', (err) => opts.logger.warn({ err: err.message }, 'events worker connection error'));
  return worker;
}
