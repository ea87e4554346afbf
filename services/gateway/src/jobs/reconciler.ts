import { withTransaction, type Pool } from '@sutasoma/ledger';
import { Counter, type Logger, type Registry } from '@sutasoma/service-kit';
import { recoverStale, type FlowDefinition } from '../flows/engine.ts';

export interface ReconcilerOptions {
  pool: Pool;
  flows: ReadonlyMap<string, FlowDefinition>;
  staleMs: number;
  everyMs: number;
  logger: Logger;
  metrics: Registry;
  onRecovered: () => void;
}

/** Periodically republishes the current step of operations that stopped moving. */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly recoveries: Counter<string>;

  constructor(private readonly opts: ReconcilerOptions) {
    this.recoveries = new Counter({
      name: 'reconciler_recoveries_total',
      help: 'Operations whose current step was republished because they stopped moving',
      registers: [opts.metrics],
    });
  }

  start(): void {
    this.timer = setInterval(() => { this.running ??= this.runOnce().finally(() => { this.running = undefined; }); }, this.opts.everyMs);
    this.timer.unref();
  }

  async runOnce(): Promise<number> {
    try {
      for (const flow of this.opts.flows.values()) {
        if (!flow.sweep) continue;
        const closed = await withTransaction(this.opts.pool, (tx) => flow.sweep!(tx));
        for (const id of closed) this.opts.logger.info({ operationId: id, kind: flow.kind }, 'operation closed by time');
      }
      const ids = await withTransaction(this.opts.pool, (tx) => recoverStale(tx, this.opts.flows, this.opts.staleMs));
      for (const id of ids) this.opts.logger.warn({ operationId: id }, 'operation stalled: current step republished');
      if (ids.length > 0) {
        this.recoveries.inc(ids.length);
        this.opts.onRecovered();
      }
      return ids.length;
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'reconciler pass failed');
      return 0;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
