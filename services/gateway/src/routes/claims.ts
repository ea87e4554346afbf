import { z } from 'zod';
import {
  Claim, ClaimAccepted, ClaimList, ClaimRequest, ErrorCode, IdempotencyKeyHeader, IntakeEventView, PayoutAccountDecided, PayoutAccountDecision, Problem,
  todayInSoppeng,
  type ClaimStatus, type Principal,
} from '@sutasoma/contracts';
import { type Acceptor, withTransaction, type AcceptOutcome, type Pool } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { AppError, problems, type ServiceApp } from '@sutasoma/service-kit';
import { participantClaims, readClaim } from '../claims.ts';
import { daysBetween, jkmAmounts, type ClaimRules } from '../flows/claim-rules.ts';
import type { FlowDefinition } from '../flows/engine.ts';
import { newJkkCase } from '../flows/jkk-flow.ts';
import { mergeAgentReport, openJkkCase, type MergeOutcome } from '../flows/jkk-reports.ts';
import { newJkmClaim } from '../flows/jkm-flow.ts';
import { decidePayoutAccount } from '../flows/payout-account.ts';
import { findParticipant, personOf, type ParticipantRow } from '../participants.ts';
import { requestHash } from '../personal-data.ts';
import { answerAcceptance } from './accepted.ts';

export interface ClaimRoutesOptions {
  pool: Pool;
  /** Accepts commands by group commit (their own connections). */
  acceptor: Acceptor;
  pii: Pii;
  rules: ClaimRules;
  /** The flows, for a supervisor's decision on a payout account (which runs the payout again). */
  flows: ReadonlyMap<string, FlowDefinition>;
  /** Wakes the outbox relay: a command accepted, a payout to run again. */
  onAccepted: () => void;
}

const SCOPE = 'POST /v1/claims';

