// `npm run bench`: measures, on this machine and in one run, a bare baseline (a Fastify route that
// only adds a BullMQ job, and a worker that completes it) and then the whole system (gateway,
// adapters, simulator as processes on a fresh schema and queue prefix): registrations of eligible
// farmers from the simulator, then one agent_cash contribution for each registered participant,
// through the public API with an agent token, driven by the fault harness's load generator at the
// same concurrency and count for both. Prints a table (with our figures as a ratio to the
// baseline's and against the issue's targets) and writes results/bench-<date>.json.
// `npm run bench -- district` instead registers every farmer of the simulator's district (55,289)
// and then pays one month for each one registered, and reports the wall time end to end.
// Options (env): BENCH_SECONDS (15: each measured phase sends for this long, at most BENCH_COUNT),
// BENCH_COUNT (20000), BENCH_CONCURRENCY (64), BENCH_ACCEPT_ONLY=1 (registrations
// accepted with no adapter running, nothing completes), BENCH_BASELINE=0 (skip the baseline),
// BENCH_PROFILE_DIR (a V8 CPU profile of every service, summarized at the end), BENCH_BUDGET_S (540),
// BENCH_WARMUP (500: registrations of other farmers sent to the baseline and to the system, and
// completed, before anything is measured, so both are measured warm).
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServiceProcess } from '@sutasoma/testing';
import { summarizeProfiles, type ProfileSummary } from './bench/profile.ts';
import { startBaseline } from './bench/baseline.ts';
import { forEachConcurrently, postUntilAnswered } from './chaos/load.ts';
import { settle } from './chaos/verify.ts';
import { cpuMeter, rssMiB, sampleRss, servicePid } from './lib/proc.ts';
import { startSystem, type System } from './lib/system.ts';

const num = (name: string, def: number) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const DISTRICT = process.argv.slice(2).includes('district');
const COUNT = Math.floor(num('BENCH_COUNT', 20_000));
const SECONDS = num('BENCH_SECONDS', 15);
const CONCURRENCY = Math.floor(num('BENCH_CONCURRENCY', 64));
const ACCEPT_ONLY = process.env['BENCH_ACCEPT_ONLY'] === '1';
const BASELINE = process.env['BENCH_BASELINE'] !== '0';
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'];
const BUDGET_MS = num('BENCH_BUDGET_S', DISTRICT ? 3600 : 600) * 1000;
const WARMUP = Math.floor(Number(process.env['BENCH_WARMUP'] ?? 500));
const DISTRICT_FARMERS = 55_289;
const started = Date.now();
const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
const budgetEnds = started + BUDGET_MS;

if (process.env['BENCH_URL']) {
  console.error('BENCH_URL is not supported: the benchmark starts its own system, because it reads completion from the run\'s own ledger schema and samples the memory of its own processes. Unset it.');
  process.exit(2);
}

const note = (msg: string) => process.stderr.write(`· ${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s  ${msg}\n`);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Load { ids: string[]; ackMs: number[]; errors: Record<string, number>; acceptSeconds: number; startedAt: number; startedEpochMs: number }

/**
 * Bodies POSTed once each (no retry: the first answer counts), CONCURRENCY at a time; with `seconds`,
 * no new one is sent once that long has passed (the rest are left out).
 */
async function drive(baseUrl: string, token: string, path: string, bodies: unknown[], seconds = Infinity): Promise<Load> {
  const out: Load = { ids: [], ackMs: [], errors: {}, acceptSeconds: 0, startedAt: performance.now(), startedEpochMs: Date.now() };
  const post = { baseUrl, token, giveUpMs: 30_000, clock: { lastAnswerAt: Date.now() }, maxRetries: 0 };
  const stopAt = out.startedAt + seconds * 1000;
  await forEachConcurrently(bodies, CONCURRENCY, async (body) => {
    const t0 = performance.now();
    if (t0 >= stopAt) return;
    const a = await postUntilAnswered(post, path, body);
    out.ackMs.push(performance.now() - t0);
    if (a.kind === 'accepted') { out.ids.push(a.id); return; }
    const code = a.kind === 'refused' ? `${a.status} ${a.code || '(no code)'}` : `no answer (${a.error})`;
    out.errors[code] = (out.errors[code] ?? 0) + 1;
  });
  out.acceptSeconds = (performance.now() - out.startedAt) / 1000;
  return out;
}

