// `npm run chaos`: runs the whole system as processes and, scenario after scenario, drives
// registrations and then one contribution for each registered farmer through the public API, then
// starts a hospital stay (an accident claim) for a share of the farmers whose contribution was
// posted, while it breaks something on purpose; then it drains and verifies by counting, against the
// gateway's ledger and the simulator's partner ledgers, that nothing accepted was lost or done twice.
// Options (env): CHAOS_COUNT (300 farmers a scenario), CHAOS_CONCURRENCY (32), CHAOS_OUTAGE_S (20,
// partner-down), CHAOS_SLOW_S (15, partner-slow), CHAOS_DRAIN_S (120, per phase), CHAOS_CLAIMS_SHARE
// (1/3 of the farmers whose contribution was posted get a claim), CHAOS_CLAIMS_FAULT_AT (started: a third of
// the stays started, the default; submitted: a third of the cases submitted to BPJS), CHAOS_ONLY (names,
// comma-separated), CHAOS_KEEP=1 (keep the ledger schemas and queues for a look afterwards), CHAOS_BUDGET_S (540),
// CHAOS_RESULTS_DIR (results). SIGTERM or SIGINT stops every process it started before it exits.
// Each scenario ends PASS, FAIL (something lost, doubled, refused or stuck past its drain deadline) or
// INCONCLUSIVE (the budget ran out before it could tell); exit 0 when all passed, 1 when one failed,
// 3 when none failed but one was inconclusive.
import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '@sutasoma/ledger';
import { testDatabaseUrl, testPii } from '@sutasoma/testing';
import { pointWebhooks, type System } from './lib/system.ts';
import { describe, diagnose, type Diagnosis } from './chaos/diagnose.ts';
import { forEachConcurrently, postUntilAnswered, type Answer } from './chaos/load.ts';
import { startRedisServer, type RedisServer } from './chaos/redis-server.ts';
import { scenarios, type Fault, type Phase, type Scenario } from './chaos/scenarios.ts';
import { startChaosSystem, stopChaosSystem } from './chaos/system.ts';
import { claimsSubmitted, openStays, settle, settleClaims, tally, tallyClaims, type Stay, type Tally } from './chaos/verify.ts';

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
const CLAIMS_SHARE = num('CHAOS_CLAIMS_SHARE', 1 / 3);
if (CLAIMS_SHARE > 1) throw new Error('CHAOS_CLAIMS_SHARE must be at most 1');
/**
 * When the claims phase breaks something: after a third of the stays were started (`started`, the
 * default), or after a third of the cases were submitted to BPJS (`submitted`: the fault then lands
 * between claims submitted and BPJS's decisions, which the stays alone, started within a second, never reach).
 */
const CLAIMS_FAULT_AT = process.env['CHAOS_CLAIMS_FAULT_AT'] ?? 'started';
if (!['started', 'submitted'].includes(CLAIMS_FAULT_AT)) throw new Error('CHAOS_CLAIMS_FAULT_AT must be started or submitted');
/** A claim's hospital stay: admitted now, discharged with the bill this much later. */
const DISCHARGE_AFTER_MS = 1000;
/** A command the gateway has not answered for this long (retried all along) counts as unanswered. */
const GIVE_UP_S = 30;
const ONLY = process.env['CHAOS_ONLY']?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
const KEEP = process.env['CHAOS_KEEP'] === '1';
const RESULTS_DIR = process.env['CHAOS_RESULTS_DIR'] ?? 'results';
/**
 * Past this, drains stop waiting (what is still moving then is inconclusive, not lost) and no further
 * scenario starts: with the defaults the run ends within ten minutes; longer faults (each held three
 * times) lengthen it by what they add.
 */
const BUDGET_MS = num('CHAOS_BUDGET_S', 540 + 3 * Math.max(0, OUTAGE_S - 20) + 3 * Math.max(0, SLOW_S - 15)) * 1000;
/**
 * A scenario starts only with this much of the budget left: a quarter more than the longest one so
 * far took (a system of its own included), and never less than MIN_SCENARIO_MS.
 */
const MIN_SCENARIO_MS = 30_000;
const HEADROOM = 1.25;
const started = Date.now();

const note = (msg: string) => process.stderr.write(`· ${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s  ${msg}\n`);
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const budgetEnds = started + BUDGET_MS;

