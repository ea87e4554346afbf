import { KECAMATAN, VILLAGES, findKecamatan, findVillage, type ReportFigures, type ReportLevel, type ReportRow } from '@sutasoma/contracts';
import type { PoolClient } from '@sutasoma/ledger';
import { coverageState, lastDayOf, monthIndex, monthOf } from '../coverage.ts';

/**
 * A month's figures, computed only from what the ledger held at the month's end (Asia/Makassar):
 * registrations by `participants.registered_at`, contributions by the time their operation became
 * `posted`, coverage at month end from the months those contributions bought, claims by the time
 * they were reported and paid, fees by `agent_fees.period`. Every fact is attributed once to a
 * village, a farmer group and an agent, so every level's rows sum to the same totals.
 */

export const LEVELS: readonly ReportLevel[] = ['bpp', 'village', 'group', 'agent'];
export const COUNT_FIELDS = [
  'registrations', 'activeParticipants', 'pendingFirstPayment', 'inArrears', 'lapsed', 'contributions', 'contributionsAmount',
  'jkkReported', 'jkkPaid', 'jkkPaidAmount', 'jkmReported', 'jkmPaid', 'jkmPaidAmount', 'agentFees',
] as const satisfies readonly (keyof ReportFigures)[];
type CountField = (typeof COUNT_FIELDS)[number];

const WITA_OFFSET = '+08:00';
/** The instant a month starts in Soppeng. */
export const monthStart = (period: string) => `${period}-01T00:00:00${WITA_OFFSET}`;
/** The first instant after the month, in Soppeng: what the ledger held before it is the month's data. */
export const monthCutoff = (period: string) => monthStart(monthOf(monthIndex(period) + 1));
export const previousPeriod = (period: string) => monthOf(monthIndex(period) - 1);

export interface ComputedReport {
  rows: Record<ReportLevel, ReportRow[]>;
  totals: ReportFigures;
  directoryAsOf: string | null;
}

interface Dims {
  village: string;
  group: string | null;
  groupName: string | null;
  agent: string;
}

const emptyCounts = (): Record<CountField, number> => Object.fromEntries(COUNT_FIELDS.map((f) => [f, 0])) as Record<CountField, number>;

const withRate = (c: Record<CountField, number>, listed: number | null): ReportFigures => ({
  ...c,
  listedFarmers: listed,
  coverageRate: listed ? Math.round((c.activeParticipants / listed) * 10_000) / 10_000 : null,
});

const NO_GROUP = '(no group)';

