import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { z } from 'zod';
import {
  EVENT_JOB_OPTIONS, GATEWAY_EVENTS_QUEUE, HANDED_OVER_EVENT_JOB_OPTIONS, PartnerErrorCode, StepEvent, StepJob, jobIds, stepEventsStreamKey,
  type PartnerSystem, type StepName, type StepOutcome,
} from '@sutasoma/contracts';
import { HandOver } from './hand-over.ts';
import { PartnerError, backoffDelay, type PartnerClient, type RetryPolicy } from '@sutasoma/partner-client';
import type { Pii } from '@sutasoma/pii';
import { Counter, Histogram, createRedis, lazyChild, verifyJob, type Logger, type Redis, type Registry } from '@sutasoma/service-kit';

export type StepResult =
  | { outcome: 'succeeded'; result: Record<string, unknown> }
  | { outcome: 'rejected'; reasonCode: string; detail?: string; partnerStatus?: number };

export interface StepContext {
  job: StepJob;
  attempt: number;
  log: Logger;
}

export interface StepHandler<S extends z.ZodType = z.ZodType> {
  input: S;
  run: (input: z.infer<S>, ctx: StepContext) => Promise<StepResult>;
}

/** Declares a handler with its input type inferred from the schema. */
export function defineStep<S extends z.ZodType>(handler: StepHandler<S>): StepHandler {
  return handler as unknown as StepHandler;
}

export interface StepWorkerOptions {
  system: PartnerSystem;
  client: PartnerClient;
  handlers: Partial<Record<StepName, StepHandler>>;
  /** Opens the job's sealed input (the gateway seals the farmer's data in it). */
  pii: Pii;
  redisUrl: string;
  prefix: string;
  logger: Logger;
  retry: RetryPolicy;
  concurrency: number;
  lockDurationMs: number;
  metrics: Registry;
  /** How long handOverEvent waits for the gateway to apply an event; 0 does not wait. */
  handOverMs: number;
  /** The gateway's job-signing secrets: a job not signed with one of them is refused unrun. */
  jobSecrets: readonly string[];
}

/**
 * Consumes one partner's queue. Each attempt ends in an event for the gateway, appended to the
 * step-events stream: succeeded, rejected (a business answer), attempt_failed (will retry) or
 * failed (final). While the partner's breaker is open the queue is rate-limited instead, so
 * waiting costs no attempt.
 */
export class StepWorker {
  readonly worker: Worker;
  readonly queue: Queue;
  private readonly events: Queue;
  private readonly workerRedis: Redis;
  private readonly producerRedis: Redis;
  private readonly jobsTotal: Counter<string>;
  private readonly jobDuration: Histogram<string>;
  private readonly handOver: HandOver;

  constructor(private readonly opts: StepWorkerOptions) {
    this.workerRedis = createRedis(opts.redisUrl, 'worker');
    this.producerRedis = createRedis(opts.redisUrl, 'worker');
    this.queue = new Queue(opts.system, { connection: this.producerRedis, prefix: opts.prefix });
    this.events = new Queue(GATEWAY_EVENTS_QUEUE, { connection: this.producerRedis, prefix: opts.prefix });
    this.handOver = new HandOver({ queue: GATEWAY_EVENTS_QUEUE, redisUrl: opts.redisUrl, prefix: opts.prefix, timeoutMs: opts.handOverMs });
    this.jobsTotal = new Counter({
      name: 'step_jobs_total',
      help: 'Step attempts by system, step, outcome and error code',
      labelNames: ['system', 'step', 'outcome', 'code'],
      registers: [opts.metrics],
    });
    this.jobDuration = new Histogram({
      name: 'step_job_duration_seconds',
      help: 'Step attempts by system, step, outcome and error code, partner call included',
      labelNames: ['system', 'step', 'outcome', 'code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [opts.metrics],
    });
    this.worker = new Worker(opts.system, (job, token) => this.process(job, token), {
      connection: this.workerRedis,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      lockDuration: opts.lockDurationMs,
      stalledInterval: opts.lockDurationMs,
      autorun: false,
      settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(opts.retry, attemptsMade) },
    });
    const onError = (err: Error) => opts.logger.warn({ err: err.message }, 'queue connection error');
    this.worker.on('error', onError);
    this.queue.on('error', onError);
    this.events.on('error', onError);
  }

  start(): void {
    void this.worker.run().catch((err: Error) => this.opts.logger.error({ err: err.message }, 'worker stopped'));
  }

