import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '@sutasoma/ledger';
import { testPii } from '@sutasoma/testing';

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
  /** The NIK's blind index; the NIK is in the request, sealed under the run's keys. */
  nik_index: string;
  request: Record<string, unknown>;
  kpj: string | null;
}

export interface Tally {
  accepted: number;
  completed: number;
  lost: number;
  duplicated: number;
  /** Operations not terminal at the end of the drain: still moving, neither completed nor lost. */
  unfinished: number;
  byStatus: Record<string, number>;
  /** Accepted operations that ended (or vanished) without completing, with why. */
  lostIds: { id: string; kind: string; status: string; why: string }[];
  /** Accepted operations not terminal yet, with where they are. */
  unfinishedIds: { id: string; kind: string; status: string; why: string }[];
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
 * request (the farmer under the ledger's KPJ; the posting under the operation's requestId); lost
 * when it is missing from the ledger, ended otherwise, or succeeded without BPJS holding it;
 * unfinished (neither) while it is not terminal; duplicated when BPJS holds a farmer or a contribution's KPJ more than once, or the ledger holds
 * more than one operation of a kind for a farmer.
 */
export async function tally(pool: Pool, simUrl: string, ids: readonly string[]): Promise<Tally> {
  const { rows } = await pool.query<OperationRow>(
    `SELECT id, kind, status, nik_index, request, CASE kind WHEN 'registration' THEN result->>'kpj' ELSE request->>'kpj' END AS kpj
       FROM operations WHERE id = ANY($1::uuid[])`, [ids],
  );
  const participants = groupBy(await simList<Participant>(simUrl, '/_sim/bpjs/participants'), (p) => p.nik);
  const postings = groupBy(await simList<Posting>(simUrl, '/_sim/bpjs/contributions'), (p) => p.kpj);

  const t: Tally = { accepted: ids.length, completed: 0, lost: 0, duplicated: 0, unfinished: 0, byStatus: {}, lostIds: [], unfinishedIds: [], duplicates: [] };
  const found = new Set(rows.map((r) => r.id));
  for (const id of ids) if (!found.has(id)) t.lostIds.push({ id, kind: '?', status: 'missing', why: 'answered 202 but not in the ledger' });

  for (const op of rows) {
    t.byStatus[`${op.kind}:${op.status}`] = (t.byStatus[`${op.kind}:${op.status}`] ?? 0) + 1;
    const nik = op.kind === 'registration' ? testPii.reveal<{ nik: string }>(op.request).nik : '';
    const atPartner = op.kind === 'registration' ? participants.get(nik) ?? [] : postings.get(op.kpj ?? '') ?? [];
    if (atPartner.length > 1) {
      t.duplicates.push({ kind: op.kind, key: op.kind === 'registration' ? `nik ${nik}` : `kpj ${op.kpj}`, count: atPartner.length, where: 'partner' });
    }
    if (!TERMINAL.includes(op.status)) {
      t.unfinishedIds.push({ id: op.id, kind: op.kind, status: op.status, why: `ledger status ${op.status}` });
      continue;
    }
    let why: string | null = null;
    if (op.status !== SUCCEEDED[op.kind]) why = `ledger status ${op.status}`;
    else if (op.kind === 'registration' && !atPartner.some((p) => p.kpj === op.kpj)) why = `BPJS has no participant with the ledger's KPJ ${op.kpj}`;
    else if (op.kind === 'contribution' && !atPartner.some((p) => p.requestId === `${op.id}:bpjs.post_contribution`)) why = 'BPJS has no posting of it';
    if (why) t.lostIds.push({ id: op.id, kind: op.kind, status: op.status, why });
    else t.completed++;
  }

  const indexes = [...new Set(rows.map((r) => r.nik_index))];
  const twice = await pool.query<{ kind: string; nik_index: string; n: string }>(
    `SELECT kind, nik_index, count(*) AS n FROM operations WHERE nik_index = ANY($1) AND kind IN ('registration', 'contribution')
      GROUP BY kind, nik_index HAVING count(*) > 1`, [indexes],
  );
  for (const r of twice.rows) t.duplicates.push({ kind: r.kind, key: `nik index ${r.nik_index}`, count: Number(r.n), where: 'ledger' });

  t.lost = t.lostIds.length;
  t.unfinished = t.unfinishedIds.length;
  t.duplicated = t.duplicates.length;
  return t;
}

/** A hospital stay the harness started at the simulator: the farmer and the encounter the case must carry. */
export interface Stay { nik: string; kpj: string; encounterId: string }

/** Statuses a claim case never leaves; `paid` is the successful one. */
export const CLAIM_TERMINAL = ['paid', 'rejected', 'failed'];

interface CaseRow { id: string; status: string; nik: string; encounter_id: string | null; plkk_case_id: string | null; submitted: boolean }

/** Every accident case of these farmers in the ledger (found by their NIKs' blind index), with whether BPJS has been sent its claim. */
async function casesOf(pool: Pool, niks: readonly string[]): Promise<CaseRow[]> {
  const nikOf = new Map(niks.map((nik) => [testPii.index(nik), nik]));
  const { rows } = await pool.query<Omit<CaseRow, 'nik'> & { nik_index: string }>(
    `SELECT o.id, o.status, o.nik_index, o.result->>'encounterId' AS encounter_id, o.result->>'plkkCaseId' AS plkk_case_id,
            EXISTS (SELECT 1 FROM operation_steps s WHERE s.operation_id = o.id AND s.step = 'bpjs.submit_claim' AND s.state = 'succeeded') AS submitted
       FROM operations o WHERE o.kind = 'jkk_claim' AND o.nik_index = ANY($1)`, [[...nikOf.keys()]],
  );
  return rows.map(({ nik_index: index, ...c }) => ({ ...c, nik: nikOf.get(index)! }));
}

/** Stays with no case in the ledger yet (by encounterId) plus cases not terminal. */
export async function openStays(pool: Pool, stays: readonly Stay[]): Promise<{ open: number; submittedOrEnded: number }> {
  const cases = await casesOf(pool, stays.map((s) => s.nik));
  const byEncounter = new Map(cases.map((c) => [c.encounter_id, c]));
  let open = 0;
  let submittedOrEnded = 0;
  for (const s of stays) {
    const c = byEncounter.get(s.encounterId);
    if (!c || !CLAIM_TERMINAL.includes(c.status)) open++;
    if (c && (c.submitted || CLAIM_TERMINAL.includes(c.status))) submittedOrEnded++;
  }
  return { open, submittedOrEnded };
}

/** Waits until every stay has its case and every case is terminal, or the deadline; returns the stays still open. */
export async function settleClaims(pool: Pool, stays: readonly Stay[], deadline: number): Promise<number> {
  for (;;) {
    const { open } = await openStays(pool, stays);
    if (open === 0 || Date.now() >= deadline) return open;
    await sleep(250);
  }
}

/**
 * Resolves once every stay's case has been submitted to BPJS or ended, or once that count has not
 * grown for `quietMs` (a notification still held out of order keeps its case waiting), or at `maxMs`.
 */
export async function claimsSubmitted(pool: Pool, stays: readonly Stay[], quietMs = 3000, maxMs = 60_000): Promise<void> {
  const until = Date.now() + maxMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < until) {
    const { submittedOrEnded } = await openStays(pool, stays);
    if (submittedOrEnded >= stays.length) return;
    if (submittedOrEnded !== last) { last = submittedOrEnded; since = Date.now(); }
    if (Date.now() - since >= quietMs) return;
    await sleep(250);
  }
}

