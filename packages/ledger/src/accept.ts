import type pg from 'pg';
import { GroupCommit, type GroupCommitOptions } from './group-commit.ts';
import type { OutboxMessage } from './outbox.ts';
import type { IdempotencyScope } from './idempotency.ts';

export interface NewOperation {
  id: string;
  kind: string;
  agentId: string;
  villageCode: string;
  /** The farmer's NIK as its blind index (Pii.index): what one-open-per-farmer is kept by, never the NIK. */
  nikIndex: string;
  correlationId: string;
  /** The request as stored: its personal fields already sealed (Pii.protect). */
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
    id: op.id, kind: op.kind, agentId: op.agentId, villageCode: op.villageCode, nikIndex: op.nikIndex, correlationId: op.correlationId, request: op.request,
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

/**
 * Group commit for acceptance: commands that arrive together are accepted in one statement and one
 * COMMIT, each answered after it. At most 64 commands a batch: each new one opens a subtransaction
 * for its conflict check, and PostgreSQL caches 64 of them per transaction.
 */
export class Acceptor extends GroupCommit<Acceptance, AcceptOutcome> {
  constructor(pool: pg.Pool, opts: GroupCommitOptions = {}) {
    super(pool, (client, items) => acceptOperations(client, items), { maxBatch: 64, ...opts });
  }

  accept(key: IdempotencyScope, requestHash: string, op: NewOperation): Promise<AcceptOutcome> {
    return this.submit({ key, requestHash, op });
  }
}
