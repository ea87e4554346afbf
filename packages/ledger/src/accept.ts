import type pg from 'pg';
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

/**
 * Accepts an operation under an idempotency key in one statement (one round trip, one
 * transaction): see migrations/005_claims.sql (its latest form).
 */
export async function acceptOperation(db: Pick<pg.Pool, 'query'>, key: IdempotencyScope, requestHash: string, op: NewOperation): Promise<AcceptOutcome> {
  const { rows } = await db.query<{ outcome: string; resource_id: string | null; status: string | null; created_at: Date | null }>(
    'SELECT * FROM accept_operation($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)',
    [
      key.principal, key.scope, key.key, requestHash,
      op.id, op.kind, op.agentId, op.villageCode, op.nik, op.correlationId, JSON.stringify(op.request),
      JSON.stringify(op.steps.map((s) => ({
        step: s.step, system: s.system, seq: s.seq, idempotency_key: s.idempotencyKey, state: s.state ?? 'pending', result: s.result ?? null,
      }))),
      JSON.stringify(op.outbox.map((m) => ({ queue: m.queue, name: m.name, job_id: m.jobId, payload: m.payload }))),
      JSON.stringify(op.event),
      op.status ?? 'accepted',
      JSON.stringify(op.result ?? {}),
    ],
  );
  const row = rows[0];
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
