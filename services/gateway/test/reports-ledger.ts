import { randomUUID } from 'node:crypto';
import { VILLAGES } from '@sutasoma/contracts';
import type { Pool } from '@sutasoma/ledger';
import { testPii } from '@sutasoma/testing';

/**
 * Generated activity written straight into the ledger tables, with timestamps in past months: the
 * public API stamps everything `now()`, so a month in the past can only be seeded this way. Rows
 * have the shape the flows write (registration result with membership, `posted` status events,
 * agent fees, claim payouts; personal data sealed and NIKs indexed with the test keys, as the gateway does).
 */

/** A small deterministic PRNG (mulberry32), so a failing run can be repeated. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Group { id: string; name: string; villageCode: string; kecamatanCode: string; memberCount: number }

export async function seedDirectory(pool: Pool, groups: readonly Group[], readAt = new Date()) {
  for (const g of groups) {
    await pool.query(
      `INSERT INTO simluhtan_groups (id, name, village_code, kecamatan_code, extension_worker_id, member_count, refresh_id, read_at)
       VALUES ($1, $2, $3, $4, NULL, $5, 'test', $6)
       ON CONFLICT (id) DO UPDATE SET member_count = EXCLUDED.member_count, read_at = EXCLUDED.read_at`,
      [g.id, g.name, g.villageCode, g.kecamatanCode, g.memberCount, readAt],
    );
  }
}

let serial = 0;
const nextNik = () => `7312${String(++serial).padStart(12, '0')}`;
const nextKpj = () => `9${String(serial).padStart(10, '0')}`;

export interface SeededParticipant { kpj: string; nik: string; agent: string; villageCode: string; groupId: string }

export async function seedParticipant(pool: Pool, p: { agent: string; group: Group; at: string; coveredUntil?: string | null; name?: string }): Promise<SeededParticipant> {
  const nik = nextNik();
  const kpj = nextKpj();
  const id = randomUUID();
  await pool.query(
    `INSERT INTO operations (id, kind, status, agent_id, village_code, nik_index, correlation_id, request, result, created_at, updated_at)
     VALUES ($1, 'registration', 'registered', $2, $3, $4, 'seed', $5, $6, $7, $7)`,
    [id, p.agent, p.group.villageCode, testPii.index(nik), testPii.protect({ nik, fullName: p.name ?? `Petani ${serial}`, villageCode: p.group.villageCode, declaredMonthlyIncome: 1_000_000 }),
      { kpj, membership: { farmerGroupId: p.group.id, farmerGroupName: p.group.name, extensionWorkerId: 'PNY-1', extensionWorkerName: 'Penyuluh' } }, p.at],
  );
  await pool.query(
    `INSERT INTO participants (kpj, nik_index, registration_id, agent_id, village_code, declared_income, has_card, covered_until, registered_at)
     VALUES ($1, $2, $3, $4, $5, 1000000, true, $6, $7)`,
    [kpj, testPii.index(nik), id, p.agent, p.group.villageCode, p.coveredUntil ?? null, p.at],
  );
  return { kpj, nik, agent: p.agent, villageCode: p.group.villageCode, groupId: p.group.id };
}

/** A contribution posted at `at`, buying `from`..`to` (YYYY-MM), with its agent's fee accrued that month. */
export async function seedContribution(pool: Pool, p: SeededParticipant, c: { at: string; from: string; to: string; months: number; amount: number; fee: number; agent?: string }) {
  const id = randomUUID();
  const agent = c.agent ?? p.agent;
  await pool.query(
    `INSERT INTO operations (id, kind, status, agent_id, village_code, nik_index, correlation_id, request, result, created_at, updated_at)
     VALUES ($1, 'contribution', 'posted', $2, $3, $4, 'seed', $5, $6, $7, $7)`,
    [id, agent, p.villageCode, testPii.index(p.nik), { kpj: p.kpj, months: c.months, channel: 'agent_cash', amount: c.amount },
      { bankReference: 'B', bpjsReceipt: 'R', coverage: { from: c.from, to: c.to } }, c.at],
  );
  await pool.query(
    `INSERT INTO operation_events (operation_id, at, kind, detail) VALUES ($1, $2, 'status_changed', '{"from":"paid","to":"posted"}')`, [id, c.at],
  );
  const period = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Makassar', year: 'numeric', month: '2-digit' }).format(new Date(c.at));
  await pool.query(
    `INSERT INTO agent_fees (agent_id, period, kind, operation_id, kpj, base_amount, amount, accrued_at) VALUES ($1, $2, 'contribution', $3, $4, $5, $6, $7)`,
    [agent, period, id, p.kpj, c.amount, c.fee, c.at],
  );
  return id;
}

export async function seedClaim(pool: Pool, p: SeededParticipant, c: { kind: 'jkk_claim' | 'jkm_claim'; reportedAt: string; paidAt?: string; payouts?: Record<string, number> }) {
  const id = randomUUID();
  const payouts = Object.fromEntries(Object.entries(c.payouts ?? {}).map(([to, amount]) => [to, { bankReference: 'P', amount }]));
  await pool.query(
    `INSERT INTO operations (id, kind, status, agent_id, village_code, nik_index, correlation_id, request, result, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'seed', $7, $8, $9, $9)`,
    [id, c.kind, c.paidAt ? 'paid' : 'submitted', p.agent, p.villageCode, testPii.index(p.nik), testPii.protect({ kpj: p.kpj, nik: p.nik }), c.paidAt ? { payouts } : {}, c.reportedAt],
  );
  if (c.paidAt) {
    await pool.query(`INSERT INTO operation_events (operation_id, at, kind, detail) VALUES ($1, $2, 'status_changed', '{"from":"approved","to":"paid"}')`, [id, c.paidAt]);
  }
  return id;
}

/** Two farmer groups in each of the first villages of every BPP. */
export function directoryGroups(rand: () => number, villagesPerBpp = 2): Group[] {
  const byBpp = new Map<string, typeof VILLAGES[number][]>();
  for (const v of VILLAGES) byBpp.set(v.kecamatanCode, [...(byBpp.get(v.kecamatanCode) ?? []), v]);
  return [...byBpp.values()].flatMap((vs) => vs.slice(0, villagesPerBpp)).flatMap((v) => [1, 2].map((n) => ({
    id: `KT-${v.code}-${n}`, name: `Poktan ${v.name} ${n}`, villageCode: v.code, kecamatanCode: v.kecamatanCode, memberCount: 20 + Math.floor(rand() * 40),
  })));
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A random instant inside a month, in Soppeng time. */
export function instantIn(rand: () => number, period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${period}-${pad(1 + Math.floor(rand() * days))}T${pad(Math.floor(rand() * 24))}:${pad(Math.floor(rand() * 60))}:00+08:00`;
}
