import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * BullMQ queues by name on one shared connection, each made on first use and kept. A BullMQ Queue
 * that first connects while Redis is away keeps its failed start for good (every later call rejects
 * at once, nothing sent): `forget` drops one so that the next use makes it afresh.
 */
export class Queues {
  private readonly queues = new Map<string, Queue>();

  /** Without a logger, a queue's connection errors are not reported (a diagnosis reading counts once). */
  constructor(private readonly opts: { connection: Redis; prefix: string; logger?: Logger }) {}

  get(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.opts.connection, prefix: this.opts.prefix });
      q.on('error', (err) => this.opts.logger?.warn({ err: err.message, queue: name }, 'queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  forget(name: string): void {
    const q = this.queues.get(name);
    this.queues.delete(name);
    void q?.close().catch(() => {});
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