/** Reads the ledger (inside the caller's transaction) and aggregates the month at every level. */
export async function computeReport(db: Pick<PoolClient, 'query'>, period: string, lapseAfterMonths: number): Promise<ComputedReport> {
  const start = monthStart(period);
  const cutoff = monthCutoff(period);
  const monthEnd = lastDayOf(period);

  const participants = await db.query<{ kpj: string; agent_id: string; village_code: string; group_id: string | null; group_name: string | null; registered_in_month: boolean; covered_to: string | null }>(
    `WITH posted AS (
       SELECT o.request->>'kpj' AS kpj, max(o.result->'coverage'->>'to') AS covered_to
         FROM operations o
        WHERE o.kind = 'contribution' AND o.status = 'posted'
          AND EXISTS (SELECT 1 FROM operation_events e WHERE e.operation_id = o.id AND e.kind = 'status_changed'
                        AND e.detail->>'to' = 'posted' AND e.at < $2::timestamptz)
        GROUP BY 1)
     SELECT p.kpj, p.agent_id, p.village_code, r.result->'membership'->>'farmerGroupId' AS group_id,
            r.result->'membership'->>'farmerGroupName' AS group_name,
            (p.registered_at >= $1::timestamptz) AS registered_in_month, posted.covered_to
       FROM participants p JOIN operations r ON r.id = p.registration_id
       LEFT JOIN posted ON posted.kpj = p.kpj
      WHERE p.registered_at < $2::timestamptz`,
    [start, cutoff],
  );
  const contributions = await db.query<{ kpj: string; agent_id: string; village_code: string; amount: string }>(
    `SELECT o.request->>'kpj' AS kpj, o.agent_id, o.village_code, o.request->>'amount' AS amount
       FROM operations o
       JOIN LATERAL (SELECT min(e.at) AS at FROM operation_events e
                      WHERE e.operation_id = o.id AND e.kind = 'status_changed' AND e.detail->>'to' = 'posted') posted ON true
      WHERE o.kind = 'contribution' AND o.status = 'posted' AND posted.at >= $1::timestamptz AND posted.at < $2::timestamptz`,
    [start, cutoff],
  );
  const claims = await db.query<{ kind: string; kpj: string; agent_id: string; village_code: string; reported: boolean; paid: boolean; payouts: Record<string, { amount?: number }> | null }>(
    `SELECT o.kind, o.request->>'kpj' AS kpj, o.agent_id, o.village_code,
            (o.created_at >= $1::timestamptz AND o.created_at < $2::timestamptz) AS reported,
            COALESCE(paid.at >= $1::timestamptz AND paid.at < $2::timestamptz, false) AS paid,
            o.result->'payouts' AS payouts
       FROM operations o
       LEFT JOIN LATERAL (SELECT min(e.at) AS at FROM operation_events e
                           WHERE e.operation_id = o.id AND e.kind = 'status_changed' AND e.detail->>'to' = 'paid') paid ON true
      WHERE o.kind IN ('jkk_claim', 'jkm_claim') AND o.created_at < $2::timestamptz`,
    [start, cutoff],
  );
  const fees = await db.query<{ agent_id: string; kpj: string; amount: string }>(
    'SELECT agent_id, kpj, amount FROM agent_fees WHERE period = $1 AND accrued_at < $2::timestamptz', [period, cutoff],
  );
  const directory = await db.query<{ id: string; name: string; village_code: string; member_count: number; read_at: Date }>(
    'SELECT id, name, village_code, member_count, read_at FROM simluhtan_groups',
  );

  const byKpj = new Map(participants.rows.map((p) => [p.kpj, p]));
  const dimsOf = (kpj: string, fallback: { agent_id: string; village_code: string }, agent?: string): Dims => {
    const p = byKpj.get(kpj);
    return {
      village: p?.village_code ?? fallback.village_code,
      group: p?.group_id ?? null,
      groupName: p?.group_name ?? null,
      agent: agent ?? p?.agent_id ?? fallback.agent_id,
    };
  };

  const counts: Record<ReportLevel, Map<string, Record<CountField, number>>> = { bpp: new Map(), village: new Map(), group: new Map(), agent: new Map() };
  const groupNames = new Map<string, string>();
  const groupVillage = new Map<string, string>();
  const agentBpps = new Map<string, Set<string>>();
  const totals = emptyCounts();
  const add = (d: Dims, field: CountField, n = 1) => {
    const bpp = findVillage(d.village)?.kecamatanCode ?? 'unknown';
    const group = d.group ?? NO_GROUP;
    if (d.group && d.groupName) groupNames.set(d.group, d.groupName);
    if (d.group && !groupVillage.has(d.group)) groupVillage.set(d.group, d.village);
    if (!agentBpps.has(d.agent)) agentBpps.set(d.agent, new Set());
    agentBpps.get(d.agent)!.add(bpp);
    for (const [level, key] of [['bpp', bpp], ['village', d.village], ['group', group], ['agent', d.agent]] as const) {
      let c = counts[level].get(key);
      if (!c) counts[level].set(key, (c = emptyCounts()));
      c[field] += n;
    }
    totals[field] += n;
  };

  for (const p of participants.rows) {
    const d = dimsOf(p.kpj, p);
    if (p.registered_in_month) add(d, 'registrations');
    const coveredUntil = p.covered_to ? lastDayOf(p.covered_to) : null;
    const state = coverageState({ lapseAfterMonths }, coveredUntil, monthEnd);
    if (state.status === 'pending_first_payment') add(d, 'pendingFirstPayment');
    else if (state.status === 'lapsed') add(d, 'lapsed');
    else if (coveredUntil! >= monthEnd) add(d, 'activeParticipants');
    else add(d, 'inArrears');
  }
  for (const c of contributions.rows) {
    const d = dimsOf(c.kpj, c, c.agent_id);
    add(d, 'contributions');
    add(d, 'contributionsAmount', Number(c.amount));
  }
  for (const c of claims.rows) {
    const d = dimsOf(c.kpj, c);
    const prefix = c.kind === 'jkk_claim' ? 'jkk' : 'jkm';
    if (c.reported) add(d, `${prefix}Reported`);
    if (c.paid) {
      add(d, `${prefix}Paid`);
      add(d, `${prefix}PaidAmount`, Object.values(c.payouts ?? {}).reduce((n, p) => n + (p?.amount ?? 0), 0));
    }
  }
  for (const f of fees.rows) add(dimsOf(f.kpj, { agent_id: f.agent_id, village_code: '' }, f.agent_id), 'agentFees', Number(f.amount));

  // The denominators: farmers Simluhtan lists per group, summed up to villages and BPPs.
  const listed = { bpp: new Map<string, number>(), village: new Map<string, number>(), group: new Map<string, number>() };
  let listedTotal = 0;
  let directoryAsOf: Date | null = null;
  for (const g of directory.rows) {
    const bpp = findVillage(g.village_code)?.kecamatanCode ?? 'unknown';
    listed.group.set(g.id, g.member_count);
    listed.village.set(g.village_code, (listed.village.get(g.village_code) ?? 0) + g.member_count);
    listed.bpp.set(bpp, (listed.bpp.get(bpp) ?? 0) + g.member_count);
    listedTotal += g.member_count;
    if (!groupNames.has(g.id)) groupNames.set(g.id, g.name);
    if (!groupVillage.has(g.id)) groupVillage.set(g.id, g.village_code);
    if (!directoryAsOf || g.read_at > directoryAsOf) directoryAsOf = g.read_at;
  }
  const hasDirectory = directory.rows.length > 0;

  const rows = {} as Record<ReportLevel, ReportRow[]>;
  const build = (level: ReportLevel, keys: Iterable<string>, name: (k: string) => string, bpp: (k: string) => string | null) => {
    const all = new Set([...keys, ...counts[level].keys()]);
    rows[level] = [...all].sort().map((key) => {
      const c = counts[level].get(key) ?? emptyCounts();
      const denominator = level === 'agent' || !hasDirectory ? null : (listed[level].get(key) ?? 0);
      return { key, name: name(key), bpp: bpp(key), figures: withRate(c, denominator) };
    });
  };
  build('bpp', KECAMATAN.map((k) => k.code), (k) => findKecamatan(k)?.bpp ?? k, (k) => k);
  build('village', VILLAGES.map((v) => v.code), (k) => findVillage(k)?.name ?? k, (k) => findVillage(k)?.kecamatanCode ?? null);
  build('group', listed.group.keys(), (k) => groupNames.get(k) ?? k, (k) => findVillage(groupVillage.get(k) ?? '')?.kecamatanCode ?? null);
  build('agent', [], (k) => k, (k) => {
    const bpps = agentBpps.get(k);
    return bpps?.size === 1 ? [...bpps][0]! : null;
  });
  return { rows, totals: withRate(totals, hasDirectory ? listedTotal : null), directoryAsOf: directoryAsOf ? directoryAsOf.toISOString() : null };
}