interface PhaseResult {
  count: number;
  accepted: number;
  acceptedPerSecond: number;
  ackLatencyMs: { p50: number; p95: number; p99: number };
  completed: number | null;
  completedPerSecond: number | null;
  completionLatencyMs: { p50: number; p99: number } | null;
  /** Operations still open when the budget ran out. */
  unfinished: number | null;
  outcomes: Record<string, number>;
  errorsByCode: Record<string, number>;
}

function acceptance(load: Load): Omit<PhaseResult, 'completed' | 'completedPerSecond' | 'completionLatencyMs' | 'unfinished' | 'outcomes'> {
  const sorted = [...load.ackMs].sort((a, b) => a - b);
  return {
    count: load.ackMs.length,
    accepted: load.ids.length,
    acceptedPerSecond: round(load.ids.length / load.acceptSeconds),
    ackLatencyMs: { p50: round(pct(sorted, 50)), p95: round(pct(sorted, 95)), p99: round(pct(sorted, 99)) },
    errorsByCode: load.errors,
  };
}

// ---------------------------------------------------------------- the bare baseline

async function runBaseline(bodies: unknown[], warmup: unknown[]) {
  note('baseline: starting a bare Fastify server and a BullMQ worker…');
  const b = await startBaseline();
  try {
    await sleep(2000);
    if (warmup.length > 0) {
      note(`baseline: warming up with ${warmup.length} (not measured)…`);
      await drive(b.url, 'none', '/v1/registrations', warmup);
      await waitForCount(async () => (await b.counts())['completed'] ?? 0, warmup.length);
    }
    const before = (await b.counts())['completed'] ?? 0;
    const since = Date.now();
    const idleRssMiB = Object.fromEntries(await Promise.all(Object.entries(b.pids).map(async ([n, pid]) => [n, round((await rssMiB(pid))?.rss ?? NaN)] as const)));
    const rss = sampleRss(b.pids);
    const cpu = cpuMeter(b.pids);
    await cpu.start();
    const load = await drive(b.url, 'none', '/v1/registrations', bodies, SECONDS);
    let counts = await b.counts();
    while ((counts['completed'] ?? 0) - before + (counts['failed'] ?? 0) < load.ids.length && Date.now() < budgetEnds) {
      await sleep(20);
      counts = await b.counts();
    }
    const completeSeconds = (performance.now() - load.startedAt) / 1000;
    const peakRssMiB = await rss.stop();
    const cpuDuringLoad = await cpu.stop();
    const lat = (await b.latencies(since)).sort((x, y) => x - y);
    const completed = (counts['completed'] ?? 0) - before;
    const result: PhaseResult = {
      ...acceptance(load),
      completed,
      completedPerSecond: round(completed / completeSeconds),
      completionLatencyMs: { p50: round(pct(lat, 50)), p99: round(pct(lat, 99)) },
      unfinished: load.ids.length - completed - (counts['failed'] ?? 0),
      outcomes: counts,
    };
    note(`baseline: ${result.acceptedPerSecond} accepted/s, ${result.completedPerSecond} completed/s`);
    return { ...result, idleRssMiB, peakRssMiB: Object.fromEntries(Object.entries(peakRssMiB).map(([n, v]) => [n, round(v)])), cpuDuringLoad };
  } finally {
    await b.stop();
  }
}

/** Polls a count every 50 ms until it reaches `n` or the budget ends. */
async function waitForCount(count: () => Promise<number>, n: number): Promise<void> {
  while ((await count()) < n && Date.now() < budgetEnds) await sleep(50);
}

// ---------------------------------------------------------------- the system