interface PhaseOutcome {
  /** Operations accepted (registrations, contributions). */
  ids: string[];
  /** Hospital stays started (claims). */
  stays: Stay[];
  refused: Extract<Answer, { kind: 'refused' }>[];
  unanswered: number;
  retried: number;
  vaUnpaid: number;
  faultError: string | null;
  drainMs: number;
  /** The drain's deadline, from the end of the load: DRAIN_S, or less where the budget ended first. */
  deadlineMs: number;
  /** Operations still open when the drain deadline passed. */
  openAtDeadline: number;
  /** The budget, not DRAIN_S, ended the drain while operations were still open: they may yet finish. */
  cutByBudget: boolean;
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

/** Starts a hospital stay at the simulator: the admission is sent now, the discharge with its bill shortly after. */
async function startStay(system: System, farmer: { nik: string; kpj: string }): Promise<Stay | Extract<Answer, { kind: 'refused' | 'unanswered' }>> {
  try {
    const res = await fetch(`${system.sim.url}/_sim/hospital/scenarios`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nik: farmer.nik, dischargeAfterMs: DISCHARGE_AFTER_MS }),
    });
    const json = (await res.json().catch(() => ({}))) as { encounterId?: string; code?: string };
    if (res.status === 202 && json.encounterId) return { ...farmer, encounterId: json.encounterId };
    return { kind: 'refused', status: res.status, code: json.code ?? 'hospital scenario', retries: 0 };
  } catch (err) {
    return { kind: 'unanswered', retries: 0, error: (err as Error).message };
  }
}

/**
 * Sends every body (same Idempotency-Key on every retry; claims: one hospital stay each, at the
 * simulator); a third of the way through, when the
 * scenario breaks something in this phase, injects the fault, holds it and clears it while the load
 * goes on; then waits until every accepted operation is terminal. The drain is timed from the
 * moment the load was answered and the fault cleared.
 */
async function runPhase(ctx: { system: System; redis?: RedisServer }, sc: Scenario, phase: Phase, bodies: unknown[]): Promise<PhaseOutcome> {
  const { system } = ctx;
  const out: PhaseOutcome = {
    ids: [], stays: [], refused: [], unanswered: 0, retried: 0, vaUnpaid: 0, faultError: null, drainMs: 0, deadlineMs: 0, openAtDeadline: 0, cutByBudget: false,
  };
  let markSent!: () => void;
  const sent = new Promise<void>((resolve) => { markSent = resolve; });
  const submitted = () => (phase === 'claims' ? claimsSubmitted(system.db.pool, out.stays) : Promise.resolve());
  const fault: Fault | null = sc.phases.includes(phase) && bodies.length > 0 ? sc.fault({ ...ctx, phase, sent, submitted }) : null;
  let faulted: Promise<void> | undefined;
  let answered = 0;
  const breakNow = () => {
    const f = fault!;
    return (async () => {
      note(`${sc.name} ${phase}: fault injected after ${answered} of ${bodies.length}${phase === 'claims' && CLAIMS_FAULT_AT === 'submitted' ? ' cases submitted to BPJS' : ''}`);
      await f.inject();
      await f.hold();
      await f.clear();
      note(`${sc.name} ${phase}: fault cleared after ${answered} of ${bodies.length}`);
    })().catch((err: Error) => { out.faultError = err.message; note(`${sc.name} ${phase}: fault failed: ${err.message}`); });
  };

  const post = { baseUrl: system.gateway.url, token: system.agentToken(), giveUpMs: GIVE_UP_S * 1000, clock: { lastAnswerAt: Date.now() } };
  const path = phase === 'registrations' ? '/v1/registrations' : '/v1/contributions';
  await forEachConcurrently(bodies, CONCURRENCY, async (body) => {
    const answer = phase === 'claims' ? await startStay(system, body as { nik: string; kpj: string }) : await postUntilAnswered(post, path, body);
    if ('encounterId' in answer) out.stays.push(answer);
    else {
      out.retried += answer.retries > 0 ? 1 : 0;
      if (answer.kind === 'accepted') {
        out.ids.push(answer.id);
        if (phase === 'contributions' && sc.channel === 'bank_va' && !(await payVa(system, answer.id))) out.vaUnpaid++;
      } else if (answer.kind === 'refused') out.refused.push(answer);
      else out.unanswered++;
    }
    answered++;
    if (fault && !faulted && answered >= Math.ceil(bodies.length / 3) && !(phase === 'claims' && CLAIMS_FAULT_AT === 'submitted')) faulted = breakNow();
  });
  if (fault && !faulted) {
    // Claims with CHAOS_CLAIMS_FAULT_AT=submitted: once a third of the cases went to BPJS (at most 60 s).
    const until = Date.now() + 60_000;
    while ((await openStays(system.db.pool, out.stays)).submittedOrEnded < Math.ceil(out.stays.length / 3) && Date.now() < until) await sleep(100);
    answered = (await openStays(system.db.pool, out.stays)).submittedOrEnded;
    faulted = breakNow();
  }
  markSent();
  await faulted;

  const drainFrom = Date.now();
  const deadline = Math.min(drainFrom + DRAIN_S * 1000, budgetEnds);
  out.deadlineMs = deadline - drainFrom;
  out.openAtDeadline = phase === 'claims' ? await settleClaims(system.db.pool, out.stays, deadline) : await settle(system.db.pool, out.ids, deadline);
  out.drainMs = Date.now() - drainFrom;
  out.cutByBudget = out.openAtDeadline > 0 && deadline < drainFrom + DRAIN_S * 1000;
  note(`${sc.name} ${phase}: ${phase === 'claims' ? `${out.stays.length} hospital stays started` : `${out.ids.length} accepted`}, ${out.openAtDeadline} still open after ${seconds(out.drainMs)} s${out.cutByBudget ? ' (the budget ran out)' : ''}`);
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
  // A restarted simulator forgot where its webhooks go.
  if (revived.includes(system.sim.name)) await pointWebhooks(system.sim, system.adapters);
  return revived;
}

