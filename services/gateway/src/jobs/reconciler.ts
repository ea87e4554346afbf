import { Queues, withTransaction, type Pool } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { Counter, type Logger, type Redis, type Registry } from '@sutasoma/service-kit';
import { recoverStale, type FlowDefinition } from '../flows/engine.ts';

export interface ReconcilerOptions {
  pool: Pool;
  pii: Pii;
  flows: ReadonlyMap<string, FlowDefinition>;
  /** To ask the step queues whether a stalled operation's job is still there. */
  connection: Redis;
  prefix: string;
  staleMs: number;
  everyMs: number;
  logger: Logger;
  metrics: Registry;
  onRecovered: () => void;
}

/** A job in one of these states is still to be done (or being done): its operation is waiting, not lost. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** Periodically republishes the current step of operations that stopped moving. */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly recoveries: Counter<string>;
  private readonly waiting: Counter<string>;
  private readonly queues: Queues;

  constructor(private readonly opts: ReconcilerOptions) {
    this.queues = new Queues({ connection: opts.connection, prefix: opts.prefix, logger: opts.logger });
    this.recoveries = new Counter({
      name: 'reconciler_recoveries_total',
      help: 'Operations whose current step was republished because they stopped moving',
      registers: [opts.metrics],
    });
    this.waiting = new Counter({
      name: 'reconciler_still_queued_total',
      help: 'Operations untouched for the stale time whose step job was still queued, so not republished',
      registers: [opts.metrics],
    });
  }

  start(): void {
    this.timer = setInterval(() => { this.running ??= this.runOnce().finally(() => { this.running = undefined; }); }, this.opts.everyMs);
    this.timer.unref();
  }

  /** Whether each step's job is still queued, under any of its ids; a Redis error answers "not queued" (republishing is the safe side). */
  private readonly stillQueued = (jobs: readonly { queue: string; jobIds: string[] }[]) => Promise.all(jobs.map(async (j) => {
    // Redis away: BullMQ would wait for it, holding this transaction's row locks all along.
    if (this.opts.connection.status !== 'ready') return false;
    const states = await Promise.all(j.jobIds.map((id) => this.queues.get(j.queue).getJobState(id).catch(() => 'unknown')));
    return states.some((s) => LIVE_STATES.has(s));
  }));

  async runOnce(): Promise<number> {
    try {
      for (const flow of this.opts.flows.values()) {
        if (!flow.sweep) continue;
        const closed = await withTransaction(this.opts.pool, (tx) => flow.sweep!(tx));
        for (const id of closed) this.opts.logger.info({ operationId: id, kind: flow.kind }, 'operation closed by time');
      }
      const pass = await withTransaction(this.opts.pool, (tx) => recoverStale(tx, this.opts.pii, this.opts.flows, this.opts.staleMs, this.stillQueued));
      for (const id of pass.republished) this.opts.logger.warn({ operationId: id }, 'operation stalled: current step republished');
      if (pass.queued.length > 0) {
        this.waiting.inc(pass.queued.length);
        this.opts.logger.info({ operations: pass.queued.length }, 'operations untouched but still queued: not republished');
      }
      if (pass.republished.length > 0) {
        this.recoveries.inc(pass.republished.length);
        this.opts.onRecovered();
      }
      return pass.republished.length;
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'reconciler pass failed');
      return 0;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.queues.close();
  }
}
