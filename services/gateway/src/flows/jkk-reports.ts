import type { BankAccount, HospitalAdmission, HospitalDischarge } from '@sutasoma/contracts';
import { acceptOperation, type IdempotencyScope, type PoolClient } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { findParticipant } from '../participants.ts';
import { requestHash } from '../personal-data.ts';
import { daysBetween, type ClaimRules } from './claim-rules.ts';
import { applyStepEvent, revealed, type FlowDefinition, type OperationRow } from './engine.ts';
import { JKK_KIND, newJkkCase, type JkkOrder, type JkkResult, type Report } from './jkk-flow.ts';

/**
 * How the reports of one accident become one case. The agent (`POST /v1/claims`) and the hospital
 * (its admission notification) may each come first; whichever comes second joins the farmer's
 * open case, under the row lock of that case. A database index allows one open case per farmer,
 * so two first reports racing each other cannot make two cases: the loser retries and joins.
 */

type CaseRow = OperationRow & { request: JkkOrder; result: JkkResult };

/** The farmer's open accident case (by the blind index of the NIK), locked, its request revealed. */
export async function openJkkCase(tx: PoolClient, pii: Pii, nikIndex: string): Promise<CaseRow | null> {
  const { rows } = await tx.query<CaseRow>(
    `SELECT * FROM operations WHERE kind = $1 AND nik_index = $2 AND status NOT IN ('rejected', 'failed', 'paid') FOR UPDATE`, [JKK_KIND, nikIndex],
  );
  return rows[0] ? revealed(pii, rows[0]) : null;
}

export type MergeOutcome = { kind: 'merged'; id: string; status: string; createdAt: Date } | { kind: 'conflict'; id: string; detail: string };

/** The agent's report of an accident the hospital reported first: it joins that case. */
export async function mergeAgentReport(
  tx: PoolClient, pii: Pii, rules: ClaimRules, open: CaseRow,
  report: { agentId: string; at: string; accidentDate: string; description: string; payoutAccount?: BankAccount },
  key: IdempotencyScope, requestHash: string,
): Promise<MergeOutcome> {
  if ((open.result.reports ?? []).some((r) => r.by === 'agent')) {
    return { kind: 'conflict', id: open.id, detail: `The farmer's accident case ${open.id} was already reported by an agent; follow it with GET /v1/claims/${open.id}.` };
  }
  if (daysBetween(report.accidentDate, open.request.accidentDate) > rules.mergeWindowDays) {
    return {
      kind: 'conflict', id: open.id,
      detail: `The farmer has an open accident case ${open.id} for an accident on ${open.request.accidentDate}; a second accident can be reported once it is closed.`,
    };
  }
  const agentReport: Report = { by: 'agent', at: report.at, agentId: report.agentId };
  // The request with the agent's report, sealed again: the case is locked, and its request was revealed.
  const request = pii.protect({ ...open.request, agentDescription: report.description, ...(report.payoutAccount ? { payoutAccount: report.payoutAccount } : {}) });
  const { rows } = await tx.query<{ status: string; created_at: Date }>(
    `WITH upd AS (
       UPDATE operations SET request = $2::jsonb,
         result = jsonb_set(result, '{reports}', COALESCE(result->'reports', '[]'::jsonb) || $3::jsonb), updated_at = now()
       WHERE id = $1 RETURNING status, created_at),
     ev AS (INSERT INTO operation_events (operation_id, kind, detail) VALUES ($1, 'report_merged', $4::jsonb)),
     k AS (INSERT INTO idempotency_keys (principal, scope, key, request_hash, resource_id) VALUES ($5, $6, $7, $8, $1))
     SELECT status, created_at FROM upd`,
    [open.id, JSON.stringify(request), JSON.stringify([agentReport]), JSON.stringify({ by: 'agent', agent: report.agentId, accidentDate: report.accidentDate }),
      key.principal, key.scope, key.key, requestHash],
  );
  return { kind: 'merged', id: open.id, status: rows[0]!.status, createdAt: rows[0]!.created_at };
}

export type IntakeOutcome =
  | { outcome: 'created' | 'merged' | 'applied' | 'duplicate'; operationId: string }
  | { outcome: 'refused'; operationId: string | null; reasonCode: string; reasonDetail: string };

/** Thrown when a notification may be fine a little later (its admission not yet here, a report racing it). */
export class IntakeRetry extends Error {}

const refused = (reasonCode: string, reasonDetail: string, operationId: string | null = null): IntakeOutcome => ({ outcome: 'refused', operationId, reasonCode, reasonDetail });