export async function claimRoutes(app: ServiceApp, opts: ClaimRoutesOptions) {
  const { pool, pii, rules } = opts;
  const visible = (principal: Principal, villageCode: string) => principal.role !== 'agent' || principal.villages.includes(villageCode);

  app.post('/v1/claims', {
    onRequest: app.requireRole('agent', 'supervisor'),
    schema: {
      summary: 'Report an accident (jkk) or file a death claim (jkm)',
      description: 'jkk: the agent\'s report of a work accident; if the hospital already reported the same accident (the farmer\'s open case, '
        + `accident dates within the configured days), this report joins that case (merged: true). The stage I report is due within the configured hours; `
        + 'a late one is flagged on the claim. jkm: the heir, the death certificate and the heir\'s account; the benefit parts come from configuration. '
        + 'BPJS checks coverage on the event date (coverage_inactive, participant_unknown end the claim rejected), decides by webhook, and the bank pays.',
      tags: ['claims'],
      security: [{ bearerAuth: [] }],
      headers: z.looseObject({ 'idempotency-key': IdempotencyKeyHeader }),
      body: ClaimRequest,
      response: { 202: ClaimAccepted, 400: Problem, 401: Problem, 403: Problem, 409: Problem, 413: Problem, 422: Problem },
    },
  }, async (request, reply) => {
    const principal = request.principal;
    const body = request.body;
    const field = body.kpj ? 'kpj' : 'nik';
    const participant = await findParticipant(pool, pii, body.kpj ? { kpj: body.kpj } : { nik: body.nik! });
    if (!participant || !visible(principal, participant.village_code)) {
      throw new AppError(422, ErrorCode.unknownParticipant, 'Unknown participant', {
        detail: 'No participant registered through SUTASOMA matches, in the villages this token may act for.',
        errors: [{ field, code: ErrorCode.unknownParticipant, message: 'is not a participant this agent serves' }],
      });
    }
    const key = { principal: principal.sub, scope: SCOPE, key: request.headers['idempotency-key'] };
    const hash = requestHash(pii, body);
    const person = personOf(pii, participant);
    const correlationId = String(request.id);
    const now = new Date().toISOString();
    let outcome: AcceptOutcome | MergeOutcome;
    let merged = false;

    if (body.type === 'jkk') {
      if (daysBetween(body.accidentDate, todayInSoppeng()) > rules.claimWindowDays) {
        throw problems.validation([{ field: 'accidentDate', code: ErrorCode.claimWindowPassed, message: `is more than ${rules.claimWindowDays} days ago: the claim window has passed` }]);
      }
      if (!participant.has_card && !body.payoutAccount) {
        throw new AppError(422, ErrorCode.payoutAccountRequired, 'Payout account required', {
          detail: 'This participant has no active e-Kartu Tani card: give the account the lost-income benefit is paid to.',
          errors: [{ field: 'payoutAccount', code: ErrorCode.payoutAccountRequired, message: 'is required when the farmer has no farmer card' }],
        });
      }
      const op = newJkkCase(pii, rules, {
        participant: participantOf(participant, person.nik),
        accidentDate: body.accidentDate,
        description: body.description,
        ...(body.payoutAccount ? { payoutAccount: body.payoutAccount } : {}),
        correlationId,
        report: { by: 'agent', at: now, agentId: principal.sub },
      });
      outcome = await accept(() => opts.acceptor.accept(key, hash, op));
      if (outcome.kind === 'conflict') {
        // The hospital reported this accident first: the agent's report joins its case.
        outcome = await accept(() => withTransaction(pool, async (tx): Promise<AcceptOutcome | MergeOutcome> => {
          const open = await openJkkCase(tx, pii, participant.nik_index);
          if (!open) return { kind: 'in_progress' };
          return mergeAgentReport(tx, pii, rules, open, {
            agentId: principal.sub, at: now, accidentDate: body.accidentDate, description: body.description,
            ...(body.payoutAccount ? { payoutAccount: body.payoutAccount } : {}),
          }, key, hash);
        }));
        merged = outcome.kind === 'merged';
      }
    } else {
      if (body.heir.nik === person.nik) {
        throw problems.validation([{ field: 'heir.nik', code: 'heir_is_participant', message: 'is the participant\'s own NIK' }]);
      }
      const order = {
        type: 'jkm' as const, kpj: participant.kpj, nik: person.nik, dateOfDeath: body.dateOfDeath, deathCertificateRef: body.deathCertificateRef,
        heir: body.heir, children: body.children ?? [], requested: jkmAmounts(rules, participant.months_paid, body.children ?? []),
      };
      outcome = await accept(() => opts.acceptor.accept(key, hash, newJkmClaim(pii, { agentId: principal.sub, villageCode: participant.village_code, nikIndex: participant.nik_index, correlationId, order })));
    }

    if (outcome.kind === 'conflict' && 'detail' in outcome) throw problems.conflict(ErrorCode.claimInProgress, outcome.detail);
    // A merged report is answered as a new acceptance of the case it joined.
    const accepted = answerAcceptance(reply, outcome.kind === 'merged' ? { ...outcome, kind: 'new' } : outcome, {
      noun: 'claim', path: '/v1/claims', conflictCode: body.type === 'jkm' ? ErrorCode.claimExists : ErrorCode.claimInProgress,
      conflictDetail: (id) => (body.type === 'jkm'
        ? `A death claim for this participant exists${id ? ` (${id})` : ''}.`
        : `This participant has an accident case still being written${id ? ` (${id})` : ''}; retry with the same Idempotency-Key.`),
    });
    if (accepted.isNew) {
      opts.onAccepted();
      request.log.info({ operationId: accepted.id, correlationId, kpj: participant.kpj, type: body.type, merged }, merged ? 'claim report merged into the hospital\'s case' : 'claim accepted');
    }
    const status = accepted.status as ClaimStatus;
    if (outcome.kind === 'replay') merged = (await readClaim(pool, pii, accepted.id))?.reportedBy.includes('hospital') ?? false;
    return { id: accepted.id, type: body.type, status, merged, createdAt: accepted.createdAt };
  });

  app.get('/v1/claims/:id', {
    onRequest: app.requireRole('agent', 'supervisor', 'ops'),
    schema: {
      summary: 'A claim: every state it went through, the guarantee, the bill, BPJS\'s decision, the amounts and the payouts',
      tags: ['claims'],
      security: [{ bearerAuth: [] }],
      params: z.object({ id: z.uuid() }),
      response: { 200: Claim, 400: Problem, 401: Problem, 404: Problem },
    },
  }, async (request) => {
    const c = await readClaim(pool, pii, request.params.id);
    if (!c || !visible(request.principal, c.villageCode)) throw problems.notFound(`No claim ${request.params.id}.`);
    const { villageCode: _village, ...body } = c;
    return body;
  });

  app.get('/v1/participants/:kpj/claims', {
    onRequest: app.requireRole('agent', 'supervisor', 'ops'),
    schema: {
      summary: 'A participant\'s claims, newest first',
      tags: ['claims', 'participants'],
      security: [{ bearerAuth: [] }],
      params: z.object({ kpj: z.string().regex(/^\d{11}$/, 'must be an 11-digit KPJ') }),
      response: { 200: ClaimList, 400: Problem, 401: Problem, 404: Problem },
    },
  }, async (request) => {
    const p = await findParticipant(pool, pii, { kpj: request.params.kpj });
    if (!p || !visible(request.principal, p.village_code)) throw problems.notFound(`No participant ${request.params.kpj}.`);
    const items = (await participantClaims(pool, pii, p.kpj)).map((c) => ({
      id: c.id, type: c.type, status: c.status, eventDate: c.eventDate, reason: c.reason, createdAt: c.createdAt, updatedAt: c.updatedAt,
    }));
    return { kpj: p.kpj, items };
  });

  app.post('/v1/claims/:id/payout-account', {
    onRequest: app.requireRole('supervisor', 'ops'),
    schema: {
      summary: 'Decide on a payout account the bank holds under another name (a claim at account_unverified): approve pays it anyway, reject ends the claim',
      description: 'Before a benefit or an heir is paid to the account the agent gave, the bank is asked who holds it; a holder who is not the '
        + 'registered farmer (JKK) or the heir (JKM), or an account the bank does not know, stops the claim at account_unverified (reason '
        + 'account_name_mismatch or beneficiary_account_invalid) and nothing is paid. approve: the payout runs again to that account without the '
        + 'name check (once: the same bank reference). reject: the claim ends rejected, payout_account_rejected; the agent files again with the '
        + 'right account. Both are recorded in ops_audit with who and why.',
      tags: ['claims'],
      security: [{ bearerAuth: [] }],
      params: z.object({ id: z.uuid() }),
      body: PayoutAccountDecision,
      response: { 200: PayoutAccountDecided, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem },
    },
  }, async (request) => {
    const { id } = request.params;
    const actor = request.principal.sub;
    const out = await withTransaction(pool, (tx) => decidePayoutAccount(tx, pii, opts.flows, id, { ...request.body, actor }));
    if (out.kind === 'not_found') throw problems.notFound(`No claim ${id}.`);
    if (out.kind === 'not_pending') {
      throw new AppError(409, ErrorCode.noPayoutDecisionPending, 'Conflict', {
        detail: `Claim ${id} is ${out.status}: only a claim at account_unverified waits for a decision on its payout account.`,
        errors: [{ field: 'id', code: ErrorCode.noPayoutDecisionPending, message: `is ${out.status}, not account_unverified` }],
      });
    }
    if (request.body.decision === 'approve') opts.onAccepted();
    request.log.info({ operationId: id, decision: request.body.decision, auditId: out.auditId }, 'payout account decided');
    return { id, decision: request.body.decision, status: out.status, auditId: out.auditId };
  });

  app.get('/ops/intake', {
    onRequest: app.requireRole('ops'),
    schema: {
      summary: 'Notifications partners sent on their own (hospital admissions and discharges) and what became of each; refused ones with their reason',
      tags: ['ops'],
      security: [{ bearerAuth: [] }],
      querystring: z.object({
        outcome: IntakeEventView.shape.outcome.optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }).strict(),
      response: { 200: z.object({ items: z.array(IntakeEventView) }), 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (request) => {
    const { rows } = await pool.query(
      `SELECT id, source, delivery_id, type, outcome, reason_code, reason_detail, operation_id, partner_ref, correlation_id, nik_masked, received_at, processed_at
         FROM intake_events WHERE ($1::text IS NULL OR outcome = $1) ORDER BY id DESC LIMIT $2`,
      [request.query.outcome ?? null, request.query.limit],
    );
    return {
      items: rows.map((r) => ({
        id: Number(r.id), source: r.source, deliveryId: r.delivery_id, type: r.type, outcome: r.outcome, reasonCode: r.reason_code,
        reasonDetail: r.reason_detail, operationId: r.operation_id, partnerRef: r.partner_ref, correlationId: r.correlation_id,
        nikMasked: r.nik_masked, receivedAt: new Date(r.received_at).toISOString(), processedAt: new Date(r.processed_at).toISOString(),
      })),
    };
  });
}

function participantOf(p: ParticipantRow, nik: string) {
  return { kpj: p.kpj, nik, nikIndex: p.nik_index, agentId: p.agent_id, villageCode: p.village_code, declaredIncome: Number(p.declared_income), hasCard: p.has_card };
}

async function accept<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw problems.unavailable('The ledger could not commit the claim; nothing was accepted. Retry with the same Idempotency-Key.', err);
  }
}
