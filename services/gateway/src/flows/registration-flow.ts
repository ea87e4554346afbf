import { randomUUID } from 'node:crypto';
import {
  BpjsRegisterInput, CardResult, MembershipResult, NikInput, ParticipantResult, systemOf, maskNik,
  type Principal, type Registration, type RegistrationRequest, type RegistrationStatus, type StepName,
} from '@sutasoma/contracts';
import type { NewOperation, PoolClient } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { eachInput, idempotencyKeyFor, jobMessage, revealed, stepView, type FlowDefinition, type OperationRow, type StepRow } from './engine.ts';

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
    default:
      throw new Error(`${step} is not a registration step`);
  }
}

function stepResult(step: StepName, result: Record<string, unknown>): Record<string, unknown> {
  switch (step) {
    case 'simluhtan.verify_membership':
      return { membership: MembershipResult.parse(result) };
    case 'ekartutani.lookup_card':
      return { card: CardResult.parse(result) };
    case 'bpjs.register_participant':
      return { kpj: ParticipantResult.parse(result).kpj };
    default:
      throw new Error(`${step} is not a registration step`);
  }
}

export const TERMINAL: readonly RegistrationStatus[] = ['registered', 'rejected', 'failed'];

export const registrationFlow: FlowDefinition = {
  kind: KIND,
  terminal: TERMINAL,
  inputs: eachInput((op, step) => stepInput(step, op.request as RegistrationRequest)),
  succeeded: (_op, step, result) => ({ patch: stepResult(step, result) }),
  status: (steps: readonly StepRow[]): RegistrationStatus => {
    if (steps.some((s) => s.state === 'rejected')) return 'rejected';
    if (steps.some((s) => s.state === 'failed')) return 'failed';
    if (steps.every((s) => s.state === 'succeeded')) return 'registered';
    return steps.some((s) => s.state !== 'pending') ? 'verifying' : 'accepted';
  },
  onStatusChanges: async (tx, changes) => {
    // The participants exist from here on; each is covered once its first contribution is posted.
    const rows = changes.filter((c) => c.to === 'registered').map(({ op }) => {
      const card = op.result['card'] as { found?: boolean; status?: string } | undefined;
      return {
        kpj: op.result['kpj'], nik_index: op.nik_index, registration_id: op.id, agent_id: op.agent_id, village_code: op.village_code,
        declared_income: (op.request as RegistrationRequest).declaredMonthlyIncome, has_card: card?.found === true && card.status === 'active',
      };
    });
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO participants (kpj, nik_index, registration_id, agent_id, village_code, declared_income, has_card)
       SELECT x.kpj, x.nik_index, x.registration_id, x.agent_id, x.village_code, x.declared_income, x.has_card
       FROM jsonb_to_recordset($1::jsonb) AS x(kpj text, nik_index text, registration_id uuid, agent_id text, village_code text, declared_income bigint, has_card boolean)`,
      [JSON.stringify(rows)],
    );
  },
};

/**
 * The rows that accept a registration: the operation, its steps, the first step's job, an event; the
 * farmer's personal data sealed once, in the request, and in the job.
 */
export function newRegistration(pii: Pii, principal: Principal, body: RegistrationRequest, correlationId: string): NewOperation {
  const id = randomUUID();
  return {
    id,
    kind: KIND,
    agentId: principal.sub,
    villageCode: body.villageCode,
    nikIndex: pii.index(body.nik),
    correlationId,
    request: pii.protect(body),
    steps: REGISTRATION_STEPS.map((step, seq) => ({ step, system: systemOf(step), seq, idempotencyKey: idempotencyKeyFor(id, step) })),
    outbox: [jobMessage(pii, id, correlationId, REGISTRATION_STEPS[0], stepInput(REGISTRATION_STEPS[0], body))],
    event: { kind: 'accepted', detail: { agent: principal.sub, village: body.villageCode } },
  };
}

/** The registration as the agent sees it; null when it does not exist. */
export async function readRegistration(db: Pick<PoolClient, 'query'>, pii: Pii, id: string): Promise<(Registration & { villageCode: string }) | null> {
  const ops = await db.query<OperationRow>('SELECT * FROM operations WHERE id = $1 AND kind = $2', [id, KIND]);
  if (!ops.rows[0]) return null;
  const op = revealed(pii, ops.rows[0]);
  const steps = await db.query<StepRow>('SELECT * FROM operation_steps WHERE operation_id = $1 ORDER BY seq', [id]);
  const membership = op.result['membership'] as { farmerGroupId: string; farmerGroupName: string; extensionWorkerId: string; extensionWorkerName: string } | undefined;
  const card = op.result['card'] as { found: boolean; cardNumberMasked?: string; status?: string } | undefined;
  const kpj = (op.result['kpj'] as string | undefined) ?? null;
  return {
    id: op.id,
    status: op.status as RegistrationStatus,
    kpj,
    participantStatus: op.status === 'registered' ? 'pending_first_payment' : null,
    reason: op.reason_code ? { code: op.reason_code, detail: op.reason_detail ?? '' } : null,
    villageCode: op.village_code,
    farmer: {
      nikMasked: maskNik((op.request as RegistrationRequest).nik),
      villageCode: op.village_code,
      farmerGroup: membership ? { id: membership.farmerGroupId, name: membership.farmerGroupName } : null,
      extensionWorker: membership ? { id: membership.extensionWorkerId, name: membership.extensionWorkerName } : null,
      card: card ? { found: card.found, ...(card.cardNumberMasked ? { cardNumberMasked: card.cardNumberMasked } : {}), ...(card.status ? { status: card.status } : {}) } : null,
    },
    steps: steps.rows.map(stepView),
    createdAt: op.created_at.toISOString(),
    updatedAt: op.updated_at.toISOString(),
  };
}
