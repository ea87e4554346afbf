import { z } from 'zod';
import {
  Contribution, ContributionAccepted, ErrorCode, IdempotencyKeyHeader, Problem, buildContributionRequest, monthlyContribution,
  type ContributionRules, type ContributionStatus,
} from '@sutasoma/contracts';
import type { Acceptor, Pool } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { AppError, problems, type ServiceApp } from '@sutasoma/service-kit';
import { newContribution, readContribution, type ContributionOrder } from '../flows/contribution-flow.ts';
import { findParticipant, personOf } from '../participants.ts';
import { requestHash } from '../personal-data.ts';
import { answerAcceptance } from './accepted.ts';

export interface ContributionRoutesOptions {
  pool: Pool;
  /** Accepts commands by group commit (their own connections). */
  acceptor: Acceptor;
  pii: Pii;
  rules: ContributionRules;
  vaExpiryS: number;
  onAccepted: () => void;
}

const SCOPE = 'POST /v1/contributions';

export async function contributionRoutes(app: ServiceApp, opts: ContributionRoutesOptions) {
  const { pool, pii, rules } = opts;

  app.post('/v1/contributions', {
    onRequest: app.requireRole('agent', 'supervisor'),
    schema: {
      summary: 'Collect a contribution and post it at BPJS',
      description: 'The gateway computes the amount (months × the monthly contribution of the participant\'s income bracket); an amount sent must equal it. '
        + 'agent_cash pays from the agent\'s collection account at once; bank_va issues a virtual account the farmer pays; kartu_tani_debit debits the account linked to the farmer card. '
        + 'Once paid, BPJS posts it and coverage extends to the end of the last month bought.',
      tags: ['contributions'],
      security: [{ bearerAuth: [] }],
      headers: z.looseObject({ 'idempotency-key': IdempotencyKeyHeader }),
      body: buildContributionRequest(rules),
      response: { 202: ContributionAccepted, 400: Problem, 401: Problem, 403: Problem, 409: Problem, 413: Problem, 422: Problem },
    },
  }, async (request, reply) => {
    const principal = request.principal;
    const body = request.body;
    const participant = await findParticipant(pool, pii, body.kpj ? { kpj: body.kpj } : { nik: body.nik! });
    if (!participant || (principal.role === 'agent' && !principal.villages.includes(participant.village_code))) {
      const field = body.kpj ? 'kpj' : 'nik';
      throw new AppError(422, ErrorCode.unknownParticipant, 'Unknown participant', {
        detail: 'No participant registered through SUTASOMA matches, in the villages this token may act for.',
        errors: [{ field, code: ErrorCode.unknownParticipant, message: 'is not a participant this agent serves' }],
      });
    }
    const monthly = monthlyContribution(rules, Number(participant.declared_income));
    const amount = monthly * body.months;
    if (body.amount !== undefined && body.amount !== amount) {
      throw problems.validation([{ field: 'amount', code: ErrorCode.amountMismatch, message: `must be ${amount}: ${body.months} month(s) of Rp ${monthly}` }],
        'The amount does not match the contribution due.');
    }
    if (body.channel === 'kartu_tani_debit' && !participant.has_card) {
      throw new AppError(422, ErrorCode.channelUnavailable, 'Channel unavailable', {
        detail: 'This participant has no active farmer card to debit.',
        errors: [{ field: 'channel', code: ErrorCode.channelUnavailable, message: 'kartu_tani_debit needs an active e-Kartu Tani card' }],
      });
    }
    if (body.channel === 'agent_cash' && !principal.collectionAccount) {
      throw new AppError(422, ErrorCode.channelUnavailable, 'Channel unavailable', {
        detail: 'This token has no collection account to pay collected cash from.',
        errors: [{ field: 'channel', code: ErrorCode.channelUnavailable, message: 'agent_cash needs the agent\'s collection account' }],
      });
    }
    // The farmer's NIK and name (a decryption) only for the channels that send them to a partner.
    const order: ContributionOrder = {
      kpj: participant.kpj,
      months: body.months,
      channel: body.channel,
      amount,
      ...(body.channel === 'agent_cash' ? { sourceAccountNo: principal.collectionAccount } : {}),
      ...(body.channel === 'bank_va' ? { payerName: personOf(pii, participant).fullName, vaExpiresAt: new Date(Date.now() + opts.vaExpiryS * 1000).toISOString() } : {}),
      ...(body.channel === 'kartu_tani_debit' ? { nik: personOf(pii, participant).nik } : {}),
    };
    const key = { principal: principal.sub, scope: SCOPE, key: request.headers['idempotency-key'] };
    let outcome;
    try {
      outcome = await opts.acceptor.accept(key, requestHash(pii, body), newContribution(pii, {
        agentId: principal.sub, villageCode: participant.village_code, nikIndex: participant.nik_index, correlationId: String(request.id), order,
      }));
    } catch (err) {
      throw problems.unavailable('The ledger could not commit the contribution; nothing was accepted. Retry with the same Idempotency-Key.', err);
    }
    const accepted = answerAcceptance(reply, outcome, {
      noun: 'contribution', path: '/v1/contributions', conflictCode: ErrorCode.contributionInProgress,
      conflictDetail: (id) => `This participant has a contribution still open${id ? ` (${id})` : ''}; it must be posted, fail or expire first.`,
    });
    if (accepted.isNew) {
      opts.onAccepted();
      request.log.info({ operationId: accepted.id, correlationId: request.id, kpj: participant.kpj, channel: body.channel, months: body.months, amount }, 'contribution accepted');
    }
    return { id: accepted.id, status: accepted.status as ContributionStatus, amount, createdAt: accepted.createdAt };
  });

  app.get('/v1/contributions/:id', {
    onRequest: app.requireRole('agent', 'supervisor', 'ops'),
    schema: {
      summary: 'A contribution: its state, bank reference, BPJS receipt and the coverage it bought',
      tags: ['contributions'],
      security: [{ bearerAuth: [] }],
      params: z.object({ id: z.uuid() }),
      response: { 200: Contribution, 400: Problem, 401: Problem, 404: Problem },
    },
  }, async (request) => {
    const c = await readContribution(pool, request.params.id);
    const p = request.principal;
    if (!c || (p.role === 'agent' && !p.villages.includes(c.villageCode))) throw problems.notFound(`No contribution ${request.params.id}.`);
    const { villageCode: _village, ...body } = c;
    return body;
  });
}