async function completion(system: System, kind: string, done: string, load: Load): Promise<PhaseResult> {
  // Every earlier operation of the run (the warm-up's) has ended: what is open is this phase's.
  const unfinished = ACCEPT_ONLY ? null : await drained(system, kind);
  const { rows } = await system.db.pool.query<{ status: string; n: string; p50: number; p99: number; last: Date }>(`
    SELECT status, count(*) AS n, max(updated_at) AS last,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at) * 1000) AS p50,
      percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at) * 1000) AS p99
    FROM operations WHERE kind = $1 AND id = ANY($2::uuid[]) GROUP BY status`, [kind, load.ids]);
  const ok = rows.find((r) => r.status === done);
  const completed = Number(ok?.n ?? 0);
  // From the first request to the last completion as the ledger timed it (not when the poll saw it).
  const completeSeconds = ok ? (ok.last.getTime() - load.startedEpochMs) / 1000 : (performance.now() - load.startedAt) / 1000;
  return {
    ...acceptance(load),
    completed: ACCEPT_ONLY ? null : completed,
    completedPerSecond: ACCEPT_ONLY ? null : round(completed / completeSeconds),
    completionLatencyMs: ACCEPT_ONLY || !ok ? null : { p50: round(ok.p50), p99: round(ok.p99) },
    unfinished,
    outcomes: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])),
  };
}

/** The run's own Redis keys (count and MEMORY USAGE summed) and the server's used_memory. */
async function redisSize(system: System) {
  const redis = system.queues.redis;
  const usedMemory = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
  let keys = 0;
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${system.queues.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys += batch.length;
    if (batch.length > 0) {
      const pipe = redis.pipeline();
      for (const k of batch) pipe.memory('USAGE', k);
      for (const [, v] of (await pipe.exec()) ?? []) bytes += Number(v ?? 0);
    }
  } while (cursor !== '0');
  return { prefix: system.queues.prefix, keys, keysMiB: round(bytes / 2 ** 20, 2), serverUsedMemoryMiB: round(usedMemory / 2 ** 20, 1) };
}

async function postgresSize(system: System) {
  const { rows } = await system.db.pool.query<{ schema_bytes: string; db_bytes: string; db: string }>(`
    SELECT (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'm')) AS schema_bytes,
           pg_database_size(current_database()) AS db_bytes, current_database() AS db`, [system.db.schema]);
  return { schema: system.db.schema, schemaMiB: round(Number(rows[0]!.schema_bytes) / 2 ** 20, 2), database: rows[0]!.db, databaseMiB: round(Number(rows[0]!.db_bytes) / 2 ** 20, 1) };
}

interface PgActivity { commits: number; walRecords: number; walBytes: number }