async function registeredKpjs(pool: Pool, ids: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ kpj: string }>(
    "SELECT result->>'kpj' AS kpj FROM operations WHERE id = ANY($1::uuid[]) AND status = 'registered'", [ids],
  );
  return rows.map((r) => r.kpj);
}

/** The farmers whose contribution was posted, one in 1/CLAIMS_SHARE of them, spread evenly: the ones who get a claim. */
async function claimants(pool: Pool, ids: string[]): Promise<{ nik: string; kpj: string }[]> {
  // The ledger holds the NIK sealed in the farmer's registration: opened with the run's keys.
  const { rows } = await pool.query<{ request: Record<string, unknown>; kpj: string }>(
    `SELECT r.request, o.request->>'kpj' AS kpj FROM operations o
       JOIN participants p ON p.kpj = o.request->>'kpj' JOIN operations r ON r.id = p.registration_id
      WHERE o.id = ANY($1::uuid[]) AND o.status = 'posted' ORDER BY o.created_at, o.id`, [ids],
  );
  return rows.filter((_, i) => Math.floor((i + 1) * CLAIMS_SHARE) > Math.floor(i * CLAIMS_SHARE))
    .map((r) => ({ nik: testPii.reveal<{ nik: string }>(r.request).nik, kpj: r.kpj }));
}

/** Deliveries by status, e.g. {delivered: 200, pending: 1}. */
const byStatus = (items: { status: string }[]) => Object.fromEntries([...new Set(items.map((d) => d.status))].map((st) => [st, items.filter((d) => d.status === st).length]));

interface ClaimsResult {
  /** Hospital stays started at the simulator. */
  started: number;
  /** Cases paid, their claim once at BPJS, one transfer to the hospital, one card credit. */
  completed: number;
  lost: number;
  duplicated: number;
  /** Deliveries of this scenario's hospital notifications and BPJS decisions, by status. */
  hospitalDeliveries: Record<string, number>;
  decisionDeliveries: Record<string, number>;
  /** BPJS's decision deliveries of the cases lost, as the simulator saw them (status, attempts, last answer). */
  lostDecisionDeliveries: { claimRef: string; status: string; attempts: number; responseStatus: number | null }[];
}

type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

