import type { FastifyReply } from 'fastify';
import { ErrorCode } from '@sutasoma/contracts';
import type { AcceptOutcome } from '@sutasoma/ledger';
import { problems } from '@sutasoma/service-kit';

export interface AcceptedAnswer {
  id: string;
  status: string;
  createdAt: string;
  /** False when the same Idempotency-Key and body were sent before. */
  isNew: boolean;
}

/**
 * The one way a command endpoint answers `accept_operation`: 202 with a Location (the same again for
 * a replay), or the problem that says why nothing was accepted.
 */
export function answerAcceptance(reply: FastifyReply, outcome: AcceptOutcome, what: { noun: string; path: string; conflictCode: string; conflictDetail: (id: string | null) => string }): AcceptedAnswer {
  switch (outcome.kind) {
    case 'in_progress':
      throw problems.conflict(ErrorCode.idempotencyInProgress, 'A request with this Idempotency-Key is still being processed; retry shortly.');
    case 'mismatch':
      throw problems.unprocessable(ErrorCode.idempotencyKeyReused, `This Idempotency-Key was used for ${what.noun} ${outcome.id} with a different body.`);
    case 'conflict':
      throw problems.conflict(what.conflictCode, what.conflictDetail(outcome.id));
    case 'new':
    case 'replay':
      if (outcome.kind === 'replay') reply.header('idempotent-replayed', 'true');
      reply.header('location', `${what.path}/${outcome.id}`);
      reply.code(202);
      return { id: outcome.id, status: outcome.status, createdAt: outcome.createdAt.toISOString(), isNew: outcome.kind === 'new' };
  }
}
