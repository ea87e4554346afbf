// `npm run chaos`: runs the whole system as processes and, scenario after scenario, drives
// registrations and then one contribution for each registered farmer through the public API while
// it breaks something on purpose; then it drains and verifies by counting, against the gateway's
// ledger and the simulator's partner ledgers, that nothing accepted was lost or done twice.
// Options (env): CHAOS_COUNT (300 farmers a scenario), CHAOS_CONCURRENCY (32), CHAOS_OUTAGE_S (20,
// partner-down), CHAOS_SLOW_S (15, partner-slow), CHAOS_DRAIN_S (120, per phase), CHAOS_ONLY (names,
// comma-separated), CHAOS_KEEP=1 (keep the ledger schemas and queues for a look afterwards), CHAOS_BUDGET_S (540),
// CHAOS_RESULTS_DIR (results). SIGTERM or SIGINT stops every process it started before it exits.
import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '@sutasoma/ledger';
import { testDatabaseUrl } from '@sutasoma/testing';
import type { System } from './lib/system.ts';
import { describe, diagnose, type Diagnosis } from './chaos/diagnose.ts';
import { forEachConcurrently, postUntilAnswered, type Answer } from './chaos/load.ts';
import { startRedisServer, type RedisServer } from './chaos/redis-server.ts';
import { scenarios, type Fault, type Phase, type Scenario } from './chaos/scenarios.ts';
import { startChaosSystem, stopChaosSystem } from './chaos/system.ts';
import { settle, tally, type Tally } from './chaos/verify.ts';

const num = (name: string, def: number) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const COUNT = Math.floor(num('CHAOS_COUNT', 300));
const CONCURRENCY = Math.floor(num('CHAOS_CONCURRENCY', 32));
const OUTAGE_S = num('CHAOS_OUTAGE_S', 20);
const SLOW_S = num('CHAOS_SLOW_S', 15);
const DRAIN_S = num('CHAOS_DRAIN_S', 120);
/** A command the gateway has not answered for this long (retried all along) counts as unanswered. */
const GIVE_UP_S = 30;
const ONLY = process.env['CHAOS_ONLY']?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
const KEEP = process.env['CHAOS_KEEP'] === '1';
const RESULTS_DIR = process.env['CHAOS_RESULTS_DIR'] ?? 'results';
/**
 * Past this, drains stop waiting and no further scenario starts: with the defaults the run ends within
 * ten minutes; longer faults (each held twice) lengthen it by what they add.
 */
const BUDGET_MS = num('CHAOS_BUDGET_S', 540 + 2 * Math.max(0, OUTAGE_S - 20) + 2 * Math.max(0, SLOW_S - 15)) * 1000;
const started = Date.now();

const note = (msg: string) => process.stderr.write(`· ${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s  ${msg}\n`);
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const budgetEnds = started + BUDGET_MS;

interface PhaseOutcome {
  ids: string[];
  refused: Extract<Answer, { kind: 'refused' }>[];
  unanswered: number;
  retried: number;
  vaUnpaid: number;
  faultError: string | null;
  drainMs: number;
  /** Operations still open when the drain deadline passed. */
  openAtDeadline: number;
}

async function farmersFor(system: System, index: number): Promise<{ nik: string }[]> {
  const farmers: { nik: string }[] = [];
  while (farmers.length < COUNT) {
    const offset = index * COUNT + farmers.length;
    const res = await fetch(`${system.sim.url}/_sim/farmers?case=eligible&cardStatus=ACTIVE&limit=${Math.min(1000, COUNT - farmers.length)}&offset=${offset}`);
    const page = ((await res.json()) as { items: { nik: string }[] }).items;
    if (page.length === 0) break;
    farmers.push(...page);
  }
  return farmers;
}

/** Waits for the bank's virtual account, then pays it as the farmer would, through the simulator. */
async function payVa(system: System, id: string): Promise<boolean> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const { rows } = await system.db.pool.query<{ va: string | null; status: string }>(
      "SELECT result->'virtualAccount'->>'number' AS va, status FROM operations WHERE id = $1", [id],
    );
    const va = rows[0]?.va;
    if (va) {
      const res = await fetch(`${system.sim.url}/_sim/bank/va/${encodeURIComponent(va.trim())}/pay`, { method: 'POST' });
      return res.ok || res.status === 409;
    }
    if (rows[0] && ['failed', 'expired'].includes(rows[0].status)) return false;
    await sleep(100);
  }
  return false;
}