interface ScenarioResult {
  scenario: string;
  /**
   * PASS: every accepted operation completed once. FAIL: one was lost, doubled or still open at its
   * drain deadline, or a request was refused or never answered. INCONCLUSIVE: nothing went wrong,
   * but the budget ran out (before the scenario, or while operations were still moving).
   */
  verdict: Verdict;
  /** Registrations and contributions accepted plus hospital stays started. */
  accepted: number;
  completed: number;
  lost: number;
  duplicated: number;
  /** Accepted but not terminal yet when the drain ended. */
  unfinished: number;
  drainSeconds: number;
  pass: boolean;
  problems: string[];
  farmers: number;
  requestsRetried: number;
  partnerCalls: Record<string, unknown>;
  webhookDeliveries: Record<string, number>;
  claims: ClaimsResult | null;
  ledger: Tally['byStatus'];
  duplicates: Tally['duplicates'];
  lostOperations: Tally['lostIds'];
  unfinishedOperations: Tally['unfinishedIds'];
  diagnosis: Diagnosis | null;
  /** Services the previous scenario left dead, started again before this one. */
  revivedBefore?: string[];
}

async function runScenario(ctx: { system: System; redis?: RedisServer }, sc: Scenario, index: number): Promise<ScenarioResult> {
  const { system } = ctx;
  await fetch(`${system.sim.url}/_sim/stats`, { method: 'DELETE' });
  const farmers = await farmersFor(system, index);
  // A phase whose drain the budget cut short leaves the next one nothing certain to start from.
  const skipped: Phase[] = [];
  const next = async (phase: Phase, previous: PhaseOutcome | null, bodies: () => Promise<unknown[]>) => {
    if (previous && (previous.cutByBudget || skipped.length > 0)) {
      skipped.push(phase);
      return runPhase(ctx, sc, phase, []);
    }
    return runPhase(ctx, sc, phase, await bodies());
  };
  const regs = await next('registrations', null, () => Promise.resolve(farmers));
  const contribs = await next('contributions', regs, async () => (await registeredKpjs(system.db.pool, regs.ids)).map((kpj) => ({ kpj, months: 1, channel: sc.channel })));
  const claimPhase = await next('claims', contribs, () => claimants(system.db.pool, contribs.ids));

  const ops = await tally(system.db.pool, system.sim.url, [...regs.ids, ...contribs.ids]);
  const cl = await tallyClaims(system.db.pool, system.sim.url, claimPhase.stays);
  const t: Tally = {
    accepted: ops.accepted + cl.accepted, completed: ops.completed + cl.completed, lost: ops.lost + cl.lost, duplicated: ops.duplicated + cl.duplicated,
    unfinished: ops.unfinished + cl.unfinished, byStatus: { ...ops.byStatus, ...cl.byStatus }, lostIds: [...ops.lostIds, ...cl.lostIds],
    unfinishedIds: [...ops.unfinishedIds, ...cl.unfinishedIds], duplicates: [...ops.duplicates, ...cl.duplicates],
  };
  // What the partners saw, to show the fault bit: BPJS calls by status and dropped connections; webhook deliveries.
  const partnerCalls = (await (await fetch(`${system.sim.url}/_sim/stats`)).json()) as Record<string, unknown>;
  const deliveries = ((await (await fetch(`${system.sim.url}/_sim/bank/webhooks`)).json()) as { items: { status: string }[] }).items;
  const webhookDeliveries = byStatus(deliveries);
  const encounters = new Set(claimPhase.stays.map((st) => st.encounterId));
  const hospitalDeliveries = ((await (await fetch(`${system.sim.url}/_sim/hospital/deliveries`)).json()) as { items: { status: string; encounterId: string }[] }).items
    .filter((d) => encounters.has(d.encounterId));
  const { rows: caseRows } = await system.db.pool.query<{ id: string }>(
    "SELECT id FROM operations WHERE kind = 'jkk_claim' AND nik_index = ANY($1)", [claimPhase.stays.map((st) => testPii.index(st.nik))],
  );
  const caseIds = new Set(caseRows.map((r) => r.id));
  const decisionDeliveries = ((await (await fetch(`${system.sim.url}/_sim/bpjs/claims/webhooks`)).json()) as
    { items: { status: string; claimRef: string; attempts: number; responseStatus: number | null }[] }).items.filter((d) => caseIds.has(d.claimRef));
  const lostCases = new Set(cl.lostIds.map((l) => l.id));
  const claims: ClaimsResult = {
    started: cl.accepted, completed: cl.completed, lost: cl.lost, duplicated: cl.duplicated,
    hospitalDeliveries: byStatus(hospitalDeliveries), decisionDeliveries: byStatus(decisionDeliveries),
    lostDecisionDeliveries: decisionDeliveries.filter((d) => lostCases.has(d.claimRef))
      .map((d) => ({ claimRef: d.claimRef, status: d.status, attempts: d.attempts, responseStatus: d.responseStatus })),
  };
  const problems: string[] = [];
  /** What only the budget stopped: nothing wrong seen, nothing proved either. */
  const cutShort: string[] = [];
  if (farmers.length < COUNT) problems.push(`only ${farmers.length} fresh farmers of ${COUNT}`);
  for (const [phase, p] of [['registrations', regs], ['contributions', contribs], ['claims', claimPhase]] as const) {
    if (p.refused.length > 0) problems.push(`${phase}: ${p.refused.length} refused (${[...new Set(p.refused.map((r) => `${r.status} ${r.code}`))].join(', ')})`);
    if (p.unanswered > 0) problems.push(`${phase}: ${p.unanswered} never answered in ${GIVE_UP_S} s`);
    if (p.vaUnpaid > 0) problems.push(`${phase}: ${p.vaUnpaid} virtual accounts never issued or not payable`);
    if (p.faultError) problems.push(`${phase}: the fault itself failed: ${p.faultError}`);
    if (skipped.includes(phase)) cutShort.push(`${phase}: not run, the budget ran out during the phase before`);
    else if (p.cutByBudget) {
      cutShort.push(`${phase}: ${p.openAtDeadline} operations still moving when the budget ran out (the drain had ${seconds(Math.max(0, p.deadlineMs))} s of its ${DRAIN_S} s)`);
    } else if (p.openAtDeadline > 0) problems.push(`${phase}: ${p.openAtDeadline} operations unfinished at the drain deadline (${seconds(p.deadlineMs)} s)`);
  }
  if (t.unfinished > 0 && cutShort.length === 0) problems.push(`${t.unfinished} operations unfinished at the end`);
  const failed = t.lost > 0 || t.duplicated > 0 || problems.length > 0;
  const verdict: Verdict = failed ? 'FAIL' : cutShort.length > 0 ? 'INCONCLUSIVE' : 'PASS';
  const pass = verdict === 'PASS';
  problems.push(...cutShort);
  // Diagnosis by operation: a stay whose case never appeared has none.
  const failedIds = [...t.lostIds, ...t.unfinishedIds].map((l) => l.id).filter((id) => /^[0-9a-f-]{36}$/.test(id));
  const diagnosis = verdict !== 'FAIL' ? null : await diagnose(system.db.pool, system.queues, failedIds, [system.gateway, ...Object.values(system.adapters).map((a) => a!), system.sim]);
  return {
    scenario: sc.name, verdict, accepted: t.accepted, completed: t.completed, lost: t.lost, duplicated: t.duplicated, unfinished: t.unfinished,
    drainSeconds: seconds(regs.drainMs + contribs.drainMs + claimPhase.drainMs), pass, problems, farmers: farmers.length,
    requestsRetried: regs.retried + contribs.retried,
    partnerCalls: Object.fromEntries(['bpjs', 'bank', 'plkk', 'hospital', 'ekartutani'].map((k) => [k, partnerCalls[k]])), webhookDeliveries, claims, ledger: t.byStatus, duplicates: t.duplicates, lostOperations: t.lostIds,
    unfinishedOperations: t.unfinishedIds, diagnosis,
  };
}