/** Commits in the run's database and WAL written by the whole server, so far. */
async function pgActivity(system: System): Promise<PgActivity> {
  const { rows } = await system.db.pool.query<{ commits: string; wal_records: string; wal_bytes: string }>(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits, wal_records, wal_bytes FROM pg_stat_wal`);
  return { commits: Number(rows[0]!.commits), walRecords: Number(rows[0]!.wal_records), walBytes: Number(rows[0]!.wal_bytes) };
}

/**
 * What the load wrote in PostgreSQL: commits and WAL (between two readings; the server's other
 * databases count too), and rows inserted, updated (HOT: without touching an index), deleted per table
 * of the run's schema. The statistics reach the views within a second or so of a backend going idle.
 */
async function pgWrites(system: System, before: PgActivity) {
  await sleep(1500);
  const after = await pgActivity(system);
  const { rows } = await system.db.pool.query<{ relname: string; ins: string; upd: string; hot: string; del: string }>(
    `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_tup_del AS del
       FROM pg_stat_user_tables WHERE schemaname = $1 AND n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY relname`, [system.db.schema]);
  return {
    commits: after.commits - before.commits,
    walRecords: after.walRecords - before.walRecords,
    walMiB: round((after.walBytes - before.walBytes) / 2 ** 20, 1),
    tables: Object.fromEntries(rows.map((r) => [r.relname, { inserted: Number(r.ins), updated: Number(r.upd), hotUpdated: Number(r.hot), deleted: Number(r.del) }])),
  };
}

/** The process id of each of the system's services, by name (a service whose process is not found is left out). */
async function systemPids(system: System): Promise<Record<string, number>> {
  const services = { gateway: system.gateway, ...Object.fromEntries(Object.entries(system.adapters).map(([n, p]) => [`${n}-adapter`, p!])), 'partner-sim': system.sim };
  const pids: Record<string, number> = {};
  for (const [name, p] of Object.entries(services)) {
    const pid = await servicePid(p.name, p.port);
    if (pid !== null) pids[name] = pid;
  }
  return pids;
}

async function runSystem(farmers: unknown[], warmup: unknown[]) {
  note(`system: starting the gateway, ${ACCEPT_ONLY ? 'no adapter' : 'the simluhtan, ekartutani, bpjs, bank, plkk and hospital adapters'} and the simulator…`);
  if (PROFILE_DIR) await mkdir(PROFILE_DIR, { recursive: true });
  const system = await startSystem({ noAdapters: ACCEPT_ONLY, nodeArgs: PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [] });
  const pids = await systemPids(system);
  try {
    const token = system.agentToken();
    await sleep(2000);
    if (warmup.length > 0) {
      note(`system: warming up with ${warmup.length} registrations (not measured)…`);
      const w = await drive(system.gateway.url, token, '/v1/registrations', warmup);
      if (!ACCEPT_ONLY) await settle(system.db.pool, w.ids, budgetEnds);
    }
    const idleRssMiB = Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([n, pid]) => [n, round((await rssMiB(pid))?.rss ?? NaN)] as const)));
    const rss = sampleRss(pids);
    const cpu = cpuMeter(pids);
    const pgBefore = await pgActivity(system);
    await cpu.start();
    note(`system: registrations for ${SECONDS} s (at most ${farmers.length})…`);
    const registered = await drive(system.gateway.url, token, '/v1/registrations', farmers, SECONDS);
    const registrations = await completion(system, 'registration', 'registered', registered);
    note(`system: registrations ${registrations.acceptedPerSecond} accepted/s, ${registrations.completedPerSecond ?? '–'} completed/s`);
    let contributions: PhaseResult | null = null;
    if (!ACCEPT_ONLY && Date.now() < budgetEnds) {
      // The farmers registered in the measured phase (not the warm-up's).
      const kpjs = (await system.db.pool.query<{ kpj: string }>(
        "SELECT result->>'kpj' AS kpj FROM operations WHERE id = ANY($1::uuid[]) AND status = 'registered'", [registered.ids],
      )).rows.map((r) => ({ kpj: r.kpj, months: 1, channel: 'agent_cash' }));
      note(`system: ${kpjs.length} contributions…`);
      contributions = await completion(system, 'contribution', 'posted', await drive(system.gateway.url, token, '/v1/contributions', kpjs));
      note(`system: contributions ${contributions.acceptedPerSecond} accepted/s, ${contributions.completedPerSecond ?? '–'} completed/s`);
    }
    const peak = await rss.stop();
    const cpuDuringLoad = await cpu.stop();
    const peakRssMiB = Object.fromEntries(Object.entries(peak).map(([n, v]) => [n, round(v)]));
    const sizes = { redis: await redisSize(system), postgres: await postgresSize(system) };
    const writes = await pgWrites(system, pgBefore);
    return { registrations, contributions, idleRssMiB, peakRssMiB, cpuDuringLoad, ...sizes, writes, pids };
  } finally {
    await system.stop();
  }
}

// ---------------------------------------------------------------- the district, end to end

/**
 * Waits until no operation of `kind` in the run's ledger is open, or the budget ends; polled every
 * 500 ms through the index of unfinished operations, so the poll costs PostgreSQL next to nothing.
 */
async function drained(system: System, kind: string): Promise<number> {
  for (;;) {
    const { rows } = await system.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM operations WHERE NOT operation_ended(kind, status) AND kind = $1', [kind]);
    const open = Number(rows[0]!.n);
    if (open === 0 || Date.now() >= budgetEnds) return open;
    await sleep(500);
  }
}

async function byStatus(system: System, kind: string): Promise<{ counts: Record<string, number>; last: Date | null }> {
  const { rows } = await system.db.pool.query<{ status: string; reason: string | null; n: string; last: Date }>(
    'SELECT status, reason_code AS reason, count(*) AS n, max(updated_at) AS last FROM operations WHERE kind = $1 GROUP BY 1, 2 ORDER BY 1, 2', [kind],
  );
  const last = rows.reduce<Date | null>((a, r) => (a === null || r.last > a ? r.last : a), null);
  return { counts: Object.fromEntries(rows.map((r) => [r.reason ? `${r.status} (${r.reason})` : r.status, Number(r.n)])), last };
}

async function runDistrict(): Promise<void> {
  note('district: starting the gateway, the six adapters and the simulator…');
  const system = await startSystem({});
  const pids = await systemPids(system);
  try {
    // Every farmer of the district, whatever their case: the simulator decides who is eligible, as the partners would.
    const farmers: unknown[] = [];
    for (;;) {
      const res = await fetch(`${system.sim.url}/_sim/farmers?limit=1000&offset=${farmers.length}`);
      const page = ((await res.json()) as { items: unknown[] }).items;
      if (page.length === 0) break;
      farmers.push(...page);
    }
    await sleep(2000);
    const rss = sampleRss(pids);
    const cpu = cpuMeter(pids);
    await cpu.start();
    note(`district: registering ${farmers.length} farmers (no warm-up)…`);
    const t0 = Date.now();
    const regs = await drive(system.gateway.url, system.agentToken(), '/v1/registrations', farmers);
    const regsOpen = await drained(system, 'registration');
    const registrations = await byStatus(system, 'registration');
    const registeredAt = registrations.last ?? new Date();
    note(`district: ${JSON.stringify(registrations.counts)} after ${round((registeredAt.getTime() - t0) / 1000)} s`);
    const kpjs = (await system.db.pool.query<{ kpj: string }>("SELECT result->>'kpj' AS kpj FROM operations WHERE kind = 'registration' AND status = 'registered'"))
      .rows.map((r) => ({ kpj: r.kpj, months: 1, channel: 'agent_cash' }));
    note(`district: paying one month for ${kpjs.length} participants…`);
    const t1 = Date.now();
    const pays = await drive(system.gateway.url, system.agentToken(), '/v1/contributions', kpjs);
    const paysOpen = await drained(system, 'contribution');
    const contributions = await byStatus(system, 'contribution');
    const postedAt = contributions.last ?? new Date();
    const peak = await rss.stop();
    const cpuDuringLoad = await cpu.stop();
    const operations = regs.ids.length + pays.ids.length;
    const wallSeconds = round((postedAt.getTime() - t0) / 1000);
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, loadAverageAtStart, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
      concurrency: CONCURRENCY,
      farmers: farmers.length,
      registrations: { accepted: regs.ids.length, errors: regs.errors, open: regsOpen, outcomes: registrations.counts, seconds: round((registeredAt.getTime() - t0) / 1000), acceptSeconds: round(regs.acceptSeconds) },
      contributions: { accepted: pays.ids.length, errors: pays.errors, open: paysOpen, outcomes: contributions.counts, seconds: round((postedAt.getTime() - t1) / 1000), acceptSeconds: round(pays.acceptSeconds) },
      wallSeconds,
      cpuSeconds: cpuDuringLoad.cpuSeconds,
      cpuMsPerOperation: round(Object.values(cpuDuringLoad.cpuSeconds).reduce((a, b) => a + b, 0) * 1000 / operations, 2),
      peakRssMiB: Object.fromEntries(Object.entries(peak).map(([n, v]) => [n, round(v)])),
    };
    console.log(`\nthe district: ${farmers.length} farmers registered through the API, then one month paid (agent_cash) for each one registered, concurrency ${CONCURRENCY}`);
    console.log(`  registrations: ${regs.ids.length} accepted in ${result.registrations.acceptSeconds} s, all ended after ${result.registrations.seconds} s: ${JSON.stringify(registrations.counts)}${regsOpen ? `, ${regsOpen} still open at the budget` : ''}`);
    console.log(`  contributions: ${pays.ids.length} accepted in ${result.contributions.acceptSeconds} s, all ended after ${result.contributions.seconds} s: ${JSON.stringify(contributions.counts)}${paysOpen ? `, ${paysOpen} still open at the budget` : ''}`);
    if (Object.keys(regs.errors).length + Object.keys(pays.errors).length > 0) console.log(`  refused: ${JSON.stringify({ ...regs.errors, ...pays.errors })}`);
    console.log(`  wall time, first registration sent to last contribution posted: ${wallSeconds} s (target < 180 s)`);
    console.log(`  CPU ms per operation (${operations}): ${result.cpuMsPerOperation}; CPU s by process: ${Object.entries(cpuDuringLoad.cpuSeconds).sort((a, b) => b[1] - a[1]).map(([n, v]) => `${n} ${v}`).join(', ')}`);
    console.log(`  peak RSS MiB: ${Object.entries(result.peakRssMiB).map(([n, v]) => `${n} ${v}`).join(', ')}`);
    await mkdir('results', { recursive: true });
    const file = `results/bench-district-${result.date.replace(/[:.]/g, '-')}.json`;
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\ntotal ${round((Date.now() - started) / 1000)} s; written to ${file}`);
  } finally {
    await system.stop();
  }
}

