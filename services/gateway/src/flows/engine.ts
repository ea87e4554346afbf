import {
  EXTERNAL_STEPS, StepInputs, StepJob, jobIds, systemOf,
  type StepEvent, type StepName, type StepState,
} from '@sutasoma/contracts';
import { enqueue, type OutboxMessage, type PoolClient } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';

/**
 * The machinery every flow shares: operations and their ordered steps in the ledger, a step's job
 * published through the outbox when the steps before it have succeeded, adapter events applied
 * under a row lock, and stalled operations republished. A flow (registration, contribution) says
 * only what is its own: its steps, their inputs, its statuses and what its results mean.
 */

export interface OperationRow {
  id: string;
  kind: string;
  status: string;
  agent_id: string;
  village_code: string;
  /** The farmer's NIK as its blind index (Pii.index); the NIK itself is in the request, sealed. */
  nik_index: string;
  correlation_id: string;
  /** The request, its personal fields revealed once the operation is read (the ledger holds them sealed). */
  request: Record<string, unknown>;
  result: Record<string, unknown>;
  reason_code: string | null;
  reason_detail: string | null;
  /** How many times the reconciler republished the operation's current step. */
  recoveries: number;
  created_at: Date;
  updated_at: Date;
}

export interface StepRow {
  step: StepName;
  system: string;
  seq: number;
  state: StepState;
  attempts: number;
  last_error_code: string | null;
  idempotency_key: string;
  replays: number;
  discarded: boolean;
  result?: Record<string, unknown> | null;
  partner_status?: number | null;
  updated_at: Date | string;
}

export type StepGate = 'run' | 'skip' | { fail: { code: string; detail: string } };

export type SucceededEffect = { patch: Record<string, unknown> } | { fail: { code: string; detail: string } };

export interface FlowDefinition {
  kind: string;
  terminal: readonly string[];
  /**
   * The job inputs of steps about to be published, one for each item in the order given: read from
   * their operations (and from the ledger, for inputs decided late, all at once). Most flows need
   * only the operation: `eachInput`.
   */
  inputs: (tx: PoolClient, items: readonly StepToPublish[], pii: Pii) => Promise<Record<string, unknown>[]>;
  /** What a step's result adds to the operation's result, or why it makes the step fail. */
  succeeded: (op: OperationRow, step: StepName, result: Record<string, unknown>) => SucceededEffect;
  /**
   * Whether a partner's business refusal of this step is a matter for an operator rather than the
   * end of the operation (a payout the bank refuses for a bad account): the step then fails, and
   * can be replayed once it is mended. Default: a refusal rejects the operation.
   */
  refusalFails?: (step: StepName) => boolean;
  /** The operation's status, derived from its steps. */
  status: (steps: readonly StepRow[]) => string;
  /**
   * Side effects, in the same transaction, of the status changes a batch of events made (in event
   * order), written together: a participant registered, coverage extended, an agent's fees.
   */
  onStatusChanges?: (tx: PoolClient, changes: readonly StatusChange[]) => Promise<void>;
  /**
   * Whether a step about to be published runs, is skipped (nothing to do: a payout of Rp 0), or
   * fails at once for a reason an operator must settle (no account to pay to). Default: runs.
   */
  gate?: (op: OperationRow, step: StepName) => StepGate;
  /** A periodic pass for what time alone decides (an unpaid virtual account expiring); returns the ids it closed. */
  sweep?: (tx: PoolClient) => Promise<string[]>;
}

/** A step as clients and operators see it. */
export function stepView(s: StepRow) {
  return {
    name: s.step, system: systemOf(s.step), state: s.state, attempts: s.attempts, lastErrorCode: s.last_error_code,
    updatedAt: new Date(s.updated_at).toISOString(),
  };
}

/** Whether a step has succeeded. */
export const succeeded = (steps: readonly StepRow[], step: StepName) => steps.some((s) => s.step === step && s.state === 'succeeded');

/** The partner's idempotency key: the same for every attempt, retry and replay of one step. */
export const idempotencyKeyFor = (operationId: string, step: StepName) => `${operationId}:${step}`;

/**
 * The outbox message that asks the step's adapter to do it; validated before it is written, its
 * personal fields sealed (the outbox row and the job in Redis hold them so; the adapter opens them).
 */
