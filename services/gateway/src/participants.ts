import type { PoolClient } from '@sutasoma/ledger';

export interface ParticipantRow {
  kpj: string;
  nik: string;
  full_name: string;
  registration_id: string;
  agent_id: string;
  village_code: string;
  declared_income: string;
  has_card: boolean;
  covered_until: string | null;
  months_paid: number;
}

/** A participant registered through SUTASOMA, by KPJ or NIK, with the name from its registration. */
export async function findParticipant(db: Pick<PoolClient, 'query'>, by: { kpj: string } | { nik: string }): Promise<ParticipantRow | null> {
  const [column, value] = 'kpj' in by ? ['kpj', by.kpj] : ['nik', by.nik];
  const { rows } = await db.query<ParticipantRow>(
    `SELECT p.kpj, p.nik, r.request->>'fullName' AS full_name, p.registration_id, p.agent_id, p.village_code, p.declared_income,
            p.has_card, to_char(p.covered_until, 'YYYY-MM-DD') AS covered_until, p.months_paid
       FROM participants p JOIN operations r ON r.id = p.registration_id WHERE p.${column} = $1`,
    [value],
  );
  return rows[0] ?? null;
}

/** The names participants registered under (their registration's), by NIK: whom a benefit may be paid to. */
export async function registeredNames(db: Pick<PoolClient, 'query'>, niks: readonly string[]): Promise<Map<string, string>> {
  if (niks.length === 0) return new Map();
  const { rows } = await db.query<{ nik: string; full_name: string }>(
    `SELECT p.nik, r.request->>'fullName' AS full_name FROM participants p JOIN operations r ON r.id = p.registration_id WHERE p.nik = ANY($1)`,
    [[...new Set(niks)]],
  );
  return new Map(rows.map((r) => [r.nik, r.full_name]));
}
