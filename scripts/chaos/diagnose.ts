import type { Pool } from '@sutasoma/ledger';
import type { ServiceProcess } from '@sutasoma/testing';

export interface StuckGroup {
  kind: string;
  status: string;
  /** The first step not succeeded, its state, attempts and last error code. */
  step: string | null;
  state: string | null;
  lastErrorCode: string | null;
  partnerStatus: number | null;
  count: number;
  maxAttempts: number;
  recoveries: number;
  examples: string[];
}

export interface Diagnosis {
  groups: StuckGroup[];
  /** The timeline of the first example. */
  timeline: { at: string; kind: string; step: string | null; attempt: number | null; detail: unknown }[];
  /** Whether each service still answers /health. */
  alive: Record<string, boolean>;
  /** The last lines each service wrote (LOG_LEVEL warn). */
  output: Record<string, string[]>;
}

/** Why operations did not complete: grouped by where they stopped, from `operation_steps`. */
export async function diagnose(pool: Pool, ids: readonly string[], services: ServiceProcess[]): Promise<Diagnosis> {
  const { rows } = await pool.query<{ id: string; kind: string; status: string; recoveries: number; step: string | null; state: string | null; attempts: number | null; last_error_code: string | null; partner_status: number | null }>(
    `SELECT o.id, o.kind, o.status, o.recoveries, s.step, s.state, s.attempts, s.last_error_code, s.partner_status
       FROM operations o
       LEFT JOIN LATERAL (SELECT * FROM operation_steps WHERE operation_id = o.id AND state <> 'succeeded' ORDER BY seq LIMIT 1) s ON true
      WHERE o.id = ANY($1::uuid[])`, [ids],
  );
  const groups = new Map<string, StuckGroup>();
  for (const r of rows) {
    const key = [r.kind, r.status, r.step, r.state, r.last_error_code, r.partner_status].join('|');
    const g = groups.get(key) ?? {
      kind: r.kind, status: r.status, step: r.step, state: r.state, lastErrorCode: r.last_error_code, partnerStatus: r.partner_status,
      count: 0, maxAttempts: 0, recoveries: 0, examples: [],
    };
    g.count++;
    g.maxAttempts = Math.max(g.maxAttempts, r.attempts ?? 0);
    g.recoveries = Math.max(g.recoveries, r.recoveries);
    if (g.examples.length < 3) g.examples.push(r.id);
    groups.set(key, g);
  }
  const sorted = [...groups.values()].sort((a, b) => b.count - a.count);
  const first = sorted[0]?.examples[0];
  const timeline = first
    ? (await pool.query<{ at: Date; kind: string; step: string | null; attempt: number | null; detail: unknown }>(
      'SELECT at, kind, step, attempt, detail FROM operation_events WHERE operation_id = $1 ORDER BY id', [first],
    )).rows.map((e) => ({ ...e, at: e.at.toISOString() }))
    : [];
  const alive = Object.fromEntries(await Promise.all(services.map(async (s) =>
    [s.name, await fetch(`${s.url}/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false)] as const)));
  const output = Object.fromEntries(services.map((s) => [s.name, s.output().trim().split('\n').filter(Boolean).slice(-8)]));
  return { groups: sorted, timeline, alive, output };
}

/** A few indented lines for the terminal; the whole diagnosis goes to the results file. */
export function describe(d: Diagnosis): string[] {
  const lines = d.groups.slice(0, 6).map((g) =>
    `  ${g.count} ${g.kind} ${g.status}: at ${g.step ?? '(no open step)'} ${g.state ?? ''}, last error ${g.lastErrorCode ?? '-'}`
    + `${g.partnerStatus ? ` (partner ${g.partnerStatus})` : ''}, attempts ≤ ${g.maxAttempts}, recoveries ≤ ${g.recoveries}; e.g. ${g.examples[0]}`);
  if (d.timeline.length > 0) {
    lines.push(`  timeline of ${d.groups[0]?.examples[0]}: ${d.timeline.slice(-12).map((e) => `${e.kind}${e.step ? ` ${e.step}` : ''}${e.attempt ? `#${e.attempt}` : ''}`).join(' → ')}`);
  }
  const dead = Object.entries(d.alive).filter(([, ok]) => !ok).map(([name]) => name);
  if (dead.length > 0) lines.push(`  not answering /health any more: ${dead.join(', ')}`);
  for (const [name, out] of Object.entries(d.output)) {
    if (out.length > 0) lines.push(`  ${name} said (last ${out.length} lines):`, ...out.map((l) => `    ${l.slice(0, 300)}`));
  }
  return lines;
}