type BpjsClaim = { claimRef: string };
type PlkkCase = { caseId: string; caseRef: string; encounterId: string };
type Transfer = { remark?: string | null };
type Credit = { reference: string };

/**
 * Counts the hospital stays started against the ledger and the simulated partners: a stay is
 * completed when its case (found by encounterId) is `paid` in the ledger, BPJS holds its claimRef
 * exactly once, and the bank made exactly one transfer to the hospital (the PLKK case id in the
 * remark) and e-Kartu Tani exactly one card credit; unfinished while its case has not appeared or is
 * not terminal; lost when its case ended otherwise or a partner does not hold it once. Duplicated: a farmer with more than one case, a claimRef BPJS holds
 * more than once, more than one hospital transfer or card credit for a case, more than one PLKK
 * case for an encounter.
 */
export async function tallyClaims(pool: Pool, simUrl: string, stays: readonly Stay[]): Promise<Tally> {
  const cases = await casesOf(pool, stays.map((s) => s.nik));
  const bpjs = groupBy(await simList<BpjsClaim>(simUrl, '/_sim/bpjs/claims'), (c) => c.claimRef);
  const plkk = groupBy(await simList<PlkkCase>(simUrl, '/_sim/plkk/cases'), (c) => c.encounterId);
  const transfers = groupBy(await simList<Transfer>(simUrl, '/_sim/bank/transfers'), (x) => /SUTASOMA JKK (\S+)/.exec(x.remark ?? '')?.[1] ?? '');
  const credits = groupBy(await simList<Credit>(simUrl, '/_sim/ekartutani/credits'), (x) => x.reference.split(':')[0] ?? '');

  const t: Tally = { accepted: stays.length, completed: 0, lost: 0, duplicated: 0, unfinished: 0, byStatus: {}, lostIds: [], unfinishedIds: [], duplicates: [] };
  const byEncounter = groupBy(cases.filter((c) => c.encounter_id), (c) => c.encounter_id!);
  for (const c of cases) {
    t.byStatus[`jkk_claim:${c.status}`] = (t.byStatus[`jkk_claim:${c.status}`] ?? 0) + 1;
    const atBpjs = bpjs.get(c.id)?.length ?? 0;
    const toHospital = c.plkk_case_id ? transfers.get(c.plkk_case_id)?.length ?? 0 : 0;
    const credited = credits.get(c.id)?.length ?? 0;
    if (atBpjs > 1) t.duplicates.push({ kind: 'jkk_claim', key: `claimRef ${c.id}`, count: atBpjs, where: 'partner' });
    if (toHospital > 1) t.duplicates.push({ kind: 'jkk_claim', key: `hospital transfer of ${c.plkk_case_id}`, count: toHospital, where: 'partner' });
    if (credited > 1) t.duplicates.push({ kind: 'jkk_claim', key: `card credit of ${c.id}`, count: credited, where: 'partner' });
  }
  for (const s of stays) {
    const atPlkk = plkk.get(s.encounterId)?.length ?? 0;
    if (atPlkk > 1) t.duplicates.push({ kind: 'jkk_claim', key: `PLKK cases of encounter ${s.encounterId}`, count: atPlkk, where: 'partner' });
    const found = byEncounter.get(s.encounterId) ?? [];
    const c = found[0];
    if (!c || !CLAIM_TERMINAL.includes(c.status)) {
      const where = c ? `ledger status ${c.status}` : 'the hospital stay started but no case in the ledger carries its encounter yet';
      t.unfinishedIds.push({ id: c?.id ?? `encounter ${s.encounterId}`, kind: 'jkk_claim', status: c?.status ?? 'missing', why: where });
      continue;
    }
    let why: string | null = null;
    if (c.status !== 'paid') why = `ledger status ${c.status}`;
    else if ((bpjs.get(c.id)?.length ?? 0) !== 1) why = `BPJS holds the claim ${bpjs.get(c.id)?.length ?? 0} times`;
    else if (!c.plkk_case_id || (transfers.get(c.plkk_case_id)?.length ?? 0) !== 1) why = `${c.plkk_case_id ? transfers.get(c.plkk_case_id)?.length ?? 0 : 'no PLKK case id, so no'} transfers to the hospital`;
    else if ((credits.get(c.id)?.length ?? 0) !== 1) why = `${credits.get(c.id)?.length ?? 0} card credits`;
    if (why) t.lostIds.push({ id: c.id, kind: 'jkk_claim', status: c.status, why });
    else t.completed++;
  }
  for (const [nik, of] of groupBy(cases, (c) => c.nik)) {
    if (of.length > 1) t.duplicates.push({ kind: 'jkk_claim', key: `nik ${nik}`, count: of.length, where: 'ledger' });
  }
  t.lost = t.lostIds.length;
  t.unfinished = t.unfinishedIds.length;
  t.duplicated = t.duplicates.length;
  return t;
}