export function jobMessage(pii: Pii, operationId: string, correlationId: string, step: StepName, input: Record<string, unknown>, replay = 0, recovery = 0): OutboxMessage {
  const payload = StepJob.parse({
    operationId,
    correlationId,
    step,
    idempotencyKey: idempotencyKeyFor(operationId, step),
    input: pii.protect(StepInputs[step].parse(input)),
    replay,
    recovery,
  });
  return { queue: systemOf(step), name: step, jobId: jobIds.step(operationId, step, replay, recovery), payload };
}

export interface StepToPublish {
  op: OperationRow;
  step: StepName;
  replay?: number;
  /** > 0 when the reconciler republishes the step (a job id of its own, the same idempotency key). */
  recovery?: number;
}

export interface StatusChange {
  op: OperationRow;
  from: string;
  to: string;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** `inputs` for a flow whose step inputs come from the operation alone. */
export function eachInput(input: (op: OperationRow, step: StepName, pii: Pii) => Record<string, unknown>): FlowDefinition['inputs'] {
  return async (_tx, items, pii) => items.map(({ op, step }) => input(op, step, pii));
}

/** The steps' jobs, of operations of one flow (their requests revealed), their inputs read together. */
export async function stepMessages(pii: Pii, flow: FlowDefinition, tx: PoolClient, items: readonly StepToPublish[]): Promise<OutboxMessage[]> {
  if (items.length === 0) return [];
  const inputs = await flow.inputs(tx, items, pii);
  return items.map((it, i) => jobMessage(pii, it.op.id, it.op.correlation_id, it.step, inputs[i]!, it.replay, it.recovery));
}

/** One step's job (see stepMessages). */
export async function stepMessage(pii: Pii, flow: FlowDefinition, tx: PoolClient, op: OperationRow, step: StepName, replay = 0, recovery = 0): Promise<OutboxMessage> {
  return (await stepMessages(pii, flow, tx, [{ op, step, replay, recovery }]))[0]!;
}

/** An operation as read from the ledger, its request's personal fields revealed (one decryption). */
export function revealed<T extends Pick<OperationRow, 'request'>>(pii: Pii, row: T): T {
  return { ...row, request: pii.reveal(row.request) };
}

/** The first step not yet succeeded, in order. */
function firstOpen(steps: readonly StepRow[]): StepRow | undefined {
  return steps.find((s) => s.state !== 'succeeded');
}

export type EventEffect = 'applied' | 'duplicate' | 'unknown_operation' | 'operation_closed';

export interface EventOutcome {
  effect: EventEffect;
  kind?: string;
  /** The operation's status after the event. */
  status?: string;
  /** Its status before, when the event changed it. */
  from?: string;
  /** Why the operation stopped, when the event rejected or failed it. */
  reason?: { code: string; detail: string };
}

export type LoadedOperation = OperationRow & { steps: StepRow[] };

export interface EventRow { operation_id: string; kind: string; step: string; attempt: number; detail: Record<string, unknown> }

/** What one event does to its operation, decided in memory: the new rows, the step to publish and the events to record. */
export interface Transition {
  outcome: EventOutcome;
  op?: LoadedOperation;
  changed?: StepName[];
  /** The next step to publish (its job's input is read when the transition is applied). */
  publish?: { step: StepName; replays: number };
  events?: EventRow[];
}

/**
 * One event's transition, `state + event → new state + effects`: pure (no ledger, no clock but the
 * flow's own), so each flow's table of cases is tested without a database. Events for a step
 * already ended, or for a closed operation, change nothing: partners and queues may deliver twice,
 * and webhooks may arrive before the step they answer.
 */
export function transition(flow: FlowDefinition, op: LoadedOperation, e: StepEvent): Transition {
  if (flow.terminal.includes(op.status)) return { outcome: { effect: 'operation_closed', kind: op.kind, status: op.status } };
  const step = op.steps.find((s) => s.step === e.step);
  // An event of a generation before the operator's last replay is stale: the step was reopened since.
  if (!step || e.replay < step.replays || step.state === 'succeeded' || step.state === 'rejected' || step.state === 'failed') {
    return { outcome: { effect: 'duplicate', kind: op.kind, status: op.status } };
  }

  const attempts = Math.max(step.attempts, e.attempt);
  let state: StepState;
  let reason: { code: string; detail: string } | null = null;
  let errorCode = e.errorCode ?? null;
  const result = { ...op.result };
  switch (e.outcome) {
    case 'attempt_failed':
      state = 'running';
      break;
    case 'failed':
      state = 'failed';
      reason = { code: e.errorCode ?? 'step_failed', detail: `${e.step} failed after ${attempts} attempt(s): ${e.errorCode ?? 'unknown error'}` };
      break;
    case 'rejected':
      state = flow.refusalFails?.(e.step) ? 'failed' : 'rejected';
      reason = { code: e.reasonCode ?? 'rejected', detail: `${systemOf(e.step)} refused: ${e.reasonCode ?? 'no reason given'}` };
      if (state === 'failed') errorCode = e.reasonCode ?? 'rejected';
      break;
    case 'succeeded': {
      const effect = flow.succeeded(op, e.step, e.result ?? {});
      if ('fail' in effect) {
        state = 'failed';
        reason = effect.fail;
        errorCode = effect.fail.code;
      } else {
        state = 'succeeded';
        Object.assign(result, effect.patch);
      }
      break;
    }
  }

  const before = firstOpen(op.steps);
  let steps = op.steps.map((s) => (s.step === e.step
    ? {
      ...s, state, attempts,
      last_error_code: errorCode ?? s.last_error_code,
      partner_status: e.partnerStatus ?? s.partner_status,
      result: e.result ?? s.result ?? null,
    }
    : s));
  let after = firstOpen(steps);
  const updated = { ...op, result };
  let publish: Transition['publish'];
  const gated: { step: StepName; state: StepState; code: string | null }[] = [];
  while (after && after.step !== before?.step && after.state === 'pending' && !EXTERNAL_STEPS.has(after.step) && !steps.some((s) => s.state === 'failed' || s.state === 'rejected')) {
    const gate = flow.gate?.(updated, after.step) ?? 'run';
    if (gate === 'run') {
      publish = { step: after.step, replays: after.replays };
      break;
    }
    const next = gate === 'skip' ? 'succeeded' : 'failed';
    const code = gate === 'skip' ? null : gate.fail.code;
    const name = after.step;
    steps = steps.map((s) => (s.step === name ? { ...s, state: next, last_error_code: code } : s));
    gated.push({ step: name, state: next, code });
    if (gate !== 'skip') reason ??= gate.fail;
    after = firstOpen(steps);
  }
  const status = flow.status(steps);

  const events: EventRow[] = [{
    operation_id: op.id, kind: `step_${e.outcome}`, step: e.step, attempt: e.attempt,
    detail: {
      durationMs: Math.round(e.durationMs),
      ...(errorCode ? { errorCode } : {}),
      ...(e.reasonCode ? { reasonCode: e.reasonCode } : {}),
      ...(e.partnerStatus ? { partnerStatus: e.partnerStatus } : {}),
    },
  }];
  for (const g of gated) {
    events.push({ operation_id: op.id, kind: g.state === 'succeeded' ? 'step_skipped' : 'step_failed', step: g.step, attempt: 0, detail: g.code ? { errorCode: g.code } : {} });
  }
  if (status !== op.status) {
    events.push({ operation_id: op.id, kind: 'status_changed', step: e.step, attempt: e.attempt, detail: { from: op.status, to: status, ...(reason ? { reason: reason.code } : {}) } });
  }
  return {
    outcome: { effect: 'applied', kind: op.kind, status, ...(status !== op.status ? { from: op.status } : {}), ...(reason ? { reason } : {}) },
    op: {
      ...updated, steps, status,
      reason_code: reason?.code ?? op.reason_code,
      reason_detail: reason?.detail ?? op.reason_detail,
    },
    changed: [e.step, ...gated.map((g) => g.step)],
    ...(publish ? { publish } : {}),
    events,
  };
}

/**
 * Locks operations (in id order, so two transactions never wait on each other in a circle), then
 * reads them with their steps in a statement of its own. In one statement, a row lock that had to
 * wait would return the operation as the other transaction committed it, but its steps as they were
 * before: a second event for the same operation would then decide on stale steps.
 */
export async function lockAndLoad(tx: PoolClient, pii: Pii, operationIds: readonly string[]): Promise<Map<string, LoadedOperation>> {
  const ids = [...new Set(operationIds)].sort();
  await tx.query({ name: 'operations-lock', text: 'SELECT id FROM operations WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', values: [ids] });
  const { rows } = await tx.query<LoadedOperation>({
    name: 'operations-load',
    text: `SELECT o.*, (SELECT json_agg(s ORDER BY s.seq) FROM operation_steps s WHERE s.operation_id = o.id) AS steps
             FROM operations o WHERE o.id = ANY($1::uuid[])`,
    values: [ids],
  });
  return new Map(rows.map((r) => [r.id, revealed(pii, r)]));
}

/**
 * Applies adapter events in the caller's transaction: their operations are locked and read at once
 * (lockAndLoad), each event's transition is decided in memory in the order given (several for one
 * operation follow each other), the flows' side effects and the next steps' inputs are written and
 * read once per flow, and everything else they change is written in one statement. Answers in the
 * order given.
 */
export async function applyStepEvents(tx: PoolClient, pii: Pii, flows: ReadonlyMap<string, FlowDefinition>, events: readonly StepEvent[]): Promise<EventOutcome[]> {
  const ops = await lockAndLoad(tx, pii, events.map((e) => e.operationId));
  const dirty = new Map<string, Set<StepName>>();
  const recorded: EventRow[] = [];
  const outcomes: EventOutcome[] = [];
  const toPublish = new Map<FlowDefinition, StepToPublish[]>();
  const changes = new Map<FlowDefinition, StatusChange[]>();
  for (const e of events) {
    const op = ops.get(e.operationId);
    const flow = op && flows.get(op.kind);
    if (!op || !flow) {
      outcomes.push({ effect: 'unknown_operation' });
      continue;
    }
    const t = transition(flow, op, e);
    outcomes.push(t.outcome);
    if (!t.op) continue;
    if (t.publish) push(toPublish, flow, { op: t.op, step: t.publish.step, replay: t.publish.replays });
    if (t.outcome.from !== undefined) push(changes, flow, { op: t.op, from: t.outcome.from, to: t.op.status });
    ops.set(op.id, t.op);
    const steps = dirty.get(op.id) ?? new Set<StepName>();
    for (const name of t.changed ?? []) steps.add(name);
    dirty.set(op.id, steps);
    recorded.push(...(t.events ?? []));
  }
  if (dirty.size === 0) return outcomes;
  // The status changes' side effects first, then the next steps' inputs, which may read what those
  // wrote. Within one batch no input depends on another operation's side effect: a farmer has one
  // open contribution at a time, and a contribution is accepted only once its participant exists.
  for (const [flow, list] of changes) await flow.onStatusChanges?.(tx, list);
  const outbox: OutboxMessage[] = [];
  for (const [flow, list] of toPublish) outbox.push(...(await stepMessages(pii, flow, tx, list)));

  const stepRows = [...dirty].flatMap(([id, names]) => ops.get(id)!.steps.filter((s) => names.has(s.step)).map((s) => ({
    operation_id: id, step: s.step, state: s.state, attempts: s.attempts, last_error_code: s.last_error_code, partner_status: s.partner_status ?? null, result: s.result ?? null,
  })));
  const opRows = [...dirty.keys()].map((id) => {
    const op = ops.get(id)!;
    return { id, status: op.status, result: op.result, reason_code: op.reason_code, reason_detail: op.reason_detail };
  });
  await tx.query({
    name: 'step-events-write',
    text: `WITH st AS (
             UPDATE operation_steps s SET state = x.state, attempts = x.attempts, last_error_code = x.last_error_code,
               partner_status = x.partner_status, result = x.result, updated_at = now()
             FROM jsonb_to_recordset($1::jsonb) AS x(operation_id uuid, step text, state text, attempts int, last_error_code text, partner_status int, result jsonb)
             WHERE s.operation_id = x.operation_id AND s.step = x.step),
           op AS (
             UPDATE operations o SET status = x.status, result = x.result, reason_code = x.reason_code, reason_detail = x.reason_detail, updated_at = now()
             FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, status text, result jsonb, reason_code text, reason_detail text) WHERE o.id = x.id),
           ob AS (
             INSERT INTO outbox (queue, job_name, job_id, payload)
             SELECT m.queue, m.name, m.job_id, m.payload FROM jsonb_to_recordset($3::jsonb) AS m(queue text, name text, job_id text, payload jsonb))
           INSERT INTO operation_events (operation_id, kind, step, attempt, detail)
             SELECT ev.operation_id, ev.kind, ev.step, ev.attempt, ev.detail
             FROM jsonb_to_recordset($4::jsonb) AS ev(operation_id uuid, kind text, step text, attempt int, detail jsonb)`,
    values: [
      JSON.stringify(stepRows),
      JSON.stringify(opRows),
      JSON.stringify(outbox.map((m) => ({ queue: m.queue, name: m.name, job_id: m.jobId, payload: m.payload }))),
      JSON.stringify(recorded),
    ],
  });
  return outcomes;
}

/** Applies one adapter event in the caller's transaction (see applyStepEvents). */
export async function applyStepEvent(tx: PoolClient, pii: Pii, flows: ReadonlyMap<string, FlowDefinition>, e: StepEvent): Promise<EventOutcome> {
  return (await applyStepEvents(tx, pii, flows, [e]))[0]!;
}

/** Whether a step's job is still in its queue, waiting or being worked on (not finished, not gone). */
export type StillQueued = (jobs: readonly { queue: string; jobIds: string[] }[]) => Promise<boolean[]>;

export interface RecoveryPass {
  /** Operations whose current step was published again. */
  republished: string[];
  /** Operations that only waited their turn: their step's job is still queued (a backlog, a partner's breaker open). */
  queued: string[];
}

/**
 * Publishes again the current step of operations left unfinished and untouched for `staleMs`:
 * work lost with Redis, or dropped between two writes, resumes by itself. An operation whose
 * step's job is still in its queue is not lost, only waiting (a backlog, a partner down): it is not
 * published again (which would add a second job for every waiting one, at the worst moment), only
 * marked as looked at, so the next pass looks further. Steps a partner completes by webhook are
 * not republished: there is nothing of ours to run.
 */
export async function recoverStale(tx: PoolClient, pii: Pii, flows: ReadonlyMap<string, FlowDefinition>, staleMs: number, stillQueued: StillQueued, limit = 200): Promise<RecoveryPass> {
  // operation_ended (migration 009) holds each kind's end states, as the flows define them; the
  // index of unfinished operations has the same predicate, so this reads only those.
  const { rows } = await tx.query<OperationRow & { current_step: StepName; current_replays: number }>(
    `SELECT o.*, s.step AS current_step, s.replays AS current_replays FROM operations o
       JOIN LATERAL (SELECT step, replays FROM operation_steps WHERE operation_id = o.id AND state <> 'succeeded' ORDER BY seq LIMIT 1) s ON true
     WHERE NOT operation_ended(o.kind, o.status) AND o.updated_at < now() - make_interval(secs => $1::double precision / 1000)
       AND NOT (s.step = ANY($3::text[]))
     ORDER BY o.updated_at LIMIT $2 FOR UPDATE OF o SKIP LOCKED`,
    [staleMs, limit, [...EXTERNAL_STEPS]],
  );
  const candidates = rows.filter((op) => flows.has(op.kind));
  if (candidates.length === 0) return { republished: [], queued: [] };
  // The step's job under its first id, and under the operation's latest recovery id.
  const queuedNow = await stillQueued(candidates.map((op) => ({
    queue: systemOf(op.current_step),
    jobIds: [...new Set([jobIds.step(op.id, op.current_step, op.current_replays), jobIds.step(op.id, op.current_step, op.current_replays, op.recoveries)])],
  })));
  const queued = candidates.filter((_, i) => queuedNow[i]).map((op) => op.id);
  const live = candidates.filter((_, i) => !queuedNow[i]);
  if (queued.length > 0) await tx.query('UPDATE operations SET updated_at = now() WHERE id = ANY($1::uuid[])', [queued]);
  if (live.length === 0) return { republished: [], queued };
  // Under a job id of its own: the step's earlier job may still be kept in Redis, finished, and an
  // add under its id would do nothing. The partner's idempotency key stays the step's.
  const byFlow = new Map<FlowDefinition, StepToPublish[]>();
  for (const op of live) {
    const flow = flows.get(op.kind)!;
    push(byFlow, flow, { op: revealed(pii, op), step: op.current_step, replay: op.current_replays, recovery: op.recoveries + 1 });
  }
  for (const [flow, items] of byFlow) await enqueue(tx, await stepMessages(pii, flow, tx, items));
  const ids = live.map((r) => r.id);
  await tx.query(
    `WITH bumped AS (UPDATE operations SET recoveries = recoveries + 1, updated_at = now() WHERE id = ANY($1::uuid[]))
     INSERT INTO operation_events (operation_id, kind, step, detail)
       SELECT o.id, 'step_republished', o.step, '{"reason":"stale"}'::jsonb FROM jsonb_to_recordset($2) AS o(id uuid, step text)`,
    [ids, JSON.stringify(live.map((op) => ({ id: op.id, step: op.current_step })))],
  );
  return { republished: ids, queued };
}

export type ReplayOutcome = 'replayed' | 'unknown_job' | 'not_failed' | 'was_discarded' | 'external_step';

/**
 * Reopens a failed step and publishes it again under its own idempotency key, so a replay of work
 * that in fact succeeded at the partner changes nothing there. Runs in the caller's transaction.
 */
export async function replayStep(tx: PoolClient, pii: Pii, flows: ReadonlyMap<string, FlowDefinition>, operationId: string, stepName: StepName, audit: { actor: string; reason: string }, dryRun: boolean): Promise<ReplayOutcome> {
  const op = (await lockAndLoad(tx, pii, [operationId])).get(operationId);
  const flow = op && flows.get(op.kind);
  const step = op?.steps.find((s) => s.step === stepName);
  if (!op || !flow || !step) return 'unknown_job';
  if (step.state !== 'failed') return 'not_failed';
  if (step.discarded) return 'was_discarded';
  if (EXTERNAL_STEPS.has(step.step)) return 'external_step';
  if (dryRun) return 'replayed';
  const replay = step.replays + 1;
  const steps = op.steps.map((s) => (s.step === stepName ? { ...s, state: 'pending' as StepState, replays: replay } : s));
  const status = flow.status(steps);
  await tx.query("UPDATE operation_steps SET state = 'pending', replays = $3, updated_at = now() WHERE operation_id = $1 AND step = $2", [op.id, stepName, replay]);
  // A farmer whose failed registration was followed by a new one: reopening would break the
  // one-open-per-farmer rule, and the database refuses it (the caller reports it as superseded).
  await tx.query('UPDATE operations SET status = $2, reason_code = NULL, reason_detail = NULL, updated_at = now() WHERE id = $1', [op.id, status]);
  await enqueue(tx, [await stepMessage(pii, flow, tx, { ...op, status }, stepName, replay)]);
  await tx.query(
    'INSERT INTO operation_events (operation_id, kind, step, detail) VALUES ($1, $2, $3, $4)',
    [op.id, 'replayed', stepName, JSON.stringify({ by: audit.actor, reason: audit.reason, replay, from: op.status, to: status })],
  );
  return 'replayed';
}

/** Closes a failed step by hand: the operation stays failed, with the operator's reason. */
export async function discardStep(tx: PoolClient, pii: Pii, operationId: string, stepName: StepName, audit: { actor: string; reason: string }, dryRun: boolean): Promise<'discarded' | 'unknown_job' | 'not_failed' | 'already_discarded'> {
  const step = (await lockAndLoad(tx, pii, [operationId])).get(operationId)?.steps.find((s) => s.step === stepName);
  if (!step) return 'unknown_job';
  if (step.state !== 'failed') return 'not_failed';
  if (step.discarded) return 'already_discarded';
  if (dryRun) return 'discarded';
  await tx.query('UPDATE operation_steps SET discarded = true, updated_at = now() WHERE operation_id = $1 AND step = $2', [operationId, stepName]);
  await tx.query("UPDATE operations SET reason_code = 'discarded', reason_detail = $2, updated_at = now() WHERE id = $1", [operationId, `discarded by ${audit.actor}: ${audit.reason}`]);
  await tx.query(
    'INSERT INTO operation_events (operation_id, kind, step, detail) VALUES ($1, $2, $3, $4)',
    [operationId, 'discarded', stepName, JSON.stringify({ by: audit.actor, reason: audit.reason })],
  );
  return 'discarded';
}