/**
 * Sends every body (same Idempotency-Key on every retry); a third of the way through, when the
 * scenario breaks something in this phase, injects the fault, holds it and clears it while the load
 * goes on; then waits until every accepted operation is terminal. The drain is timed from the
 * moment the load was answered and the fault cleared.
 */
async function runPhase(ctx: { system: System; redis?: RedisServer }, sc: Scenario, phase: Phase, bodies: unknown[]): Promise<PhaseOutcome> {
  const { system } = ctx;
  const out: PhaseOutcome = { ids: [], refused: [], unanswered: 0, retried: 0, vaUnpaid: 0, faultError: null, drainMs: 0, openAtDeadline: 0 };
  let markSent!: () => void;
  const sent = new Promise<void>((resolve) => { markSent = resolve; });
  const fault: Fault | null = sc.phases.includes(phase) && bodies.length > 0 ? sc.fault({ ...ctx, sent }) : null;
  let faulted: Promise<void> | undefined;
  let answered = 0;
  const breakNow = () => {
    const f = fault!;
    return (async () => {
      note(`${sc.name} ${phase}: fault injected after ${answered} of ${bodies.length}`);
      await f.inject();
      await f.hold();
      await f.clear();
      note(`${sc.name} ${phase}: fault cleared after ${answered} of ${bodies.length}`);
    })().catch((err: Error) => { out.faultError = err.message; note(`${sc.name} ${phase}: fault failed: ${err.message}`); });
  };

  const post = { baseUrl: system.gateway.url, token: system.agentToken(), giveUpMs: GIVE_UP_S * 1000, clock: { lastAnswerAt: Date.now() } };
  const path = phase === 'registrations' ? '/v1/registrations' : '/v1/contributions';
  await forEachConcurrently(bodies, CONCURRENCY, async (body) => {
    const answer = await postUntilAnswered(post, path, body);
    out.retried += answer.retries > 0 ? 1 : 0;
    if (answer.kind === 'accepted') {
      out.ids.push(answer.id);
      if (phase === 'contributions' && sc.channel === 'bank_va' && !(await payVa(system, answer.id))) out.vaUnpaid++;
    } else if (answer.kind === 'refused') out.refused.push(answer);
    else out.unanswered++;
    answered++;
    if (fault && !faulted && answered >= Math.ceil(bodies.length / 3)) faulted = breakNow();
  });
  markSent();
  await faulted;

  const drainFrom = Date.now();
  out.openAtDeadline = await settle(system.db.pool, out.ids, Math.min(drainFrom + DRAIN_S * 1000, budgetEnds));
  out.drainMs = Date.now() - drainFrom;
  note(`${sc.name} ${phase}: ${out.ids.length} accepted, ${out.openAtDeadline} still open after ${seconds(out.drainMs)} s`);
  return out;
}

/** A service a scenario left dead is started again, so the next scenario tests its own fault, not the last one's. */
async function reviveDead(system: System): Promise<string[]> {
  const revived: string[] = [];
  for (const p of [system.sim, ...Object.values(system.adapters).map((a) => a!), system.gateway]) {
    const alive = await fetch(`${p.url}/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (alive) continue;
    note(`${p.name} no longer answers /health: starting it again before the next scenario`);
    await p.kill('SIGKILL');
    await p.restart();
    revived.push(p.name);
  }
  // A restarted simulator forgot where the bank's notifications go.
  if (revived.includes(system.sim.name) && system.adapters.bank) {
    await fetch(`${system.sim.url}/_sim/bank/webhook`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${system.adapters.bank.url}/webhooks/bank/payments` }),
    });
  }
  return revived;
}

async function registeredKpjs(pool: Pool, ids: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ kpj: string }>(
    "SELECT result->>'kpj' AS kpj FROM operations WHERE id = ANY($1::uuid[]) AND status = 'registered'", [ids],
  );
  return rows.map((r) => r.kpj);
}

