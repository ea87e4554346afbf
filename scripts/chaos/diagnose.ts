import { PartnerSystem, STEP_EVENTS_GROUP, stepEventsStreamKey } from '@sutasoma/contracts';
import { Queues, type Pool } from '@sutasoma/ledger';
import type { Redis } from 'ioredis';
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
  /**
   * Where the work waits in Redis: the step-events stream (entries not yet read by the gateway,
   * read but not applied, and by whom) and each step queue's jobs by state. Null when Redis did not answer.
   */
  redis: {
    stream: { entries: number; pending: number; consumers: Record<string, number>; dead: number };
    queues: Record<string, Record<string, number>>;
  } | { error: string };
}

/** Lines of each service's output kept in a diagnosis. */
const OUTPUT_LINES = 30;

async function redisState(redis: Redis, prefix: string): Promise<Diagnosis['redis']> {
  const key = stepEventsStreamKey(prefix);
  const queues = new Queues({ connection: redis, prefix });
  try {
    const [entries, dead, summary] = await Promise.all([
      redis.xlen(key),
      redis.xlen(`${key}:dead`),
      (redis.xpending(key, STEP_EVENTS_GROUP) as Promise<[number, string | null, string | null, [string, string][] | null]>).catch(() => [0, null, null, null] as const),
    ]);
    const counts = await Promise.all(PartnerSystem.options.map(async (q) => [q, await queues.get(q).getJobCounts()] as const));
    return {
      stream: { entries, pending: Number(summary[0]), consumers: Object.fromEntries((summary[3] ?? []).map(([c, n]) => [c, Number(n)])), dead },
      queues: Object.fromEntries(counts.map(([q, c]) => [q, Object.fromEntries(Object.entries(c).filter(([, n]) => n > 0))])),
    };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    await queues.close();
  }
}

/** Why operations did not complete: grouped by where they stopped, from `operation_steps`. */
export async function diagnose(pool: Pool, queues: { redis: Redis; prefix: string }, ids: readonly string[], services: ServiceProcess[]): Promise<Diagnosis> {
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
  const output = Object.fromEntries(services.map((s) => [s.name, s.output().trim().split('\n').filter(Boolean).slice(-OUTPUT_LINES)]));
  // BullMQ waits for a Redis that went away without a deadline: the diagnosis does not.
  const redis = await Promise.race([
    redisState(queues.redis, queues.prefix),
    new Promise<Diagnosis['redis']>((resolve) => { setTimeout(() => resolve({ error: 'no answer in 5 s' }), 5_000).unref(); }),
  ]);
  return { groups: sorted, timeline, alive, output, redis };
}

/** Indented lines for the terminal (each service's last 8 lines); the whole diagnosis goes to the results file. */
export function describe(d: Diagnosis): string[] {
  const lines = d.groups.slice(0, 6).map((g) =>
    `  ${g.count} ${g.kind} ${g.status}: at ${g.step ?? '(no open step)'} ${g.state ?? ''}, last error ${g.lastErrorCode ?? '-'}`
    + `${g.partnerStatus ? ` (partner ${g.partnerStatus})` : ''}, attempts ≤ ${g.maxAttempts}, recoveries ≤ ${g.recoveries}; e.g. ${g.examples[0]}`);
  if (d.timeline.length > 0) {
    lines.push(`  timeline of ${d.groups[0]?.examples[0]}: ${d.timeline.slice(-12).map((e) => `${e.kind}${e.step ? ` ${e.step}` : ''}${e.attempt ? `#${e.attempt}` : ''}`).join(' → ')}`);
  }
  if ('error' in d.redis) lines.push(`  Redis did not answer: ${d.redis.error}`);
  else {
    const { stream, queues } = d.redis;
    const by = Object.entries(stream.consumers).map(([c, n]) => `${c} ${n}`).join(', ');
    lines.push(`  step-events stream: ${stream.entries} entries, ${stream.pending} read and not applied${by ? ` (${by})` : ''}, ${stream.dead} set aside`);
    const busy = Object.entries(queues).filter(([, c]) => Object.keys(c).length > 0);
    lines.push(`  step queues: ${busy.map(([q, c]) => `${q} ${Object.entries(c).map(([s, n]) => `${s} ${n}`).join(' ')}`).join('; ') || 'no job'}`);
  }
  const dead = Object.entries(d.alive).filter(([, ok]) => !ok).map(([name]) => name);
  if (dead.length > 0) lines.push(`  not answering /health any more: ${dead.join(', ')}`);
  for (const [name, out] of Object.entries(d.output)) {
    const last = out.slice(-8);
    if (last.length > 0) lines.push(`  ${name} said (last ${last.length} lines):`, ...last.map((l) => `    ${l.slice(0, 300)}`));
  }
  return lines;
}
