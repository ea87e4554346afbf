import type pg from 'pg';
import { withClient } from './db.ts';
import type { OutboxMessage } from './outbox.ts';
import type { IdempotencyScope } from './idempotency.ts';

export interface NewOperation {
  id: string;
  kind: string;
  agentId: string;
  villageCode: string;
  nik: string;
  correlationId: string;
  request: unknown;
  steps: { step: string; system: string; seq: number; idempotencyKey: string; state?: string; result?: Record<string, unknown> }[];
  outbox: OutboxMessage[];
  event: { kind: string; detail?: Record<string, unknown> };
  /** The first status; default `accepted`. */
  status?: string;
  /** The first result; default empty. */
  result?: Record<string, unknown>;
}

export type AcceptOutcome =
  | { kind: 'new' | 'replay'; id: string; status: string; createdAt: Date }
  | { kind: 'mismatch'; id: string }
  | { kind: 'in_progress' }
  | { kind: 'conflict'; id: string | null };

/** One command to accept: its idempotency key, the hash of its body, and the operation it becomes. */
export interface Acceptance {
  key: IdempotencyScope;
  requestHash: string;
  op: NewOperation;
}

interface OutcomeRow { ord: number; outcome: string; resource_id: string | null; status: string | null; created_at: Date | null }

function toOutcome(row: OutcomeRow | undefined): AcceptOutcome {
  switch (row?.outcome) {
    case 'new':
    case 'replay':
      return { kind: row.outcome, id: row.resource_id!, status: row.status!, createdAt: row.created_at! };
    case 'mismatch':
      return { kind: 'mismatch', id: row.resource_id! };
    case 'in_progress':
      return { kind: 'in_progress' };
    case 'conflict':
      return { kind: 'conflict', id: row.resource_id };
    default:
      throw new Error(`accept_operation answered ${JSON.stringify(row)}`);
  }
}

/**
 * Accepts commands in one statement, so in one transaction (the caller's, or its own on a pool) and
 * one COMMIT: see migrations/008_accept_operations.sql and, for each command, 005_claims.sql.
 * Answers in the order given.
 */
export async function acceptOperations(db: Pick<pg.Pool, 'query'>, batch: readonly Acceptance[]): Promise<AcceptOutcome[]> {
  const items = batch.map(({ key, requestHash, op }) => ({
    principal: key.principal, scope: key.scope, key: key.key, requestHash,
    id: op.id, kind: op.kind, agentId: op.agentId, villageCode: op.villageCode, nik: op.nik, correlationId: op.correlationId, request: op.request,
    steps: op.steps.map((s) => ({
      step: s.step, system: s.system, seq: s.seq, idempotency_key: s.idempotencyKey, state: s.state ?? 'pending', result: s.result ?? null,
    })),
    outbox: op.outbox.map((m) => ({ queue: m.queue, name: m.name, job_id: m.jobId, payload: m.payload })),
    event: op.event,
    status: op.status ?? 'accepted',
    result: op.result ?? {},
  }));
  const { rows } = await db.query<OutcomeRow>('SELECT * FROM accept_operations($1::jsonb)', [JSON.stringify(items)]);
  const byOrd = new Map(rows.map((r) => [r.ord, r]));
  return batch.map((_, i) => toOutcome(byOrd.get(i + 1)));
}

/** Accepts one command in one statement (one round trip, one transaction). */
export async function acceptOperation(db: Pick<pg.Pool, 'query'>, key: IdempotencyScope, requestHash: string, op: NewOperation): Promise<AcceptOutcome> {
  return (await acceptOperations(db, [{ key, requestHash, op }]))[0]!;
}

export interface GroupCommitOptions {
  /**
   * Commands in one transaction at most; default 64 (each new one opens a subtransaction for its
   * conflict check, and PostgreSQL caches 64 of them per transaction).
   */
  maxBatch?: number;
  /** Transactions in flight at once; default 2. */
  maxInFlight?: number;
  /** Commands waiting at most; one more is refused at once (the caller answers 503); default 10,000. */
  maxWaiting?: number;
}

/** Errors of the batch as a whole, not of any one command in it: the same batch may simply be sent again. */
const TRANSIENT = /^(08|40P01|40001|57P01|57P02|57P03)/;

/**
 * Group commit for acceptance: commands that arrive while earlier ones are being committed wait
 * and then go together, in one statement and one COMMIT; each caller's promise settles only after
 * that COMMIT. No timer: an idle gateway commits a lone command at once. A batch that fails as a
 * whole for a reason of its own (a dropped connection, a deadlock) is sent once more on another
 * connection (what it had committed answers as a replay); one that fails for one of its commands
 * (data the database refuses) is split in halves, each sent in turn on the same connection, until
 * the bad command fails alone.
 */
export class GroupCommit {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  /** Batches committed and commands in them, for metrics and the benchmark. */
  readonly stats = { batches: 0, commands: 0 };

  constructor(private readonly pool: pg.Pool, private readonly opts: GroupCommitOptions = {}) {}

  accept(key: IdempotencyScope, requestHash: string, op: NewOperation): Promise<AcceptOutcome> {
    if (this.waiting.length >= (this.opts.maxWaiting ?? 10_000)) return Promise.reject(new Error('too many commands waiting to be committed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ item: { key, requestHash, op }, resolve, reject, settled: false });
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
   * connection could still find its idempotency locks held and answer a good command "in progress".
   */
  private async commit(batch: Waiting[], retried = false): Promise<void> {
    try {
      await withClient(this.pool, (client) => this.send(client, batch));
    } catch (err) {
      const open = batch.filter((b) => !b.settled);
      if (!retried && TRANSIENT.test((err as { code?: string }).code ?? '')) return this.commit(open, true);
      for (const b of open) settle(b, err);
    }
  }

  /** Sends the commands as one statement; one that one command broke is split in halves, each sent in turn. */
  private async send(client: pg.PoolClient, batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await acceptOperations(client, batch.map((b) => b.item));
      this.stats.batches++;
      this.stats.commands += batch.length;
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

interface Waiting { item: Acceptance; resolve: (o: AcceptOutcome) => void; reject: (e: unknown) => void; settled: boolean }

function settle(w: Waiting, err: unknown, outcome?: AcceptOutcome): void {
  if (w.settled) return;
  w.settled = true;
  if (err) w.reject(err);
  else w.resolve(outcome!);
}