interface ScenarioResult {
  scenario: string;
  accepted: number;
  completed: number;
  lost: number;
  duplicated: number;
  drainSeconds: number;
  pass: boolean;
  problems: string[];
  farmers: number;
  requestsRetried: number;
  partnerCalls: Record<string, unknown>;
  webhookDeliveries: Record<string, number>;
  ledger: Tally['byStatus'];
  duplicates: Tally['duplicates'];
  lostOperations: Tally['lostIds'];
  diagnosis: Diagnosis | null;
  /** Services the previous scenario left dead, started again before this one. */
  revivedBefore?: string[];
}

async function runScenario(ctx: { system: System; redis?: RedisServer }, sc: Scenario, index: number): Promise<ScenarioResult> {
  const { system } = ctx;
  await fetch(`${system.sim.url}/_sim/stats`, { method: 'DELETE' });
  const farmers = await farmersFor(system, index);
  const regs = await runPhase(ctx, sc, 'registrations', farmers);
  const kpjs = await registeredKpjs(system.db.pool, regs.ids);
  const contribs = await runPhase(ctx, sc, 'contributions', kpjs.map((kpj) => ({ kpj, months: 1, channel: sc.channel })));

  const t = await tally(system.db.pool, system.sim.url, [...regs.ids, ...contribs.ids]);
  // What the partners saw, to show the fault bit: BPJS calls by status and dropped connections; webhook deliveries.
  const partnerCalls = (await (await fetch(`${system.sim.url}/_sim/stats`)).json()) as Record<string, unknown>;
  const deliveries = ((await (await fetch(`${system.sim.url}/_sim/bank/webhooks`)).json()) as { items: { status: string }[] }).items;
  const webhookDeliveries = Object.fromEntries([...new Set(deliveries.map((d) => d.status))].map((st) => [st, deliveries.filter((d) => d.status === st).length]));
  const problems: string[] = [];
  if (farmers.length < COUNT) problems.push(`only ${farmers.length} fresh farmers of ${COUNT}`);
  for (const [phase, p] of [['registrations', regs], ['contributions', contribs]] as const) {
    if (p.refused.length > 0) problems.push(`${phase}: ${p.refused.length} refused (${[...new Set(p.refused.map((r) => `${r.status} ${r.code}`))].join(', ')})`);
    if (p.unanswered > 0) problems.push(`${phase}: ${p.unanswered} never answered in ${GIVE_UP_S} s`);
    if (p.vaUnpaid > 0) problems.push(`${phase}: ${p.vaUnpaid} virtual accounts never issued or not payable`);
    if (p.faultError) problems.push(`${phase}: the fault itself failed: ${p.faultError}`);
    if (p.openAtDeadline > 0) problems.push(`${phase}: ${p.openAtDeadline} operations unfinished at the drain deadline (${DRAIN_S} s)`);
  }
  if (t.unfinished > 0) problems.push(`${t.unfinished} operations unfinished at the end`);
  const pass = t.lost === 0 && t.duplicated === 0 && t.unfinished === 0 && problems.length === 0;
  const failedIds = [...t.lostIds.map((l) => l.id)];
  const diagnosis = pass ? null : await diagnose(system.db.pool, failedIds, [system.gateway, ...Object.values(system.adapters).map((a) => a!), system.sim]);
  return {
    scenario: sc.name, accepted: t.accepted, completed: t.completed, lost: t.lost, duplicated: t.duplicated,
    drainSeconds: seconds(regs.drainMs + contribs.drainMs), pass, problems, farmers: farmers.length,
    requestsRetried: regs.retried + contribs.retried, partnerCalls: { bpjs: partnerCalls['bpjs'], bank: partnerCalls['bank'] }, webhookDeliveries, ledger: t.byStatus, duplicates: t.duplicates, lostOperations: t.lostIds, diagnosis,
  };
}

