import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '@sutasoma/ledger';

/** Statuses an operation never leaves; `registered` and `posted` are the successful ones. */
export const TERMINAL = ['registered', 'rejected', 'failed', 'posted', 'expired'];
const SUCCEEDED = { registration: 'registered', contribution: 'posted' } as const;

/** Waits until every operation is terminal, or the deadline; returns the operations still open. */
export async function settle(pool: Pool, ids: readonly string[], deadline: number): Promise<number> {
  for (;;) {
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM operations WHERE id = ANY($1::uuid[]) AND status <> ALL($2)', [ids, TERMINAL]);
    const open = Number(rows[0]!.n);
    if (open === 0 || Date.now() >= deadline) return open;
    await sleep(250);
  }
}

interface OperationRow {
  id: string;
  kind: 'registration' | 'contribution';
  status: string;
  nik: string;
  kpj: string | null;
}

export interface Tally {
  accepted: number;
  completed: number;
  lost: number;
  duplicated: number;
  /** Operations not terminal at the end of the drain. */
  unfinished: number;
  byStatus: Record<string, number>;
  /** Accepted operations not completed, with why. */
  lostIds: { id: string; kind: string; status: string; why: string }[];
  duplicates: { kind: string; key: string; count: number; where: 'partner' | 'ledger' }[];
}

interface SimList<T> { items: T[] }
type Participant = { kpj: string; nik: string; requestId: string };
type Posting = { kpj: string; requestId: string; receipt: string };

async function simList<T>(simUrl: string, path: string): Promise<T[]> {
  const res = await fetch(`${simUrl}${path}`);
  if (!res.ok) throw new Error(`simulator GET ${path}: ${res.status}`);
  return ((await res.json()) as SimList<T>).items;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const t of items) map.set(key(t), [...(map.get(key(t)) ?? []), t]);
  return map;
}

/**
 * Counts, for the accepted operations, what the gateway's ledger and the simulated BPJS say: an
 * operation is completed when the ledger shows it succeeded and BPJS holds it under the same
 * request (the farmer under the ledger's KPJ; the posting under the operation's requestId);
 * duplicated when BPJS holds a farmer or a contribution's KPJ more than once, or the ledger holds
 * more than one operation of a kind for a farmer.
 */
export async function tally(pool: Pool, simUrl: string, ids: readonly string[]): Promise<Tally> {
  const { rows } = await pool.query<OperationRow>(
    `SELECT id, kind, status, nik, CASE kind WHEN 'registration' THEN result->>'kpj' ELSE request->>'kpj' END AS kpj
       FROM operations WHERE id = ANY($1::uuid[])`, [ids],
  );
  const participants = groupBy(await simList<Participant>(simUrl, '/_sim/bpjs/participants'), (p) => p.nik);
  const postings = groupBy(await simList<Posting>(simUrl, '/_sim/bpjs/contributions'), (p) => p.kpj);

  const t: Tally = { accepted: ids.length, completed: 0, lost: 0, duplicated: 0, unfinished: 0, byStatus: {}, lostIds: [], duplicates: [] };
  const found = new Set(rows.map((r) => r.id));
  for (const id of ids) if (!found.has(id)) t.lostIds.push({ id, kind: '?', status: 'missing', why: 'answered 202 but not in the ledger' });

  for (const op of rows) {
    t.byStatus[`${op.kind}:${op.status}`] = (t.byStatus[`${op.kind}:${op.status}`] ?? 0) + 1;
    if (!TERMINAL.includes(op.status)) t.unfinished++;
    const atPartner = op.kind === 'registration' ? participants.get(op.nik) ?? [] : postings.get(op.kpj ?? '') ?? [];
    if (atPartner.length > 1) {
      t.duplicates.push({ kind: op.kind, key: op.kind === 'registration' ? `nik ${op.nik}` : `kpj ${op.kpj}`, count: atPartner.length, where: 'partner' });
    }
    let why: string | null = null;
    if (op.status !== SUCCEEDED[op.kind]) why = `ledger status ${op.status}`;
    else if (op.kind === 'registration' && !atPartner.some((p) => p.kpj === op.kpj)) why = `BPJS has no participant with the ledger's KPJ ${op.kpj}`;
    else if (op.kind === 'contribution' && !atPartner.some((p) => p.requestId === `${op.id}:bpjs.post_contribution`)) why = 'BPJS has no posting of it';
    if (why) t.lostIds.push({ id: op.id, kind: op.kind, status: op.status, why });
    else t.completed++;
  }

  const niks = [...new Set(rows.map((r) => r.nik))];
  const twice = await pool.query<{ kind: string; nik: string; n: string }>(
    'SELECT kind, nik, count(*) AS n FROM operations WHERE nik = ANY($1) GROUP BY kind, nik HAVING count(*) > 1', [niks],
  );
  for (const r of twice.rows) t.duplicates.push({ kind: r.kind, key: `nik ${r.nik}`, count: Number(r.n), where: 'ledger' });

  t.lost = t.lostIds.length;
  t.duplicated = t.duplicates.length;
  return t;
}
