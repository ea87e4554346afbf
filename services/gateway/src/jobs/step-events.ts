import { UnrecoverableError, Worker } from 'bullmq';
import { GATEWAY_EVENTS_QUEUE, StepEvent } from '@sutasoma/contracts';
import { GroupCommit, inTransaction, type Pool } from '@sutasoma/ledger';
import { Counter, Histogram, type Logger, type Redis, type Registry } from '@sutasoma/service-kit';
import { applyStepEvents, type EventOutcome, type FlowDefinition } from '../flows/engine.ts';

export interface StepEventWorkerOptions {
  pool: Pool;
  flows: ReadonlyMap<string, FlowDefinition>;
  connection: Redis;
  prefix: string;
  /** Events taken from the queue at once; they are applied in batches of at most this many. */
  concurrency: number;
  /** Event transactions in flight at once. */
  transactions: number;
  lockDurationMs: number;
  logger: Logger;
  metrics: Registry;
  /** Called after an event committed, so a next step is published at once. */
  onApplied: () => void;
}

/**
 * Advances operations from the events adapters publish. The events taken together are applied in
 * one transaction (group commit); each job completes only after its event's COMMIT, so a crash in
 * between redelivers it, and a redelivered event is a duplicate that changes nothing.
 */
export function createStepEventWorker(opts: StepEventWorkerOptions): Worker {
  const applied = new Counter({
    name: 'gateway_step_events_total',
    help: 'Step events by step, outcome and effect',
    labelNames: ['kind', 'step', 'outcome', 'effect'],
    registers: [opts.metrics],
  });
  const batchSize = new Histogram({
    name: 'gateway_step_event_batch_size',
    help: 'Step events applied in one transaction',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [opts.metrics],
  });
  const group = new GroupCommit<StepEvent, EventOutcome>(
    opts.pool,
    (client, events) => inTransaction(client, (tx) => applyStepEvents(tx, opts.flows, events)),
    { maxBatch: opts.concurrency, maxInFlight: opts.transactions, onCommitted: (n) => batchSize.observe(n) },
  );
  const worker = new Worker(GATEWAY_EVENTS_QUEUE, async (job) => {
    const parsed = StepEvent.safeParse(job.data);
    if (!parsed.success) {
      opts.logger.error({ jobId: job.id }, 'unreadable step event');
      throw new UnrecoverableError('BAD_EVENT_PAYLOAD');
    }
    const e = parsed.data;
    const res = await group.submit(e);
    applied.inc({ kind: res.kind ?? 'unknown', step: e.step, outcome: e.outcome, effect: res.effect });
    const line = { operationId: e.operationId, correlationId: e.correlationId, step: e.step, attempt: e.attempt, outcome: e.outcome, errorCode: e.errorCode, reasonCode: e.reasonCode, effect: res.effect, status: res.status };
    opts.logger.debug(line, 'step event');
    // One line at info when an operation ends: its status, and why when it did not succeed.
    if (res.from !== undefined && res.kind && opts.flows.get(res.kind)?.terminal.includes(res.status ?? '')) {
      opts.logger.info({ ...line, kind: res.kind, from: res.from, reason: res.reason?.code, reasonDetail: res.reason?.detail }, 'operation ended');
    }
    if (res.effect === 'applied') opts.onApplied();
    return res;
  }, {
    connection: opts.connection, prefix: opts.prefix, concurrency: opts.concurrency, autorun: false,
    lockDuration: opts.lockDurationMs, stalledInterval: opts.lockDurationMs,
  });
  worker.on('error', (err) => opts.logger.warn({ err: err.message }, 'events worker connection error'));
  return worker;
}
