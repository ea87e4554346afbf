// `npm run bench:registrations`: starts the gateway, the registration adapters and the simulator
// on a fresh schema and queue prefix, drives registrations through the public API and prints
// acceptance throughput, acknowledgement latency and end-to-end completion. Writes results/*.json.
// Options (env): BENCH_COUNT (2000), BENCH_CONCURRENCY (64).
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { Pool } from 'undici';
import { SIM_CREDENTIALS, createTestSchema, createTestPrefix, startServiceProcess, testRedisUrl, waitFor } from '@sutasoma/testing';

const COUNT = Number(process.env['BENCH_COUNT'] ?? 2000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

const db = await createTestSchema();
const queues = createTestPrefix();
const common = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'warn' };
console.log(`starting the system (schema ${db.schema}, queue prefix ${queues.prefix})…`);
const sim = await startServiceProcess({ service: 'partner-sim', env: { SIM_LATENCY_MS: '0' } });
const gateway = await startServiceProcess({
  service: 'gateway',
  env: { ...common, DATABASE_URL: db.databaseUrl, DB_SCHEMA: db.schema, DEMO_MODE: 'true', DEMO_PASSWORD: 'bench-password' },
});
// BENCH_ACCEPT_ONLY=1 runs no adapter: it measures acceptance alone, with nothing else on the CPUs.
const ACCEPT_ONLY = process.env['BENCH_ACCEPT_ONLY'] === '1';
const adapters = ACCEPT_ONLY ? [] : await Promise.all(['simluhtan', 'ekartutani', 'bpjs'].map((s) => startServiceProcess({
  service: `${s}-adapter`, env: { ...common, ...SIM_CREDENTIALS, PARTNER_BASE_URL: `${sim.url}/${s}` },
})));
const all = [sim, gateway, ...adapters];

try {
  const token = ((await (await fetch(`${gateway.url}/v1/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'demo-supervisor', password: 'bench-password' }),
  })).json()) as { accessToken: string }).accessToken;

  const farmers: unknown[] = [];
  while (farmers.length < COUNT) {
    const page = ((await (await fetch(`${sim.url}/_sim/farmers?case=eligible&limit=1000&offset=${farmers.length}`)).json()) as { items: unknown[] }).items;
    if (page.length === 0) break;
    farmers.push(...page);
  }
  farmers.length = Math.min(farmers.length, COUNT);

  const http = new Pool(gateway.url, { connections: CONCURRENCY });
  const ackMs: number[] = [];
  const errors: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < farmers.length) {
      const farmer = farmers[next++];
      const t0 = performance.now();
      const res = await http.request({
        method: 'POST', path: '/v1/registrations',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify(farmer),
      });
      await res.body.text();
      ackMs.push(performance.now() - t0);
      if (res.statusCode !== 202) errors[String(res.statusCode)] = (errors[String(res.statusCode)] ?? 0) + 1;
    }
  }));
  const acceptSeconds = (performance.now() - started) / 1000;
  const accepted = farmers.length - Object.values(errors).reduce((a, b) => a + b, 0);

  if (!ACCEPT_ONLY) await waitFor(
    async () => Number((await db.pool.query("SELECT count(*) FROM operations WHERE status IN ('accepted', 'verifying')")).rows[0].count),
    (open) => open === 0,
    { timeoutMs: 600_000, everyMs: 250, what: 'every registration to settle' },
  );
  const completeSeconds = (performance.now() - started) / 1000;
  const outcome = await db.pool.query<{ status: string; n: string; p50: number; p99: number }>(`
    SELECT status, count(*) AS n,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at) * 1000) AS p50,
      percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at) * 1000) AS p99
    FROM operations GROUP BY status`);
  const registered = outcome.rows.find((r) => r.status === 'registered');
  const sorted = [...ackMs].sort((a, b) => a - b);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: round(totalmem() / 2 ** 30), node: process.version },
    count: farmers.length,
    concurrency: CONCURRENCY,
    acceptedPerSecond: round(accepted / acceptSeconds),
    ackLatencyMs: { p50: round(pct(sorted, 50)), p95: round(pct(sorted, 95)), p99: round(pct(sorted, 99)) },
    completedPerSecond: round(Number(registered?.n ?? 0) / completeSeconds),
    completionLatencyMs: { p50: round(registered?.p50 ?? NaN), p99: round(registered?.p99 ?? NaN) },
    outcomes: Object.fromEntries(outcome.rows.map((r) => [r.status, Number(r.n)])),
    errorsByStatus: errors,
  };
  console.log(`
registrations           ${result.count} at concurrency ${CONCURRENCY}
accepted / s            ${result.acceptedPerSecond}
ack latency ms          p50 ${result.ackLatencyMs.p50}  p95 ${result.ackLatencyMs.p95}  p99 ${result.ackLatencyMs.p99}
completed / s (e2e)     ${result.completedPerSecond}
completion latency ms   p50 ${result.completionLatencyMs.p50}  p99 ${result.completionLatencyMs.p99}
outcomes                ${JSON.stringify(result.outcomes)}
errors by status        ${JSON.stringify(errors)}`);
  await mkdir('results', { recursive: true });
  const file = `results/bench-registrations-${result.date.replace(/[:.]/g, '-')}.json`;
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${file}`);
  await http.close();
} finally {
  await Promise.all(all.map((p) => p.kill('SIGTERM')));
  await db.drop();
  await queues.cleanup();
}
