import { createHash } from 'node:crypto';
import type pg from 'pg';

export interface IdempotencyScope {
  principal: string;
  scope: string;
  key: string;
}

export type IdempotencyOutcome =
  | { kind: 'new' }
  | { kind: 'replay'; resourceId: string }
  | { kind: 'mismatch'; resourceId: string }
  | { kind: 'in_progress' };

/** A stable hash of a JSON body: keys sorted, so field order does not matter. */
export function hashBody(body: unknown): string {
  return createHash('sha256').update(stableStringify(body)).digest('hex');
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Claims an idempotency key inside the caller's transaction. A transaction-scoped advisory lock
 * makes a concurrent request with the same key answer `in_progress` at once instead of waiting.
 */
export async function claimIdempotencyKey(client: pg.PoolClient, s: IdempotencyScope, requestHash: string): Promise<IdempotencyOutcome> {
  const lock = await client.query<{ ok: boolean }>(
    'SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) AS ok',
    [`${s.principal}|${s.scope}`, s.key],
  );
  if (!lock.rows[0]?.ok) return { kind: 'in_progress' };
  const found = await client.query<{ request_hash: string; resource_id: string }>(
    'SELECT request_hash, resource_id FROM idempotency_keys WHERE principal = $1 AND scope = $2 AND key = $3',
    [s.principal, s.scope, s.key],
  );
  const row = found.rows[0];
  if (!row) return { kind: 'new' };
  return row.request_hash === requestHash ? { kind: 'replay', resourceId: row.resource_id } : { kind: 'mismatch', resourceId: row.resource_id };
}

export async function recordIdempotencyKey(client: pg.PoolClient, s: IdempotencyScope, requestHash: string, resourceId: string): Promise<void> {
  await client.query(
    'INSERT INTO idempotency_keys (principal, scope, key, request_hash, resource_id) VALUES ($1, $2, $3, $4, $5)',
    [s.principal, s.scope, s.key, requestHash, resourceId],
  );
}
