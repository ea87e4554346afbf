import { randomUUID } from 'node:crypto';
import {
  BpjsRegisterInput, CardResult, MembershipResult, NikInput, ParticipantResult, StepJob, StepInputs,
  TERMINAL_REGISTRATION_STATUSES, jobIds, maskNik, systemOf,
  type Principal, type Registration, type RegistrationRequest, type RegistrationStatus, type StepEvent, type StepName, type StepState,
} from '@sutasoma/contracts';
import { enqueue, type NewOperation, type PoolClient, type OutboxMessage } from '@sutasoma/ledger';

/**
 * The registration flow, top to bottom: the agent's request is accepted, then Simluhtan confirms
 * the farmer's group, e-Kartu Tani finds the card (a missing card is recorded, not fatal), and
 * BPJS registers the participant and returns the KPJ.
 */
export const REGISTRATION_STEPS = [
  'simluhtan.verify_membership',
  'ekartutani.lookup_card',
  'bpjs.register_participant',
] as const satisfies readonly StepName[];

export const KIND = 'registration';

interface OperationRow {
  id: string;
  status: RegistrationStatus;
  agent_id: string;
  village_code: string;
  nik: string;
  correlation_id: string;
  request: RegistrationRequest;
  result: Record<string, unknown>;
  reason_code: string | null;
  reason_detail: string | null;
  created_at: Date;
  updated_at: Date;
}

interface StepRow {
  step: StepName;
  system: string;
  seq: number;
  state: StepState;
  attempts: number;
  last_error_code: string | null;
  idempotency_key: string;
  updated_at: Date;
}

/** The partner's idempotency key: the same for every attempt, retry and replay of one step. */
export const idempotencyKeyFor = (operationId: string, step: StepName) => `${operationId}:${step}`;

function stepInput(step: StepName, req: RegistrationRequest): Record<string, unknown> {
  switch (step) {
    case 'simluhtan.verify_membership':
    case 'ekartutani.lookup_card':
      return NikInput.parse({ nik: req.nik });
    case 'bpjs.register_participant':
      return BpjsRegisterInput.parse({
        nik: req.nik, fullName: req.fullName, birthDate: req.birthDate, sex: req.sex,
        villageCode: req.villageCode, declaredMonthlyIncome: req.declaredMonthlyIncome,
        ...(req.phone ? { phone: req.phone } : {}),
      });
  }
}

/** The outbox message that asks the step's adapter to do it; validated before it is written. */
export function stepMessage(op: Pick<OperationRow, 'id' | 'correlation_id' | 'request'>, step: StepName): OutboxMessage {
  const input = StepInputs[step].parse(stepInput(step, op.request)) as Record<string, unknown>;
  const payload = StepJob.parse({
    operationId: op.id,
    correlationId: op.correlation_id,
    step,
    idempotencyKey: idempotencyKeyFor(op.id, step),
    input,
  });
  return { queue: systemOf(step), name: step, jobId: jobIds.step(op.id, step), payload };
}

async function recordEvent(tx: PoolClient, operationId: string, kind: string, detail: Record<string, unknown> = {}, step?: string, attempt?: number) {
  await tx.query(
    'INSERT INTO operation_events (operation_id, kind, step, attempt, detail) VALUES ($1, $2, $3, $4, $5)',
    [operationId, kind, step ?? null, attempt ?? null, JSON.stringify(detail)],
  );
}

/** The rows that accept a registration: the operation, its steps, the first step's job, an event. */
export function newRegistration(principal: Principal, body: RegistrationRequest, correlationId: string): NewOperation {
  const id = randomUUID();
  return {
    id,
    kind: KIND,
    agentId: principal.sub,
    villageCode: body.villageCode,
    nik: body.nik,
    correlationId,
    request: body,
    steps: REGISTRATION_STEPS.map((step, seq) => ({ step, system: systemOf(step), seq, idempotencyKey: idempotencyKeyFor(id, step) })),
    outbox: [stepMessage({ id, correlation_id: correlationId, request: body }, REGISTRATION_STEPS[0])],
    event: { kind: 'accepted', detail: { agent: principal.sub, village: body.villageCode } },
  };
}

export type EventEffect = 'applied' | 'duplicate' | 'unknown_operation' | 'operation_closed';

