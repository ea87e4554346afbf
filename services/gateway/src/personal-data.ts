import { hashBody, inTransaction, type Pool, type PoolClient } from '@sutasoma/ledger';
import { PERSONAL_FIELDS, type Pii } from '@sutasoma/pii';
import type { Logger } from '@sutasoma/service-kit';

/**
 * What an Idempotency-Key remembers of its body: a keyed hash (Pii.digest) of the body's canonical
 * hash, never a plain hash (a NIK, a birth date and a name are few enough to be guessed from one).
 * Keyed over the plain hash, so that the keys of a ledger written before are keyed in place (sealLedger).
 */
export const requestHash = (pii: Pii, body: unknown): string => pii.digest(hashBody(body));

export interface SealCounts {
  operations: number;
  participants: number;
  outbox: number;
  idempotencyKeys: number;
}

const CLEAR_NIK = '^[0-9]{16}$';
const isClearNik = (v: string) => /^[0-9]{16}$/.test(v);
const PLAIN_HASH = '^[0-9a-f]{64}$';

/**
 * Brings a ledger to what this version writes, in batches of `batchSize` rows, each batch its own
 * transaction, so an interrupted pass resumes where it stopped and a finished one finds nothing:
 *   - rows a version before #12 wrote in clear: an operation's NIK becomes its blind index and its
 *     request's personal fields are sealed, a participant's NIK its blind index, a queued job's
 *     input sealed, an idempotency key's plain hash keyed (Pii.digest of it, as requestHash does);
 *   - rows sealed under a key that is no longer the first of PII_KEYS: sealed again under it (a
 *     rotation), after which the old key can leave the ring (see the README on what Redis still holds).
 * The gateway runs it at start, after the migrations and before it serves: a registration is never
 * checked against a ledger that still holds NIKs in clear. One pass at a time (an advisory lock).
 */
export async function sealLedger(pool: Pool, pii: Pii, opts: { schema: string; batchSize?: number; logger?: Logger } = { schema: 'public' }): Promise<SealCounts> {
  const limit = opts.batchSize ?? 500;
  const prefix = pii.sealedPrefix;
  const counts: SealCounts = { operations: 0, participants: 0, outbox: 0, idempotencyKeys: 0 };
  /** Runs batches until one finds nothing; each is given the last key of the one before. */
  const batches = async <K>(first: K, batch: (tx: PoolClient, after: K) => Promise<{ done: number; last: K | null }>) => {
    let total = 0;
    for (let after: K | null = first; after !== null;) {
      const res: { done: number; last: K | null } = await inTransaction(client, (tx) => batch(tx, after!));
      total += res.done;
      after = res.last;
    }
    return total;
  };
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`seal-ledger:${opts.schema}`]);

    counts.operations = await batches('00000000-0000-0000-0000-000000000000', async (tx, after) => {
      const { rows } = await tx.query<{ id: string; nik_index: string; request: Record<string, unknown> }>(
        `SELECT id, nik_index, request FROM operations
          WHERE id > $1 AND (nik_index ~ $3 OR (request ? 'pii' AND left(request->>'pii', length($4)) <> $4))
          ORDER BY id LIMIT $2 FOR UPDATE`,
        [after, limit, CLEAR_NIK, prefix],
      );
      const sealed = rows.map((r) => ({
        id: r.id,
        nik_index: isClearNik(r.nik_index) ? pii.index(r.nik_index) : r.nik_index,
        request: pii.protect(pii.reveal(r.request)),
      }));
      if (sealed.length > 0) {
        await tx.query(
          `UPDATE operations o SET nik_index = x.nik_index, request = x.request
             FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, nik_index text, request jsonb) WHERE o.id = x.id`,
          [JSON.stringify(sealed)],
        );
      }
      return { done: rows.length, last: rows.length === limit ? rows.at(-1)!.id : null };
    });

    counts.participants = await batches('', async (tx, after) => {
      const { rows } = await tx.query<{ kpj: string; nik_index: string }>(
        'SELECT kpj, nik_index FROM participants WHERE kpj > $1 AND nik_index ~ $3 ORDER BY kpj LIMIT $2 FOR UPDATE', [after, limit, CLEAR_NIK],
      );
      if (rows.length > 0) {
        await tx.query(
          `UPDATE participants p SET nik_index = x.nik_index FROM jsonb_to_recordset($1::jsonb) AS x(kpj text, nik_index text) WHERE p.kpj = x.kpj`,
          [JSON.stringify(rows.map((r) => ({ kpj: r.kpj, nik_index: pii.index(r.nik_index) })))],
        );
      }
      return { done: rows.length, last: rows.length === limit ? rows.at(-1)!.kpj : null };
    });

    counts.outbox = await batches('0', async (tx, after) => {
      const { rows } = await tx.query<{ id: string; payload: { input?: Record<string, unknown> } }>(
        `SELECT id, payload FROM outbox
          WHERE id > $1::bigint AND (payload->'input' ?| $3::text[] OR (payload->'input' ? 'pii' AND left(payload->'input'->>'pii', length($4)) <> $4))
          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [after, limit, [...PERSONAL_FIELDS], prefix],
      );
      if (rows.length > 0) {
        await tx.query(
          'UPDATE outbox o SET payload = x.payload FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, payload jsonb) WHERE o.id = x.id',
          [JSON.stringify(rows.map((r) => ({ id: r.id, payload: { ...r.payload, input: pii.protect(pii.reveal(r.payload.input ?? {})) } })))],
        );
      }
      return { done: rows.length, last: rows.length === limit ? rows.at(-1)!.id : null };
    });

    counts.idempotencyKeys = await batches<[string, string, string]>(['', '', ''], async (tx, after) => {
      const { rows } = await tx.query<{ principal: string; scope: string; key: string; request_hash: string }>(
        `SELECT principal, scope, key, request_hash FROM idempotency_keys
          WHERE (principal, scope, key) > ($1, $2, $3) AND request_hash ~ $5
          ORDER BY principal, scope, key LIMIT $4 FOR UPDATE`,
        [...after, limit, PLAIN_HASH],
      );
      if (rows.length > 0) {
        await tx.query(
          `UPDATE idempotency_keys k SET request_hash = x.request_hash
             FROM jsonb_to_recordset($1::jsonb) AS x(principal text, scope text, key text, request_hash text)
            WHERE k.principal = x.principal AND k.scope = x.scope AND k.key = x.key`,
          [JSON.stringify(rows.map((r) => ({ ...r, request_hash: pii.digest(r.request_hash) })))],
        );
      }
      const last = rows.at(-1);
      return { done: rows.length, last: rows.length === limit && last ? [last.principal, last.scope, last.key] : null };
    });

    const total = counts.operations + counts.participants + counts.outbox + counts.idempotencyKeys;
    if (total > 0) opts.logger?.info({ ...counts, keyId: pii.keyId }, 'ledger rows sealed under the current personal-data key');
    return counts;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`seal-ledger:${opts.schema}`]).catch(() => {});
    client.release();
  }
}
