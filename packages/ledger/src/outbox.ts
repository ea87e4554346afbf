import pg from 'pg';
import type { JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withTransaction } from './db.ts';
import { Queues } from './queues.ts';

export interface OutboxMessage {
  queue: string;
  name: string;
  jobId: string;
  payload: unknown;
}

/** Adds messages to the outbox inside the caller's transaction: they publish only if it commits. */
export async function enqueue(client: pg.PoolClient, messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const values: unknown[] = [];
  const rows = messages.map((m, i) => {
    values.push(m.queue, m.name, m.jobId, JSON.stringify(m.payload));
    return `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4}::jsonb)`;
  });
  await client.query(`INSERT INTO outbox (queue, job_name, job_id, payload) VALUES ${rows.join(', ')}`, values);
}

export interface OutboxRelayOptions {
  pool: pg.Pool;
  /** For the LISTEN connection: the same database as the pool. */
  connectionString: string;
  schema: string;
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Job options per queue (attempts, backoff, retention). */
  jobOptions: (queue: string) => JobsOptions;
  /** Rows per transaction; default 500. */
  batchSize?: number;
  /** Safety-net poll when no notification arrives; default 1000 ms. */
  pollIntervalMs?: number;
  /** The job data published for a message (the gateway signs step jobs); default its payload. */
  publishAs?: (message: OutboxMessage) => unknown;
  /** Called with the rows published, after the transaction commits. */
  onPublished?: (messages: OutboxMessage[]) => void;
}

interface OutboxRow {
  id: string;
  queue: string;
  job_name: string;
  job_id: string;
  payload: unknown;
}

/**
 * Moves committed outbox rows to BullMQ. Rows are deleted in the same transaction that publishes
 * them, so a crash before COMMIT leaves them for the next drain; a crash after `add` but before
 * COMMIT publishes twice, which the deterministic job id makes harmless.
 */
export class OutboxRelay {
  private listener: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  published = 0;

  private readonly queues: Queues;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.queues = new Queues({ connection: opts.redis, prefix: opts.prefix, logger: opts.logger });
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
    this.tick();
    this.kick();
  }

  /** Drains now; resolves when the outbox was empty at some point after the call. */
  kick(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        while (!this.stopped && (await this.drainBatch()) === (this.opts.batchSize ?? 500));
      } while (this.again && !this.stopped);
    })()
      .catch((err: Error) => this.opts.logger.warn({ err: err.message }, 'outbox drain failed; will retry'))
      .finally(() => { this.draining = undefined; });
    return this.draining;
  }

  private async drainBatch(): Promise<number> {
    // BullMQ waits for a connection that is not ready for as long as Redis stays away, which would
    // hold this transaction, its row locks and stop(). Fail fast instead; the next tick retries.
    const status = this.opts.redis.status;
    if (status !== 'ready' && status !== 'wait') throw new Error(`redis is not ready (${status})`);
    const rows = await withTransaction(this.opts.pool, async (client) => {
      const batch = await client.query<OutboxRow>(
        `WITH batch AS (SELECT id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         DELETE FROM outbox o USING batch WHERE o.id = batch.id
         RETURNING o.id, o.queue, o.job_name, o.job_id, o.payload`,
        [this.opts.batchSize ?? 500],
      );
      const byQueue = new Map<string, OutboxRow[]>();
      for (const r of batch.rows) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r]);
      // Published before the delete commits: a crash in between publishes again, and the job ids make that harmless.
      await Promise.all([...byQueue].map(([name, items]) => this.queues.get(name).addBulk(items.map((r) => ({
        name: r.job_name,
        data: this.opts.publishAs ? this.opts.publishAs({ queue: r.queue, name: r.job_name, jobId: r.job_id, payload: r.payload }) : r.payload,
        opts: { ...this.opts.jobOptions(name), jobId: r.job_id },
      }))).catch((err: unknown) => {
        // A queue whose start failed with Redis away stays failed: made afresh on the next drain.
        this.queues.forget(name);
        throw err;
      })));
      return batch.rows;
    });
    if (rows.length === 0) return 0;
    this.published += rows.length;
    this.opts.onPublished?.(rows.map((r) => ({ queue: r.queue, name: r.job_name, jobId: r.job_id, payload: r.payload })));
    return rows.length;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.connectionString });
    client.on('error', (err) => {
      this.opts.logger.warn({ err: err.message }, 'outbox listener lost; reconnecting');
      this.listener = undefined;
      if (!this.stopped) setTimeout(() => void this.listen().catch(() => {}), 1_000).unref();
    });
    client.on('notification', () => void this.kick());
    try {
      await client.connect();
      await client.query(`LISTEN outbox_${this.opts.schema}`);
      this.listener = client;
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }

  private tick(): void {
    this.timer = setTimeout(() => {
      void this.kick().finally(() => { if (!this.stopped) this.tick(); });
    }, this.opts.pollIntervalMs ?? 1_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.draining;
    await this.listener?.end().catch(() => {});
    await this.queues.close();
  }
}
