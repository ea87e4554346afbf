import type pg from 'pg';
import { withClient } from './db.ts';

export interface GroupCommitOptions {
  /** Items in one transaction at most; default 64. */
  maxBatch?: number;
  /** Transactions in flight at once; default 2. */
  maxInFlight?: number;
  /** Items waiting at most; one more is refused at once (the caller answers 503 or retries); default 10,000. */
  maxWaiting?: number;
  /** Called with the size of each batch committed (a metric). */
  onCommitted?: (size: number) => void;
}

/**
 * Sends a batch in one transaction and answers each item, in the order given. It may be called
 * again on the same connection with a part of the batch: a failed call must leave no transaction open.
 */
export type SendBatch<I, O> = (client: pg.PoolClient, items: I[]) => Promise<O[]>;

/** Errors of the batch as a whole, not of any one item in it: the same batch may simply be sent again. */
const TRANSIENT = /^(08|40P01|40001|57P01|57P02|57P03)/;

/**
 * Group commit: items that arrive while earlier ones are being committed wait and then go
 * together, in one transaction and one COMMIT; each caller's promise settles only after that
 * COMMIT. No timer: an idle process commits a lone item at once. A batch that fails as a whole for
 * a reason of its own (a dropped connection, a deadlock) is sent once more on another connection;
 * one that fails for one of its items (data the database refuses) is split in halves, each sent in
 * turn on the same connection, until the bad item fails alone.
 */
export class GroupCommit<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  /** Batches committed and items in them. */
  readonly stats = { batches: 0, items: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly sendBatch: SendBatch<I, O>,
    private readonly opts: GroupCommitOptions = {},
  ) {}

  submit(item: I): Promise<O> {
    if (this.waiting.length >= (this.opts.maxWaiting ?? 10_000)) return Promise.reject(new Error('too many items waiting to be committed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject, settled: false });
      this.pump();
    });
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.inFlight < (this.opts.maxInFlight ?? 2)) {
      const batch = this.waiting.splice(0, this.opts.maxBatch ?? 64);
      this.inFlight++;
      void this.commit(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /**
   * The batch and every retry of its parts run on one connection, one after the other: node-pg
   * reports a failed statement before the server has finished rolling it back, so another
   * connection could still find the failed transaction's locks held.
   */
  private async commit(batch: Waiting<I, O>[], retried = false): Promise<void> {
    try {
      await withClient(this.pool, (client) => this.send(client, batch));
    } catch (err) {
      const open = batch.filter((b) => !b.settled);
      if (!retried && TRANSIENT.test((err as { code?: string }).code ?? '')) return this.commit(open, true);
      for (const b of open) settle(b, err);
    }
  }

  /** Sends the items as one batch; one that one item broke is split in halves, each sent in turn. */
  private async send(client: pg.PoolClient, batch: Waiting<I, O>[]): Promise<void> {
    try {
      const outcomes = await this.sendBatch(client, batch.map((b) => b.item));
      this.stats.batches++;
      this.stats.items += batch.length;
      this.opts.onCommitted?.(batch.length);
      batch.forEach((b, i) => settle(b, null, outcomes[i]));
    } catch (err) {
      // Trouble of the batch as a whole (the connection, a deadlock): commit() sends what is left once more.
      if (TRANSIENT.test((err as { code?: string }).code ?? '')) throw err;
      if (batch.length === 1) {
        settle(batch[0]!, err);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.send(client, batch.slice(0, half));
      await this.send(client, batch.slice(half));
    }
  }
}

interface Waiting<I, O> { item: I; resolve: (o: O) => void; reject: (e: unknown) => void; settled: boolean }

function settle<I, O>(w: Waiting<I, O>, err: unknown, outcome?: O): void {
  if (w.settled) return;
  w.settled = true;
  if (err) w.reject(err);
  else w.resolve(outcome!);
}