/** The hospital admitted an accident patient: a new case, or the agent's case gains its admission. */
export async function applyAdmission(tx: PoolClient, pii: Pii, flows: ReadonlyMap<string, FlowDefinition>, rules: ClaimRules, e: HospitalAdmission): Promise<IntakeOutcome> {
  const participant = await findParticipant(tx, pii, { nik: e.nik });
  if (!participant) return refused('unknown_patient', 'No SUTASOMA participant has this NIK: the hospital must handle the patient outside the programme.');
  const admission = { hospitalId: e.hospitalId, encounterId: e.encounterId, admittedAt: e.admittedAt };
  const report: Report = { by: 'hospital', at: e.receivedAt, hospitalId: e.hospitalId, deliveryId: e.deliveryId };
  const open = await openJkkCase(tx, pii, participant.nik_index);
  if (open) {
    if (open.result.encounterId === e.encounterId) return { outcome: 'duplicate', operationId: open.id };
    if (open.result.encounterId) {
      return refused('case_already_admitted', `The farmer's open case ${open.id} is already admitted under encounter ${open.result.encounterId}.`, open.id);
    }
    if (daysBetween(e.accidentDate, open.request.accidentDate) > rules.mergeWindowDays) {
      return refused('accident_dates_apart', `The farmer's open case ${open.id} is for an accident on ${open.request.accidentDate}, not ${e.accidentDate}.`, open.id);
    }
    const res = await applyStepEvent(tx, pii, flows, {
      operationId: open.id, correlationId: open.correlation_id, step: 'hospital.await_admission', attempt: 1, replay: 0, recovery: 0,
      outcome: 'succeeded', result: admission, durationMs: 0, at: e.receivedAt,
    });
    if (res.effect !== 'applied') return { outcome: 'duplicate', operationId: open.id };
    await tx.query(
      `UPDATE operations SET result = jsonb_set(result, '{reports}', COALESCE(result->'reports', '[]'::jsonb) || $2::jsonb) WHERE id = $1`,
      [open.id, JSON.stringify([report])],
    );
    return { outcome: 'merged', operationId: open.id };
  }
  const op = newJkkCase(pii, rules, {
    participant: {
      kpj: participant.kpj, nik: e.nik, nikIndex: participant.nik_index, agentId: participant.agent_id, villageCode: participant.village_code,
      declaredIncome: Number(participant.declared_income), hasCard: participant.has_card,
    },
    accidentDate: e.accidentDate,
    description: e.description,
    correlationId: e.correlationId,
    report,
    admission,
  });
  const key = { principal: `hospital:${e.hospitalId}`, scope: 'intake:admission', key: e.encounterId };
  const accepted = await acceptOperation(tx, key, requestHash(pii, { nik: e.nik, hospitalId: e.hospitalId, encounterId: e.encounterId }), op);
  switch (accepted.kind) {
    case 'new':
      return { outcome: 'created', operationId: accepted.id };
    case 'replay':
      return { outcome: 'duplicate', operationId: accepted.id };
    case 'mismatch':
      return refused('encounter_reused', `Encounter ${e.encounterId} was first notified for another patient.`, accepted.id);
    case 'conflict':
    case 'in_progress':
      throw new IntakeRetry('another report of this farmer is being written');
  }
}

/** The hospital discharged the patient, with the bill: the case's discharge step is done. */
export async function applyDischarge(
  tx: PoolClient, pii: Pii, flows: ReadonlyMap<string, FlowDefinition>, e: HospitalDischarge, opts: { mayWait: boolean },
): Promise<IntakeOutcome> {
  const { rows } = await tx.query<CaseRow>(
    `SELECT * FROM operations WHERE kind = $1 AND result->>'encounterId' = $2 ORDER BY created_at DESC LIMIT 1`, [JKK_KIND, e.encounterId],
  );
  const c = rows[0];
  if (!c) {
    // Notifications may arrive out of order: the admission may still be on its way.
    if (opts.mayWait) throw new IntakeRetry(`no case has encounter ${e.encounterId} yet`);
    return refused('discharge_before_admission', `Encounter ${e.encounterId} was discharged, but its admission never arrived.`);
  }
  if (c.nik_index !== pii.index(e.nik)) return refused('patient_mismatch', `Encounter ${e.encounterId} belongs to another patient.`, c.id);
  if (c.result.admittedAt && Date.parse(e.dischargedAt) < Date.parse(c.result.admittedAt)) {
    return refused('discharged_before_admitted', `The discharge (${e.dischargedAt}) is earlier than the admission (${c.result.admittedAt}).`, c.id);
  }
  const res = await applyStepEvent(tx, pii, flows, {
    operationId: c.id, correlationId: c.correlation_id, step: 'hospital.await_discharge', attempt: 1, replay: 0, recovery: 0,
    outcome: 'succeeded', result: { dischargedAt: e.dischargedAt, bill: e.bill }, durationMs: 0, at: e.receivedAt,
  });
  if (res.effect === 'operation_closed') return refused('case_closed', `The case ${c.id} is already ${res.status}.`, c.id);
  return { outcome: res.effect === 'applied' ? 'applied' : 'duplicate', operationId: c.id };
}
