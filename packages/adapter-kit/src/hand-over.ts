import { QueueEvents, type Job } from 'bullmq';
import { createRedis, type Redis } from '@sutasoma/service-kit';

export interface HandOverOptions {
  /** The gateway queue the job went to. */
  queue: string;
  redisUrl: string;
  prefix: string;
  /** How long to wait for the gateway; 0 does not wait (an adapter tested without a gateway). */
  timeoutMs: number;
}

/**
 * Waits until the gateway has applied a job that a partner's notification became. The gateway
 * completes such a job only once its transaction committed, so the partner is told "received" only
 * when nothing can lose it any more: if Redis dies with the job unapplied, the answer is a 503 and
 * the partner's retry hands it over again (the job id and the gateway make that harmless).
 */
export class HandOver {
  private events: QueueEvents | undefined;
  private connection: Redis | undefined;

  constructor(private readonly opts: HandOverOptions) {}

  /** True when the gateway applied the job within the timeout; false when not yet, or when Redis went away. */
  async confirm(job: Job): Promise<boolean> {
    if (this.opts.timeoutMs === 0) return true;
    if (!this.events) {
      this.connection = createRedis(this.opts.redisUrl, 'worker');
      this.connection.on('error', () => {});
      this.events = new QueueEvents(this.opts.queue, { connection: this.connection, prefix: this.opts.prefix });
      this.events.on('error', () => {});
      this.events.setMaxListeners(0);
    }
    const events = this.events;
    const id = job.id;
    // Not BullMQ's job.waitUntilFinished: a Redis error while it polls escapes as an unhandled
    // rejection and would stop the adapter (seen in the chaos harness's redis-restart).
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const finish = (applied: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        events.off('completed', onCompleted);
        events.off('failed', onFailed);
        resolve(applied);
      };
      const onCompleted = ({ jobId }: { jobId: string }) => { if (jobId === id) finish(true); };
      const onFailed = ({ jobId }: { jobId: string }) => { if (jobId === id) finish(false); };
      const timer = setTimeout(() => finish(false), this.opts.timeoutMs);
      events.on('completed', onCompleted);
      events.on('failed', onFailed);
      // Listening from now on; a job the gateway finished before is found by asking.
      events.waitUntilReady().then(() => job.isCompleted()).then((completed) => { if (completed) finish(true); }, () => finish(false));
    });
  }

  async close(): Promise<void> {
    await this.events?.close().catch(() => {});
    await this.connection?.quit().catch(() => {});
  }
}