if (DISTRICT) {
  await runDistrict();
  process.exit(0);
}

// ---------------------------------------------------------------- the run

// Eligible farmers from the simulator (deterministic: the system's own simulator has the same ones).
const sample = await (async () => {
  const sim = await startServiceProcess({ service: 'partner-sim', env: { SIM_LATENCY_MS: '0' } });
  try {
    const farmers: unknown[] = [];
    while (farmers.length < COUNT + WARMUP) {
      const res = await fetch(`${sim.url}/_sim/farmers?case=eligible&limit=${Math.min(1000, COUNT + WARMUP - farmers.length)}&offset=${farmers.length}`);
      const page = ((await res.json()) as { items: unknown[] }).items;
      if (page.length === 0) break;
      farmers.push(...page);
    }
    return farmers;
  } finally {
    await sim.kill('SIGTERM');
  }
})();

const warmupSample = sample.slice(0, WARMUP);
const measured = sample.slice(WARMUP);
const baseline = BASELINE ? await runBaseline(measured, warmupSample) : null;
const ours = await runSystem(measured, warmupSample);
const profiles: Record<string, ProfileSummary> = PROFILE_DIR ? await summarizeProfiles(PROFILE_DIR, ours.pids) : {};

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || !b ? null : round(a / b, 2));
const vsBaseline = baseline ? {
  registrations: {
    acceptedPerSecond: ratio(ours.registrations.acceptedPerSecond, baseline.acceptedPerSecond),
    ackP99: ratio(ours.registrations.ackLatencyMs.p99, baseline.ackLatencyMs.p99),
    completedPerSecond: ratio(ours.registrations.completedPerSecond, baseline.completedPerSecond),
  },
  contributions: ours.contributions ? {
    acceptedPerSecond: ratio(ours.contributions.acceptedPerSecond, baseline.acceptedPerSecond),
    ackP99: ratio(ours.contributions.ackLatencyMs.p99, baseline.ackLatencyMs.p99),
    completedPerSecond: ratio(ours.contributions.completedPerSecond, baseline.completedPerSecond),
  } : null,
} : null;

