import { z } from 'zod';
import {
  ErrorCode, IdempotencyKeyHeader, Problem, Registration, RegistrationAccepted, buildRegistrationRequest,
  type RegistrationRules, type RegistrationStatus,
} from '@sutasoma/contracts';
import type { Acceptor, AcceptOutcome, Pool } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { problems, type ServiceApp } from '@sutasoma/service-kit';
import { newRegistration, readRegistration } from '../flows/registration-flow.ts';
import { requestHash } from '../personal-data.ts';
import { answerAcceptance } from './accepted.ts';

export interface RegistrationRoutesOptions {
  pool: Pool;
  /** Accepts commands by group commit (their own connections). */
  acceptor: Acceptor;
  pii: Pii;
  rules: RegistrationRules;
  /** Called after a registration commits, so its first step is published at once. */
  onAccepted: () => void;
}

const SCOPE = 'POST /v1/registrations';
const problem = { 400: Problem, 401: Problem, 403: Problem, 409: Problem, 413: Problem, 422: Problem };

export async function registrationRoutes(app: ServiceApp, opts: RegistrationRoutesOptions) {
  const { pool, pii } = opts;
  const RegistrationRequest = buildRegistrationRequest(opts.rules);

  app.post('/v1/registrations', {
    onRequest: app.requireRole('agent', 'supervisor'),
    schema: {
      summary: 'Register a farmer in JKK and JKM',
      description: 'Validates the farmer, commits the registration and answers 202; Simluhtan, e-Kartu Tani and BPJS are then called in order. '
        + 'The same Idempotency-Key with the same body returns the same registration; with another body it answers 422; while the first is still being written, 409.',
      tags: ['registrations'],
      security: [{ bearerAuth: [] }],
      headers: z.looseObject({ 'idempotency-key': IdempotencyKeyHeader }),
      body: RegistrationRequest,
      response: { 202: RegistrationAccepted, ...problem },
    },
  }, async (request, reply) => {
    const principal = request.principal;
    const body = request.body;
    if (principal.role === 'agent' && !principal.villages.includes(body.villageCode)) {
      throw problems.forbidden(`Village ${body.villageCode} is not assigned to this agent.`, ErrorCode.villageNotAssigned);
    }
    const key = { principal: principal.sub, scope: SCOPE, key: request.headers['idempotency-key'] };
    let outcome: AcceptOutcome;
    try {
      outcome = await opts.acceptor.accept(key, requestHash(pii, body), newRegistration(pii, principal, body, String(request.id)));
    } catch (err) {
      throw problems.unavailable('The ledger could not commit the registration; nothing was accepted. Retry with the same Idempotency-Key.', err);
    }
    // The open or registered registration is named only to whom may read it: an agent of its village,
    // a supervisor, an operator. Another village's agent learns that it exists, not which it is.
    let visibleConflict: string | null = null;
    if (outcome.kind === 'conflict' && outcome.id) {
      const { rows } = await pool.query<{ village_code: string }>('SELECT village_code FROM operations WHERE id = $1', [outcome.id]);
      if (principal.role !== 'agent' || principal.villages.includes(rows[0]?.village_code ?? '')) visibleConflict = outcome.id;
    }
    const accepted = answerAcceptance(reply, outcome, {
      noun: 'registration', path: '/v1/registrations', conflictCode: ErrorCode.registrationExists,
      conflictDetail: () => `This farmer already has a registration${visibleConflict ? ` (${visibleConflict})` : ' in another village'} that is open or registered.`,
    });
    if (accepted.isNew) {
      opts.onAccepted();
      request.log.info({ operationId: accepted.id, correlationId: request.id, village: body.villageCode, agent: principal.sub }, 'registration accepted');
    }
    return { id: accepted.id, status: accepted.status as RegistrationStatus, createdAt: accepted.createdAt };
  });

  app.get('/v1/registrations/:id', {
    onRequest: app.requireRole('agent', 'supervisor', 'ops'),
    schema: {
      summary: 'A registration: its status, KPJ, steps and any rejection reason',
      tags: ['registrations'],
      security: [{ bearerAuth: [] }],
      params: z.object({ id: z.uuid() }),
      response: { 200: Registration, 400: Problem, 401: Problem, 404: Problem },
    },
  }, async (request) => {
    const reg = await readRegistration(pool, pii, request.params.id);
    const p = request.principal;
    // An agent outside the farmer's village learns nothing, not even that the registration exists.
    if (!reg || (p.role === 'agent' && !p.villages.includes(reg.villageCode))) {
      throw problems.notFound(`No registration ${request.params.id}.`);
    }
    const { villageCode: _village, ...body } = reg;
    return body;
  });
}