/**
 * Applies one adapter event to the registration under a row lock. Events for a step that has
 * already ended, or for a closed registration, change nothing: adapters may deliver twice.
 */
export async function applyStepEvent(tx: PoolClient, e: StepEvent): Promise<{ effect: EventEffect; status?: RegistrationStatus }> {
  // One read (the operation, locked, with its steps) and one write statement: events are the
  // gateway's hottest path, three per registration.
  const ops = await tx.query<OperationRow & { steps: StepRow[] }>(
    `SELECT o.*, (SELECT json_agg(s ORDER BY s.seq) FROM operation_steps s WHERE s.operation_id = o.id) AS steps
       FROM operations o WHERE o.id = $1 AND o.kind = $2 FOR UPDATE`,
    [e.operationId, KIND],
  );
  const op = ops.rows[0];
  if (!op) return { effect: 'unknown_operation' };
  if (TERMINAL_REGISTRATION_STATUSES.includes(op.status)) return { effect: 'operation_closed', status: op.status };
  const step = op.steps.find((s) => s.step === e.step);
  if (!step || step.state === 'succeeded' || step.state === 'rejected' || step.state === 'failed') {
    return { effect: 'duplicate', status: op.status };
  }

  const attempts = Math.max(step.attempts, e.attempt);
  let status: RegistrationStatus = 'verifying';
  let stepState: StepState;
  let reason: { code: string; detail: string } | null = null;
  const result = { ...op.result };
  const outbox: OutboxMessage[] = [];

  switch (e.outcome) {
    case 'attempt_failed':
      stepState = 'running';
      break;
    case 'failed':
      stepState = 'failed';
      status = 'failed';
      reason = { code: e.errorCode ?? 'step_failed', detail: `${e.step} failed after ${attempts} attempt(s): ${e.errorCode ?? 'unknown error'}` };
      break;
    case 'rejected':
      stepState = 'rejected';
      status = 'rejected';
      reason = { code: e.reasonCode ?? 'rejected', detail: `${systemOf(e.step)} refused the registration (${e.reasonCode ?? 'no reason given'})` };
      break;
    case 'succeeded': {
      stepState = 'succeeded';
      Object.assign(result, parseStepResult(e.step, e.result ?? {}));
      const next = REGISTRATION_STEPS[REGISTRATION_STEPS.indexOf(e.step as (typeof REGISTRATION_STEPS)[number]) + 1];
      if (next) outbox.push(stepMessage(op, next));
      else status = 'registered';
      break;
    }
  }

  const events: { kind: string; step: string; attempt: number; detail: Record<string, unknown> }[] = [{
    kind: `step_${e.outcome}`, step: e.step, attempt: e.attempt,
    detail: {
      durationMs: Math.round(e.durationMs),
      ...(e.errorCode ? { errorCode: e.errorCode } : {}),
      ...(e.reasonCode ? { reasonCode: e.reasonCode } : {}),
      ...(e.partnerStatus ? { partnerStatus: e.partnerStatus } : {}),
    },
  }];
  if (status !== op.status) {
    events.push({ kind: 'status_changed', step: e.step, attempt: e.attempt, detail: { from: op.status, to: status, ...(reason ? { reason: reason.code } : {}) } });
  }
  await tx.query(
    `WITH step AS (
       UPDATE operation_steps SET state = $3, attempts = $4, last_error_code = COALESCE($5, last_error_code),
         partner_status = COALESCE($6, partner_status), result = COALESCE($7, result), updated_at = now()
       WHERE operation_id = $1 AND step = $2),
     op AS (
       UPDATE operations SET status = $8, result = $9, reason_code = $10, reason_detail = $11, updated_at = now() WHERE id = $1),
     ob AS (
       INSERT INTO outbox (queue, job_name, job_id, payload)
       SELECT m.queue, m.name, m.job_id, m.payload FROM jsonb_to_recordset($12) AS m(queue text, name text, job_id text, payload jsonb))
     INSERT INTO operation_events (operation_id, kind, step, attempt, detail)
       SELECT $1, ev.kind, ev.step, ev.attempt, ev.detail FROM jsonb_to_recordset($13) AS ev(kind text, step text, attempt int, detail jsonb)`,
    [
      op.id, e.step, stepState, attempts, e.errorCode ?? null, e.partnerStatus ?? null, e.result ? JSON.stringify(e.result) : null,
      status, JSON.stringify(result), reason?.code ?? null, reason?.detail ?? null,
      JSON.stringify(outbox.map((m) => ({ queue: m.queue, name: m.name, job_id: m.jobId, payload: m.payload }))),
      JSON.stringify(events),
    ],
  );
  return { effect: 'applied', status };
}