// The district at the measured rates: every farmer registered, then every one paid (an extrapolation, not a run).
const districtSeconds = ours.registrations.completedPerSecond && ours.contributions?.completedPerSecond
  ? round(DISTRICT_FARMERS / ours.registrations.completedPerSecond + DISTRICT_FARMERS / ours.contributions.completedPerSecond, 0) : null;
const maxOf = (m: Record<string, number>) => (Object.keys(m).length > 0 ? Math.max(...Object.values(m)) : NaN);
// Machine CPU per operation completed: every process sampled (services, PostgreSQL, Redis, the load generator) over both phases.
const opsCompleted = (ours.registrations.completed ?? 0) + (ours.contributions?.completed ?? 0);
const cpuMsPerOperation = opsCompleted > 0 ? {
  total: round(Object.values(ours.cpuDuringLoad.cpuSeconds).reduce((a, b) => a + b, 0) * 1000 / opsCompleted, 2),
  byProcess: Object.fromEntries(Object.entries(ours.cpuDuringLoad.cpuSeconds).map(([n, v]) => [n, round(v * 1000 / opsCompleted, 2)])),
} : null;
const targets = [
  { target: 'accept ≥ 3,000 registrations/s', measured: `${ours.registrations.acceptedPerSecond}/s`, met: ours.registrations.acceptedPerSecond >= 3000 },
  { target: 'registration ack p99 < 50 ms', measured: `${ours.registrations.ackLatencyMs.p99} ms`, met: ours.registrations.ackLatencyMs.p99 < 50 },
  { target: 'complete ≥ 1,000 registrations/s end to end', measured: `${ours.registrations.completedPerSecond ?? '–'}/s`, met: (ours.registrations.completedPerSecond ?? 0) >= 1000 },
  { target: `district (${DISTRICT_FARMERS.toLocaleString('en')}) registered and paid < 180 s`, measured: districtSeconds ? `≈ ${districtSeconds} s (projected)` : '–', met: districtSeconds !== null && districtSeconds < 180 },
  { target: 'machine CPU per operation ≤ 1.5 ms', measured: cpuMsPerOperation ? `${cpuMsPerOperation.total} ms` : '–', met: cpuMsPerOperation !== null && cpuMsPerOperation.total <= 1.5 },
  { target: 'each service < 100 MiB RSS idle', measured: `max ${maxOf(ours.idleRssMiB)} MiB`, met: maxOf(ours.idleRssMiB) < 100 },
  { target: 'each service < 250 MiB RSS at peak', measured: `max ${maxOf(ours.peakRssMiB)} MiB`, met: maxOf(ours.peakRssMiB) < 250 },
];

