// `npm run bench:registrations`: starts the gateway, the adapters and the simulator on a fresh
// schema and queue prefix, drives registrations, then one agent_cash contribution for each registered
// farmer, through the public API, and prints acceptance throughput, acknowledgement latency and
// end-to-end completion of both. Writes results/*.json.
// Options (env): BENCH_COUNT (2000), BENCH_CONCURRENCY (64), BENCH_ACCEPT_ONLY=1 (registrations accepted, no adapters),
// BENCH_PROFILE_DIR (CPU profiles of every service).
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { Pool } from 'undici';
import { waitFor } from '@sutasoma/testing';
import { startSystem } from './lib/system.ts';

const COUNT = Number(process.env['BENCH_COUNT'] ?? 2000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
// BENCH_ACCEPT_ONLY=1 runs no adapter: it measures acceptance alone, with nothing else on the CPUs.
const ACCEPT_ONLY = process.env['BENCH_ACCEPT_ONLY'] === '1';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

console.log('starting the system…');
// BENCH_PROFILE_DIR=/some/dir writes a V8 CPU profile of every service there when it stops.
const system = await startSystem({
  noAdapters: ACCEPT_ONLY,
  nodeArgs: process.env['BENCH_PROFILE_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE_DIR']}`] : [],
});
const { db, sim, gateway } = system;

interface Phase {
  accepted: number;
  acceptSeconds: number;
  completeSeconds: number;
  ackMs: number[];
  errors: Record<string, number>;
}

/** Sends every body at the given concurrency, then waits until no operation of the kind is open. */
async function drive(http: Pool, token: string, path: string, bodies: unknown[], kind: string, open: string[]): Promise<Phase> {
  const ackMs: number[] = [];
  const errors: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const t0 = performance.now();
      const res = await http.request({
        method: 'POST', path,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify(body),
      });
      await res.body.text();
      ackMs.push(performance.now() - t0);
      if (res.statusCode !== 202) errors[String(res.statusCode)] = (errors[String(res.statusCode)] ?? 0) + 1;
    }
  }));
  const acceptSeconds = (performance.now() - started) / 1000;
  if (!ACCEPT_ONLY) {
    await waitFor(
      async () => Number((await db.pool.query('SELECT count(*) FROM operations WHERE kind = $1 AND status = ANY($2)', [kind, open])).rows[0].count),
      (n) => n === 0,
      { timeoutMs: 600_000, everyMs: 250, what: `every ${kind} to settle` },
    );
  }
  return { accepted: bodies.length - Object.values(errors).reduce((a, b) => a + b, 0), acceptSeconds, completeSeconds: (performance.now() - started) / 1000, ackMs, errors };
}

async function summary(kind: string, done: string, phase: Phase) {
  const outcome = await db.pool.query<{ status: string; n: string; p50: number; p99: number }>(`
    SELECT status, count(*) AS n,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at) * 1000) AS p50,
      percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at) * 1000) AS p99
    FROM operations WHERE kind = $1 GROUP BY status`, [kind]);
  const completed = outcome.rows.find((r) => r.status === done);
  const sorted = [...phase.ackMs].sort((a, b) => a - b);
  return {
    count: phase.ackMs.length,
    acceptedPerSecond: round(phase.accepted / phase.acceptSeconds),
    ackLatencyMs: { p50: round(pct(sorted, 50)), p95: round(pct(sorted, 95)), p99: round(pct(sorted, 99)) },
    completedPerSecond: round(Number(completed?.n ?? 0) / phase.completeSeconds),
    completionLatencyMs: { p50: round(completed?.p50 ?? NaN), p99: round(completed?.p99 ?? NaN) },
    outcomes: Object.fromEntries(outcome.rows.map((r) => [r.status, Number(r.n)])),
    errorsByStatus: phase.errors,
  };
}

function print(name: string, r: Awaited<ReturnType<typeof summary>>) {
  console.log(`
${name.padEnd(23)} ${r.count} at concurrency ${CONCURRENCY}
accepted / s            ${r.acceptedPerSecond}
ack latency ms          p50 ${r.ackLatencyMs.p50}  p95 ${r.ackLatencyMs.p95}  p99 ${r.ackLatencyMs.p99}
completed / s (e2e)     ${r.completedPerSecond}
completion latency ms   p50 ${r.completionLatencyMs.p50}  p99 ${r.completionLatencyMs.p99}
outcomes                ${JSON.stringify(r.outcomes)}
errors by status        ${JSON.stringify(r.errorsByStatus)}`);
}

try {
  const token = system.agentToken();
  const farmers: unknown[] = [];
  while (farmers.length < COUNT) {
    const page = ((await (await fetch(`${sim.url}/_sim/farmers?case=eligible&limit=1000&offset=${farmers.length}`)).json()) as { items: unknown[] }).items;
    if (page.length === 0) break;
    farmers.push(...page);
  }
  farmers.length = Math.min(farmers.length, COUNT);

  const http = new Pool(gateway.url, { connections: CONCURRENCY });
  const registrations = await summary('registration', 'registered', await drive(http, token, '/v1/registrations', farmers, 'registration', ['accepted', 'verifying']));
  print('registrations', registrations);
  let contributions: Awaited<ReturnType<typeof summary>> | null = null;
  if (!ACCEPT_ONLY) {
    const kpjs = (await db.pool.query<{ kpj: string }>('SELECT kpj FROM participants')).rows.map((r) => ({ kpj: r.kpj, months: 1, channel: 'agent_cash' }));
    contributions = await summary('contribution', 'posted', await drive(http, token, '/v1/contributions', kpjs, 'contribution', ['accepted', 'paid']));
    print('contributions', contributions);
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: round(totalmem() / 2 ** 30), node: process.version },
    concurrency: CONCURRENCY,
    registrations,
    contributions,
  };
  await mkdir('results', { recursive: true });
  const file = `results/bench-registrations-${result.date.replace(/[:.]/g, '-')}.json`;
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten to ${file}`);
  await http.close();
} finally {
  await system.stop();
}