function print(r: ScenarioResult) {
  console.log(`${r.scenario}: accepted ${r.accepted}, completed ${r.completed}, lost ${r.lost}, duplicated ${r.duplicated}, drain ${r.drainSeconds.toFixed(1)} s, ${r.pass ? 'PASS' : 'FAIL'}`);
  if (r.pass) return;
  for (const p of r.problems) console.log(`  ${p}`);
  for (const d of r.duplicates.slice(0, 5)) console.log(`  duplicated ${d.kind} ${d.key}: ${d.count} at the ${d.where}`);
  const why = new Map<string, number>();
  for (const l of r.lostOperations) why.set(`${l.kind}: ${l.why}`, (why.get(`${l.kind}: ${l.why}`) ?? 0) + 1);
  for (const [w, n] of why) console.log(`  lost ${n} ${w}`);
  if (r.diagnosis) for (const line of describe(r.diagnosis)) console.log(line);
}

const all = scenarios({ outageS: OUTAGE_S, slowS: SLOW_S, databaseUrl: testDatabaseUrl(), note });
const unknown = ONLY.filter((n) => !all.some((s) => s.name === n));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

let shared: System | undefined;
const results: ScenarioResult[] = [];
/** What to stop if the harness itself is stopped (a test's timeout, Ctrl-C): every system and redis-server it runs. */
const running = new Set<() => Promise<void>>();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    note(`${signal}: stopping every process this run started…`);
    void Promise.allSettled([...running].map((stop) => stop())).then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}
try {
  for (const [index, sc] of all.entries()) {
    if (ONLY.length > 0 && !ONLY.includes(sc.name)) continue;
    if (Date.now() > budgetEnds) {
      results.push({
        scenario: sc.name, accepted: 0, completed: 0, lost: 0, duplicated: 0, drainSeconds: 0, pass: false, problems: ['not run: the ten-minute budget was spent'],
        farmers: 0, requestsRetried: 0, partnerCalls: {}, webhookDeliveries: {}, ledger: {}, duplicates: [], lostOperations: [], diagnosis: null,
      });
      print(results.at(-1)!);
      continue;
    }
    let result: ScenarioResult;
    if (sc.ownRedis) {
      note(`${sc.name}: starting a redis-server and a system of its own on it…`);
      const redis = await startRedisServer();
      running.add(redis.kill);
      note(`${sc.name}: redis-server at ${redis.url}`);
      let system: System | undefined;
      const stopOwn = () => (system ? stopChaosSystem(system, KEEP) : Promise.resolve());
      try {
        system = await startChaosSystem(redis.url);
        running.add(stopOwn);
        note(`${sc.name}: ledger schema ${system.db.schema}, queue prefix ${system.queues.prefix}`);
        result = await runScenario({ system, redis }, sc, index);
      } finally {
        running.delete(stopOwn);
        if (system) await stopChaosSystem(system, KEEP);
        running.delete(redis.kill);
        await redis.kill();
      }
    } else {
      if (!shared) {
        note('starting the system: gateway, simluhtan, ekartutani, bpjs and bank adapters, partner simulator…');
        shared = await startChaosSystem();
        const s = shared;
        running.add(() => stopChaosSystem(s, KEEP));
        note(`ledger schema ${shared.db.schema}, queue prefix ${shared.queues.prefix}`);
      }
      const revived = await reviveDead(shared);
      result = await runScenario({ system: shared }, sc, index);
      if (revived.length > 0) result.revivedBefore = revived;
    }
    results.push(result);
    print(result);
  }
} finally {
  if (shared) await stopChaosSystem(shared, KEEP);
}

const totalS = seconds(Date.now() - started);
console.log(`total ${totalS.toFixed(1)} s`);
const date = new Date().toISOString();
await mkdir(RESULTS_DIR, { recursive: true });
const file = `${RESULTS_DIR}/chaos-${date.replace(/[:.]/g, '-')}.json`;
await writeFile(file, `${JSON.stringify({
  date,
  options: { count: COUNT, concurrency: CONCURRENCY, outageSeconds: OUTAGE_S, slowSeconds: SLOW_S, drainSeconds: DRAIN_S },
  totalSeconds: totalS,
  scenarios: results,
}, null, 2)}\n`);
console.log(`written to ${file}`);
process.exit(results.every((r) => r.pass) && results.length > 0 ? 0 : 1);