function print(r: ScenarioResult) {
  const unfinished = r.unfinished > 0 ? `, unfinished ${r.unfinished}` : '';
  console.log(`${r.scenario}: accepted ${r.accepted}${r.claims ? ` (${r.claims.started} claims)` : ''}, completed ${r.completed}, lost ${r.lost}, duplicated ${r.duplicated}${unfinished}, drain ${r.drainSeconds.toFixed(1)} s, ${r.verdict}`);
  if (r.pass) return;
  for (const p of r.problems) console.log(`  ${p}`);
  for (const d of r.duplicates.slice(0, 5)) console.log(`  duplicated ${d.kind} ${d.key}: ${d.count} at the ${d.where}`);
  const why = new Map<string, number>();
  for (const l of r.lostOperations) why.set(`${l.kind}: ${l.why}`, (why.get(`${l.kind}: ${l.why}`) ?? 0) + 1);
  for (const [w, n] of why) console.log(`  lost ${n} ${w}`);
  const where = new Map<string, number>();
  for (const l of r.unfinishedOperations) where.set(`${l.kind}: ${l.why}`, (where.get(`${l.kind}: ${l.why}`) ?? 0) + 1);
  for (const [w, n] of where) console.log(`  unfinished ${n} ${w}`);
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
/** The longest scenario so far and the longest start of a system, for what the next scenario needs. */
let longestScenarioMs = 0;
let longestSystemStartMs = 0;
const startSystemTimed = async (redisUrl?: string) => {
  const from = Date.now();
  const system = await startChaosSystem(redisUrl);
  longestSystemStartMs = Math.max(longestSystemStartMs, Date.now() - from);
  return system;
};
/** Why the scenario cannot start in what is left of the budget, or null when it can. */
function noRoomFor(sc: Scenario): string | null {
  const needMs = Math.max(MIN_SCENARIO_MS, HEADROOM * (longestScenarioMs + (sc.ownRedis ? longestSystemStartMs : 0)));
  const leftMs = budgetEnds - Date.now();
  if (leftMs >= needMs) return null;
  return `not run: ${seconds(Math.max(0, leftMs))} s of the ${seconds(BUDGET_MS)} s budget left, and it needs about ${seconds(needMs)} s`;
}

try {
  for (const [index, sc] of all.entries()) {
    if (ONLY.length > 0 && !ONLY.includes(sc.name)) continue;
    if (!sc.ownRedis && !shared) {
      note('starting the system: gateway, simluhtan, ekartutani, bpjs, bank, plkk and hospital adapters, partner simulator…');
      shared = await startSystemTimed();
      const s = shared;
      running.add(() => stopChaosSystem(s, KEEP));
      note(`ledger schema ${shared.db.schema}, queue prefix ${shared.queues.prefix} (started in ${seconds(longestSystemStartMs)} s)`);
    }
    const noRoom = noRoomFor(sc);
    if (noRoom) {
      results.push({
        scenario: sc.name, verdict: 'INCONCLUSIVE', accepted: 0, completed: 0, lost: 0, duplicated: 0, unfinished: 0, drainSeconds: 0, pass: false, problems: [noRoom],
        farmers: 0, requestsRetried: 0, partnerCalls: {}, webhookDeliveries: {}, claims: null, ledger: {}, duplicates: [], lostOperations: [], unfinishedOperations: [], diagnosis: null,
      });
      print(results.at(-1)!);
      continue;
    }
    const scenarioFrom = Date.now();
    let result: ScenarioResult;
    if (sc.ownRedis) {
      note(`${sc.name}: starting a redis-server and a system of its own on it…`);
      const redis = await startRedisServer();
      running.add(redis.kill);
      note(`${sc.name}: redis-server at ${redis.url}`);
      let system: System | undefined;
      const stopOwn = () => (system ? stopChaosSystem(system, KEEP) : Promise.resolve());
      try {
        system = await startSystemTimed(redis.url);
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
      const revived = await reviveDead(shared!);
      result = await runScenario({ system: shared! }, sc, index);
      if (revived.length > 0) result.revivedBefore = revived;
    }
    // A system of its own is counted apart (its start is added to what a scenario with one needs).
    longestScenarioMs = Math.max(longestScenarioMs, Date.now() - scenarioFrom - (sc.ownRedis ? longestSystemStartMs : 0));
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
  options: { count: COUNT, concurrency: CONCURRENCY, outageSeconds: OUTAGE_S, slowSeconds: SLOW_S, drainSeconds: DRAIN_S, claimsShare: CLAIMS_SHARE },
  totalSeconds: totalS,
  scenarios: results,
}, null, 2)}\n`);
console.log(`written to ${file}`);
const verdicts = results.map((r) => r.verdict);
console.log(`scenarios: ${(['PASS', 'FAIL', 'INCONCLUSIVE'] as const).map((v) => `${verdicts.filter((x) => x === v).length} ${v}`).join(', ')}`);
process.exit(results.length === 0 || verdicts.includes('FAIL') ? 1 : verdicts.includes('INCONCLUSIVE') ? 3 : 0);