const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: round(totalmem() / 2 ** 30), node: process.version, loadAverageAtStart, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
  options: { seconds: SECONDS, maxCount: COUNT, concurrency: CONCURRENCY, acceptOnly: ACCEPT_ONLY, warmup: WARMUP },
  baseline, ...ours, cpuMsPerOperation, profiles, vsBaseline, districtSecondsProjected: districtSeconds, targets,
  totalSeconds: round((Date.now() - started) / 1000),
};

// ---------------------------------------------------------------- the table

const cell = (v: unknown) => (v === null || v === undefined || Number.isNaN(v) ? '–' : String(v));
const row = (cols: unknown[], widths: number[]) => cols.map((c, i) => cell(c).padEnd(widths[i]!)).join('  ');
const W = [26, 11, 24, 13, 18, 9];
console.log(`\nregistrations sent for ${SECONDS} s (at most ${COUNT}) at concurrency ${CONCURRENCY}, then one contribution for each registered${ACCEPT_ONLY ? ', acceptance alone (no adapter)' : ''}`);
console.log(row(['phase', 'accepted/s', 'ack p50/p95/p99 ms', 'completed/s', 'completion p50/p99', 'errors'], W));
const line = (name: string, r: PhaseResult | null) => r && console.log(row([
  name, r.acceptedPerSecond, `${r.ackLatencyMs.p50} / ${r.ackLatencyMs.p95} / ${r.ackLatencyMs.p99}`, r.completedPerSecond,
  r.completionLatencyMs ? `${r.completionLatencyMs.p50} / ${r.completionLatencyMs.p99}` : null, Object.values(r.errorsByCode).reduce((a, b) => a + b, 0),
], W));
line('baseline (Fastify+BullMQ)', baseline);
line('registrations', ours.registrations);
line('contributions', ours.contributions);
if (vsBaseline) {
  console.log('\nas a ratio to the baseline   accepted/s  ack p99  completed/s');
  for (const [name, v] of Object.entries(vsBaseline)) if (v) console.log(`  ${name.padEnd(27)}${cell(v.acceptedPerSecond).padEnd(12)}${cell(v.ackP99).padEnd(9)}${cell(v.completedPerSecond)}`);
}
for (const [name, r] of [['registrations', ours.registrations], ['contributions', ours.contributions]] as const) {
  if (!r) continue;
  console.log(`${name} outcomes ${JSON.stringify(r.outcomes)}${Object.keys(r.errorsByCode).length ? `, errors ${JSON.stringify(r.errorsByCode)}` : ''}${r.unfinished ? `, ${r.unfinished} unfinished when the budget ran out` : ''}`);
}
console.log('\nRSS MiB (idle before the load / peak during it)');
for (const n of Object.keys(ours.peakRssMiB)) console.log(`  ${n.padEnd(20)} ${cell(ours.idleRssMiB[n])} / ${cell(ours.peakRssMiB[n])}`);
if (baseline) for (const n of Object.keys(baseline.peakRssMiB)) console.log(`  ${n.padEnd(20)} ${cell(baseline.idleRssMiB[n])} / ${cell(baseline.peakRssMiB[n])}`);
const cpuLine = (name: string, c: { wallSeconds: number; cpuSeconds: Record<string, number> }) => {
  const sorted = Object.entries(c.cpuSeconds).sort((a, b) => b[1] - a[1]);
  console.log(`\nCPU seconds during the ${name} load (${c.wallSeconds} s wall, ${round(c.wallSeconds * cpus().length)} CPU s on ${cpus().length} cores)`);
  console.log(`  ${sorted.map(([n, v]) => `${n} ${v}`).join(', ')}`);
};
if (baseline) cpuLine('baseline', baseline.cpuDuringLoad);
cpuLine('system', ours.cpuDuringLoad);
if (cpuMsPerOperation) {
  console.log(`\nCPU ms per operation completed (${opsCompleted}, both phases): ${cpuMsPerOperation.total} in all; `
    + Object.entries(cpuMsPerOperation.byProcess).sort((a, b) => b[1] - a[1]).map(([n, v]) => `${n} ${v}`).join(', '));
}
console.log(`\nRedis: ${ours.redis.keys} keys of this run (${ours.redis.keysMiB} MiB by MEMORY USAGE, an estimate), used_memory of the whole server ${ours.redis.serverUsedMemoryMiB} MiB`);
console.log(`PostgreSQL: schema ${ours.postgres.schema} ${ours.postgres.schemaMiB} MiB, database ${ours.postgres.database} ${ours.postgres.databaseMiB} MiB`);
if ('writes' in ours && ours.writes) {
  const w = ours.writes;
  const per = (n: number) => (opsCompleted ? round(n / opsCompleted, 2) : '–');
  console.log(`PostgreSQL writes during the load, per operation completed: ${per(w.commits)} commits, ${per(w.walRecords)} WAL records, ${opsCompleted ? round((w.walMiB * 1024) / opsCompleted, 2) : '–'} KiB of WAL (the warm-up's rows included below)`);
  for (const [t, v] of Object.entries(w.tables)) console.log(`  ${t.padEnd(22)} inserted ${v.inserted}, updated ${v.updated} (HOT ${v.hotUpdated}), deleted ${v.deleted}`);
}
console.log('\ntargets (reported, never asserted)');
for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'missed '} ${t.target.padEnd(50)} ${t.measured}`);
for (const [name, p] of Object.entries(profiles)) {
  console.log(`\nCPU profile of ${name}: ${p.totalMs} ms sampled, ${p.idlePercent} % idle; self time of the busy rest:`);
  for (const f of p.topFunctions.slice(0, 8)) console.log(`  ${String(f.percent).padStart(5)} %  ${f.name}`);
  console.log(`  by package: ${p.topPackages.slice(0, 8).map((x) => `${x.name} ${x.percent} %`).join(', ')}`);
}

await mkdir('results', { recursive: true });
const file = `results/bench-${result.date.replace(/[:.]/g, '-')}.json`;
await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\ntotal ${result.totalSeconds} s; written to ${file}`);
process.exit(0);
