import {
  EXTERNAL_STEPS, StepInputs, StepJob, jobIds, systemOf,
  type StepEvent, type StepName, type StepState,
} from '@sutasoma/contracts';
import { enqueue, type OutboxMessage, type PoolClient } from '@sutasoma/ledger';

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
  nik: string;
  correlation_id: string;
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
  updated_at: Date | string;
}

export type StepGate = 'run' | 'skip' | { fail: { code: string; detail: string } };

export type SucceededEffect = { patch: Record<string, unknown> } | { fail: { code: string; detail: string } };

export interface FlowDefinition {
  kind: string;
  terminal: readonly string[];
  /** The job input of a step, read from the operation (and the ledger, for inputs decided late). */
  input: (tx: PoolClient, op: OperationRow, step: StepName) => Promise<Record<string, unknown>>;
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
  /** Side effects in the same transaction when the status changes. */
  onStatusChange?: (tx: PoolClient, op: OperationRow, from: string, to: string) => Promise<void>;
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

/** The outbox message that asks the step's adapter to do it; validated before it is written. */
export function jobMessage(operationId: string, correlationId: string, step: StepName, input: Record<string, unknown>, replay = 0, recovery = 0): OutboxMessage {
  const payload = StepJob.parse({
    operationId,
    correlationId,
    step,
    idempotencyKey: idempotencyKeyFor(operationId, step),
    input: StepInputs[step].parse(input),
    replay,
    recovery,
  });
  return { queue: systemOf(step), name: step, jobId: jobIds.step(operationId, step, replay, recovery), payload };
}

/** The step's job; `recovery` > 0 when the reconciler republishes it (a job id of its own, the same idempotency key). */
export async function stepMessage(flow: FlowDefinition, tx: PoolClient, op: OperationRow, step: StepName, replay = 0, recovery = 0): Promise<OutboxMessage> {
  return jobMessage(op.id, op.correlation_id, step, await flow.input(tx, op, step), replay, recovery);
}

/** The first step not yet succeeded, in order. */
function firstOpen(steps: readonly StepRow[]): StepRow | undefined {
  return steps.find((s) => s.state !== 'succeeded');
}

export type EventEffect = 'applied' | 'duplicate' | 'unknown_operation' | 'operation_closed';

/**
 * Applies one adapter event under a row lock, in one read and one write statement (events are the
 * hottest path). Events for a step already ended, or for a closed operation, change nothing:
 * partners and queues may deliver twice, and webhooks may arrive before the step they answer.
 */
export async function applyStepEvent(tx: PoolClient, flows: ReadonlyMap<string, FlowDefinition>, e: StepEvent): Promise<{ effect: EventEffect; kind?: string; status?: string }> {
  const ops = await tx.query<OperationRow & { steps: StepRow[] }>(
    `SELECT o.*, (SELECT json_agg(s ORDER BY s.seq) FROM operation_steps s WHERE s.operation_id = o.id) AS steps
       FROM operations o WHERE o.id = $1 FOR UPDATE`,
    [e.operationId],
  );
  const op = ops.rows[0];
  const flow = op && flows.get(op.kind);
  if (!op || !flow) return { effect: 'unknown_operation' };
  if (flow.terminal.includes(op.status)) return { effect: 'operation_closed', kind: op.kind, status: op.status };
  const step = op.steps.find((s) => s.step === e.step);
  // An event of a generation before the operator's last replay is stale: the step was reopened since.
  if (!step || e.replay < step.replays || step.state === 'succeeded' || step.state === 'rejected' || step.state === 'failed') {
    return { effect: 'duplicate', kind: op.kind, status: op.status };
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
  let steps = op.steps.map((s) => (s.step === e.step ? { ...s, state, attempts } : s));
  let after = firstOpen(steps);
  const updated = { ...op, result };
  const outbox: OutboxMessage[] = [];
  const gated: { step: StepName; state: StepState; code: string | null }[] = [];
  while (after && after.step !== before?.step && after.state === 'pending' && !EXTERNAL_STEPS.has(after.step) && !steps.some((s) => s.state === 'failed' || s.state === 'rejected')) {
    const gate = flow.gate?.(updated, after.step) ?? 'run';
    if (gate === 'run') {
      outbox.push(await stepMessage(flow, tx, updated, after.step, after.replays));
      break;
    }
    const next = gate === 'skip' ? 'succeeded' : 'failed';
    const name = after.step;
    steps = steps.map((s) => (s.step === name ? { ...s, state: next } : s));
    gated.push({ step: name, state: next, code: gate === 'skip' ? null : gate.fail.code });
    if (gate !== 'skip') reason ??= gate.fail;
    after = firstOpen(steps);
  }
  const status = flow.status(steps);

  const events: { kind: string; step: string; attempt: number; detail: Record<string, unknown> }[] = [{
    kind: `step_${e.outcome}`, step: e.step, attempt: e.attempt,
    detail: {
      durationMs: Math.round(e.durationMs),
      ...(errorCode ? { errorCode } : {}),
      ...(e.reasonCode ? { reasonCode: e.reasonCode } : {}),
      ...(e.partnerStatus ? { partnerStatus: e.partnerStatus } : {}),
    },
  }];
  for (const g of gated) {
    events.push({ kind: g.state === 'succeeded' ? 'step_skipped' : 'step_failed', step: g.step, attempt: 0, detail: g.code ? { errorCode: g.code } : {} });
  }
  if (status !== op.status) {
    events.push({ kind: 'status_changed', step: e.step, attempt: e.attempt, detail: { from: op.status, to: status, ...(reason ? { reason: reason.code } : {}) } });
  }
  await tx.query(
    `WITH step AS (
       UPDATE operation_steps SET state = $3, attempts = $4, last_error_code = COALESCE($5, last_error_code),
         partner_status = COALESCE($6, partner_status), result = COALESCE($7, result), updated_at = now()
       WHERE operation_id = $1 AND step = $2),
     op AS (
       UPDATE operations SET status = $8, result = $9, reason_code = COALESCE($10, reason_code), reason_detail = COALESCE($11, reason_detail), updated_at = now() WHERE id = $1),
     ob AS (
       INSERT INTO outbox (queue, job_name, job_id, payload)
       SELECT m.queue, m.name, m.job_id, m.payload FROM jsonb_to_recordset($12) AS m(queue text, name text, job_id text, payload jsonb))
     INSERT INTO operation_events (operation_id, kind, step, attempt, detail)
       SELECT $1, ev.kind, ev.step, ev.attempt, ev.detail FROM jsonb_to_recordset($13) AS ev(kind text, step text, attempt int, detail jsonb)`,
    [
      op.id, e.step, state, attempts, errorCode, e.partnerStatus ?? null, e.result ? JSON.stringify(e.result) : null,
      status, JSON.stringify(result), reason?.code ?? null, reason?.detail ?? null,
      JSON.stringify(outbox.map((m) => ({ queue: m.queue, name: m.name, job_id: m.jobId, payload: m.payload }))),
      JSON.stringify(events),
    ],
  );
  if (gated.length > 0) {
    await tx.query(
      `UPDATE operation_steps s SET state = g.state, last_error_code = g.code, updated_at = now()
         FROM jsonb_to_recordset($2) AS g(step text, state text, code text) WHERE s.operation_id = $1 AND s.step = g.step`,
      [op.id, JSON.stringify(gated)],
    );
  }
  if (status !== op.status) await flow.onStatusChange?.(tx, { ...updated, status }, op.status, status);
  return { effect: 'applied', kind: op.kind, status };
}

/**
 * Publishes again the current step of operations left unfinished and untouched for `staleMs`:
 * work lost with Redis, or dropped between two writes, resumes by itself. The deterministic job id
 * makes this a no-op while the step's job still exists. Steps a partner completes by webhook are
 * not republished: there is nothing of ours to run.
 */
export async function recoverStale(tx: PoolClient, flows: ReadonlyMap<string, FlowDefinition>, staleMs: number, limit = 200): Promise<string[]> {
  const terminal = [...new Set([...flows.values()].flatMap((f) => f.terminal))];
  const { rows } = await tx.query<OperationRow & { current_step: StepName; current_replays: number }>(
    `SELECT o.*, s.step AS current_step, s.replays AS current_replays FROM operations o
       JOIN LATERAL (SELECT step, replays FROM operation_steps WHERE operation_id = o.id AND state <> 'succeeded' ORDER BY seq LIMIT 1) s ON true
     WHERE o.status <> ALL($1::text[]) AND o.updated_at < now() - make_interval(secs => $2::double precision / 1000)
       AND NOT (s.step = ANY($4::text[]))
     ORDER BY o.updated_at LIMIT $3 FOR UPDATE OF o SKIP LOCKED`,
    [terminal, staleMs, limit, [...EXTERNAL_STEPS]],
  );
  const live = rows.filter((op) => flows.has(op.kind));
  if (live.length === 0) return [];
  // Under a job id of its own: the step's earlier job may still be kept in Redis, finished, and an
  // add under its id would do nothing. The partner's idempotency key stays the step's.
  await enqueue(tx, await Promise.all(live.map((op) => stepMessage(flows.get(op.kind)!, tx, op, op.current_step, op.current_replays, op.recoveries + 1))));
  const ids = live.map((r) => r.id);
  await tx.query(
    `WITH bumped AS (UPDATE operations SET recoveries = recoveries + 1, updated_at = now() WHERE id = ANY($1::uuid[]))
     INSERT INTO operation_events (operation_id, kind, step, detail)
       SELECT o.id, 'step_republished', o.step, '{"reason":"stale"}'::jsonb FROM jsonb_to_recordset($2) AS o(id uuid, step text)`,
    [ids, JSON.stringify(live.map((op) => ({ id: op.id, step: op.current_step })))],
  );
  return ids;
}

export type ReplayOutcome = 'replayed' | 'unknown_job' | 'not_failed' | 'was_discarded' | 'external_step';

/**
 * Reopens a failed step and publishes it again under its own idempotency key, so a replay of work
 * that in fact succeeded at the partner changes nothing there. Runs in the caller's transaction.
 */
export async function replayStep(tx: PoolClient, flows: ReadonlyMap<string, FlowDefinition>, operationId: string, stepName: StepName, audit: { actor: string; reason: string }, dryRun: boolean): Promise<ReplayOutcome> {
  const ops = await tx.query<OperationRow & { steps: StepRow[] }>(
    `SELECT o.*, (SELECT json_agg(s ORDER BY s.seq) FROM operation_steps s WHERE s.operation_id = o.id) AS steps
       FROM operations o WHERE o.id = $1 FOR UPDATE`,
    [operationId],
  );
  const op = ops.rows[0];
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
  await enqueue(tx, [await stepMessage(flow, tx, { ...op, status }, stepName, replay)]);
  await tx.query(
    'INSERT INTO operation_events (operation_id, kind, step, detail) VALUES ($1, $2, $3, $4)',
    [op.id, 'replayed', stepName, JSON.stringify({ by: audit.actor, reason: audit.reason, replay, from: op.status, to: status })],
  );
  return 'replayed';
}

/** Closes a failed step by hand: the operation stays failed, with the operator's reason. */
export async function discardStep(tx: PoolClient, operationId: string, stepName: StepName, audit: { actor: string; reason: string }, dryRun: boolean): Promise<'discarded' | 'unknown_job' | 'not_failed' | 'already_discarded'> {
  const { rows } = await tx.query<{ state: string; discarded: boolean }>(
    'SELECT s.state, s.discarded FROM operation_steps s JOIN operations o ON o.id = s.operation_id WHERE s.operation_id = $1 AND s.step = $2 FOR UPDATE OF o',
    [operationId, stepName],
  );
  const step = rows[0];
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