  private async process(job: Job, _token?: string): Promise<unknown> {
    const signed = verifyJob(job.data, this.opts.jobSecrets);
    if (!signed) {
      // Not the gateway's: planted in Redis, or altered there. Nothing is sent to the partner and no
      // event goes to the gateway (the ledger ordered nothing); the job stays failed for an operator.
      this.jobsTotal.inc({ system: this.opts.system, step: String(job.name), outcome: 'refused', code: PartnerErrorCode.unsignedJob });
      this.opts.logger.error({ jobId: job.id, name: job.name }, 'step job refused: not signed by the gateway');
      throw new UnrecoverableError(PartnerErrorCode.unsignedJob);
    }
    const parsed = StepJob.safeParse(signed);
    if (!parsed.success) {
      this.opts.logger.error({ jobId: job.id, issues: parsed.error.issues.length }, 'unreadable step job');
      throw new UnrecoverableError(PartnerErrorCode.badPayload);
    }
    const data = parsed.data;
    const attempt = job.attemptsMade + 1;
    const log = lazyChild(this.opts.logger, { operationId: data.operationId, correlationId: data.correlationId, step: data.step, attempt });
    const handler = this.opts.handlers[data.step];
    const input = handler?.input.safeParse(this.opened(data.input));
    if (!handler || !input?.success) {
      await this.publish(data, attempt, 'failed', { errorCode: PartnerErrorCode.badPayload, durationMs: 0 });
      throw new UnrecoverableError(PartnerErrorCode.badPayload);
    }
    if (this.opts.client.state === 'open') return this.waitForBreaker(log);

    const started = performance.now();
    try {
      const res = await handler.run(input.data, { job: data, attempt, log });
      const durationMs = performance.now() - started;
      if (res.outcome === 'succeeded') {
        await this.publish(data, attempt, 'succeeded', { result: res.result, durationMs });
      } else {
        await this.publish(data, attempt, 'rejected', { reasonCode: res.reasonCode, durationMs, ...(res.partnerStatus ? { partnerStatus: res.partnerStatus } : {}) });
      }
      log.debug({ outcome: res.outcome, ms: Math.round(durationMs) }, 'step done');
      return { outcome: res.outcome };
    } catch (err) {
      const durationMs = performance.now() - started;
      if (err instanceof PartnerError && err.code === PartnerErrorCode.breakerOpen) return this.waitForBreaker(log);
      // A PartnerError says whether the partner's answer may change; anything else is the adapter's own
      // trouble (its Redis away mid-step) and is retried, up to the same attempts, never final at once.
      const pe = err instanceof PartnerError ? err : undefined;
      const errorCode = pe?.code ?? PartnerErrorCode.adapterError;
      const final = (pe ? !pe.retryable : false) || attempt >= this.opts.retry.attempts;
      await this.publish(data, attempt, final ? 'failed' : 'attempt_failed', {
        errorCode, durationMs, ...(pe?.status ? { partnerStatus: pe.status } : {}),
      });
      log.warn({ errorCode, partnerStatus: pe?.status, final, err: (err as Error).message }, 'step attempt failed');
      if (final) throw new UnrecoverableError(errorCode);
      throw err;
    }
  }

  /** The job's input with its sealed personal fields opened; undefined (a bad payload) when they do not open. */
  private opened(input: Record<string, unknown>): Record<string, unknown> | undefined {
    try {
      return this.opts.pii.reveal(input);
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'step job whose personal data does not open: PII_KEYS lacks its key?');
      return undefined;
    }
  }

  /** Puts the job back and holds the whole queue until the breaker may let a probe through. */
  private async waitForBreaker(log: Logger): Promise<never> {
    const ms = this.opts.client.snapshot().resetTimeoutMs;
    this.jobsTotal.inc({ system: this.opts.system, step: '*', outcome: 'breaker_wait', code: PartnerErrorCode.breakerOpen });
    log.debug({ ms }, 'breaker open: pausing the queue');
    await this.queue.rateLimit(ms);
    throw Worker.RateLimitError();
  }

  /** Counts an event by its step, outcome and code, and times the attempt it ended. */
  private observe(e: StepEvent): void {
    const labels = { system: this.opts.system, step: e.step, outcome: e.outcome, code: e.errorCode ?? e.reasonCode ?? '' };
    this.jobsTotal.inc(labels);
    this.jobDuration.observe(labels, e.durationMs / 1000);
  }

  /** Publishes an event the partner caused by itself (a webhook) as a job, validated like every other. */
  async publishEvent(event: z.input<typeof StepEvent>, options: typeof EVENT_JOB_OPTIONS | typeof HANDED_OVER_EVENT_JOB_OPTIONS = EVENT_JOB_OPTIONS): Promise<Job> {
    const e = StepEvent.parse(event);
    this.observe(e);
    return this.events.add('step-event', e, { ...options, jobId: jobIds.event(e) });
  }

  /**
   * Publishes an event a partner's notification became and waits until the gateway applied it: a
   * webhook answers "received" only then (see HandOver). False: not applied yet; answer so that the
   * partner sends it again.
   */
  async handOverEvent(event: z.input<typeof StepEvent>): Promise<boolean> {
    return this.handOver.confirm(await this.publishEvent(event, HANDED_OVER_EVENT_JOB_OPTIONS));
  }

  /**
   * Appends the attempt's event to the step-events stream. Were the adapter to die before its job
   * completes, the job runs again and appends a second event, which the gateway applies as a
   * duplicate: nothing changes twice.
   */
  private async publish(job: StepJob, attempt: number, outcome: StepOutcome, extra: Partial<StepEvent> & { durationMs: number }): Promise<void> {
    const e = StepEvent.parse({
      operationId: job.operationId,
      correlationId: job.correlationId,
      step: job.step,
      attempt,
      replay: job.replay,
      recovery: job.recovery,
      outcome,
      at: new Date().toISOString(),
      ...extra,
    });
    this.observe(e);
    await this.producerRedis.xadd(stepEventsStreamKey(this.opts.prefix), '*', 'event', JSON.stringify(e));
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
    await this.events.close();
    await this.handOver.close();
    await Promise.all([this.workerRedis.quit().catch(() => {}), this.producerRedis.quit().catch(() => {})]);
  }
}