function parseStepResult(step: StepName, result: Record<string, unknown>): Record<string, unknown> {
  switch (step) {
    case 'simluhtan.verify_membership':
      return { membership: MembershipResult.parse(result) };
    case 'ekartutani.lookup_card':
      return { card: CardResult.parse(result) };
    case 'bpjs.register_participant':
      return { kpj: ParticipantResult.parse(result).kpj };
  }
}

/**
 * Publishes again the current step of registrations left unfinished and untouched for `staleMs`:
 * work lost with Redis, or dropped between two writes, resumes by itself. The deterministic job id
 * makes this a no-op while the step's job still exists.
 */
export async function recoverStale(tx: PoolClient, staleMs: number, limit = 200): Promise<string[]> {
  const { rows } = await tx.query<OperationRow & { current_step: StepName }>(
    `SELECT o.*, s.step AS current_step FROM operations o
       JOIN LATERAL (SELECT step FROM operation_steps WHERE operation_id = o.id AND state IN ('pending', 'running') ORDER BY seq LIMIT 1) s ON true
     WHERE o.kind = $1 AND o.status IN ('accepted', 'verifying') AND o.updated_at < now() - make_interval(secs => $2::double precision / 1000)
     ORDER BY o.updated_at LIMIT $3 FOR UPDATE OF o SKIP LOCKED`,
    [KIND, staleMs, limit],
  );
  if (rows.length === 0) return [];
  await enqueue(tx, rows.map((op) => stepMessage(op, op.current_step)));
  const ids = rows.map((r) => r.id);
  await tx.query('UPDATE operations SET recoveries = recoveries + 1, updated_at = now() WHERE id = ANY($1::uuid[])', [ids]);
  for (const op of rows) await recordEvent(tx, op.id, 'step_republished', { reason: 'stale' }, op.current_step);
  return ids;
}

/** The registration as the agent sees it; null when it does not exist. */
export async function readRegistration(db: Pick<PoolClient, 'query'>, id: string): Promise<(Registration & { villageCode: string }) | null> {
  const ops = await db.query<OperationRow>('SELECT * FROM operations WHERE id = $1 AND kind = $2', [id, KIND]);
  const op = ops.rows[0];
  if (!op) return null;
  const steps = await db.query<StepRow>('SELECT * FROM operation_steps WHERE operation_id = $1 ORDER BY seq', [id]);
  const membership = op.result['membership'] as { farmerGroupId: string; farmerGroupName: string; extensionWorkerId: string; extensionWorkerName: string } | undefined;
  const card = op.result['card'] as { found: boolean; cardNumberMasked?: string; status?: string } | undefined;
  const kpj = (op.result['kpj'] as string | undefined) ?? null;
  return {
    id: op.id,
    status: op.status,
    kpj,
    participantStatus: op.status === 'registered' ? 'pending_first_payment' : null,
    reason: op.reason_code ? { code: op.reason_code, detail: op.reason_detail ?? '' } : null,
    villageCode: op.village_code,
    farmer: {
      nikMasked: maskNik(op.nik),
      villageCode: op.village_code,
      farmerGroup: membership ? { id: membership.farmerGroupId, name: membership.farmerGroupName } : null,
      extensionWorker: membership ? { id: membership.extensionWorkerId, name: membership.extensionWorkerName } : null,
      card: card ? { found: card.found, ...(card.cardNumberMasked ? { cardNumberMasked: card.cardNumberMasked } : {}), ...(card.status ? { status: card.status } : {}) } : null,
    },
    steps: steps.rows.map((s) => ({
      name: s.step,
      system: systemOf(s.step),
      state: s.state,
      attempts: s.attempts,
      lastErrorCode: s.last_error_code,
      updatedAt: s.updated_at.toISOString(),
    })),
    createdAt: op.created_at.toISOString(),
    updatedAt: op.updated_at.toISOString(),
  };
}
