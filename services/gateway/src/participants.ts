import type { PoolClient } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';

export interface ParticipantRow {
  kpj: string;
  /** The NIK's blind index; the NIK and the name are in the registration's request, sealed (personOf). */
  nik_index: string;
  registration_request: Record<string, unknown>;
  registration_id: string;
  agent_id: string;
  village_code: string;
  declared_income: string;
  has_card: boolean;
  covered_until: string | null;
  months_paid: number;
}

/** A participant registered through SUTASOMA, by KPJ or NIK (its blind index), with its registration's request. */
export async function findParticipant(db: Pick<PoolClient, 'query'>, pii: Pii, by: { kpj: string } | { nik: string }): Promise<ParticipantRow | null> {
  const [column, value] = 'kpj' in by ? ['kpj', by.kpj] : ['nik_index', pii.index(by.nik)];
  const { rows } = await db.query<ParticipantRow>(
    `SELECT p.kpj, p.nik_index, r.request AS registration_request, p.registration_id, p.agent_id, p.village_code, p.declared_income,
            p.has_card, to_char(p.covered_until, 'YYYY-MM-DD') AS covered_until, p.months_paid
       FROM participants p JOIN operations r ON r.id = p.registration_id WHERE p.${column} = $1`,
    [value],
  );
  return rows[0] ?? null;
}

/** The participant's NIK and name, from its registration: one decryption, only where they are needed. */
export function personOf(pii: Pii, p: Pick<ParticipantRow, 'registration_request'>): { nik: string; fullName: string } {
  const { nik, fullName } = pii.reveal<{ nik: string; fullName: string }>(p.registration_request);
  return { nik, fullName };
}

/** The names participants registered under (their registration's), by NIK index: whom a benefit may be paid to. */
export async function registeredNames(db: Pick<PoolClient, 'query'>, pii: Pii, nikIndexes: readonly string[]): Promise<Map<string, string>> {
  if (nikIndexes.length === 0) return new Map();
  const { rows } = await db.query<{ nik_index: string; registration_request: Record<string, unknown> }>(
    `SELECT p.nik_index, r.request AS registration_request FROM participants p JOIN operations r ON r.id = p.registration_id WHERE p.nik_index = ANY($1)`,
    [[...new Set(nikIndexes)]],
  );
  return new Map(rows.map((r) => [r.nik_index, personOf(pii, r).fullName]));
}
