import { z } from 'zod';
import {
  ErrorCode, IdempotencyKeyHeader, Problem, Registration, RegistrationAccepted, buildRegistrationRequest,
  type RegistrationRules,
} from '@sutasoma/contracts';
import { claimIdempotencyKey, hashBody, recordIdempotencyKey, withTransaction, type Pool } from '@sutasoma/ledger';
import { AppError, problems, type ServiceApp } from '@sutasoma/service-kit';
import { findOpenRegistrationByNik, insertRegistration, readRegistration, type Accepted } from '../flows/registration-flow.ts';

export interface RegistrationRoutesOptions {
  pool: Pool;
  rules: RegistrationRules;
  /** Called after a registration commits, so its first step is published at once. */
  onAccepted: () => void;
}

const SCOPE = 'POST /v1/registrations';
const problem = { 400: Problem, 401: Problem, 403: Problem, 409: Problem, 413: Problem, 422: Problem };

export async function registrationRoutes(app: ServiceApp, opts: RegistrationRoutesOptions) {
  const { pool } = opts;
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
    const requestHash = hashBody(body);
    let outcome: { replayed: boolean; accepted: Accepted };
    try {
      outcome = await withTransaction(pool, async (tx) => {
        const claim = await claimIdempotencyKey(tx, key, requestHash);
        switch (claim.kind) {
          case 'in_progress':
            throw problems.conflict(ErrorCode.idempotencyInProgress, 'A request with this Idempotency-Key is still being processed; retry shortly.');
          case 'mismatch':
            throw problems.unprocessable(ErrorCode.idempotencyKeyReused, `This Idempotency-Key was used for registration ${claim.resourceId} with a different body.`);
          case 'replay': {
            const existing = await readRegistration(tx, claim.resourceId);
            return { replayed: true, accepted: { id: claim.resourceId, status: existing!.status, createdAt: existing!.createdAt } };
          }
          case 'new': {
            const accepted = await insertRegistration(tx, principal, body, String(request.id));
            await recordIdempotencyKey(tx, key, requestHash, accepted.id);
            return { replayed: false, accepted };
          }
        }
      });
    } catch (err) {
      if ((err as { code?: string; constraint?: string }).constraint === 'operations_one_registration_per_nik') {
        const existing = await findOpenRegistrationByNik(pool, body.nik);
        throw new AppError(409, 'registration_exists', 'Conflict', {
          detail: `This farmer already has a registration${existing ? ` (${existing})` : ''} that is open or registered.`,
        });
      }
      if (err instanceof AppError) throw err;
      throw problems.unavailable('The ledger could not commit the registration; nothing was accepted. Retry with the same Idempotency-Key.', err);
    }
    if (!outcome.replayed) {
      opts.onAccepted();
      request.log.info({ operationId: outcome.accepted.id, village: body.villageCode, agent: principal.sub }, 'registration accepted');
    }
    reply.header('location', `/v1/registrations/${outcome.accepted.id}`);
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(202).send(outcome.accepted);
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
    const reg = await readRegistration(pool, request.params.id);
    const p = request.principal;
    // An agent outside the farmer's village learns nothing, not even that the registration exists.
    if (!reg || (p.role === 'agent' && !p.villages.includes(reg.villageCode))) {
      throw problems.notFound(`No registration ${request.params.id}.`);
    }
    const { villageCode: _village, ...body } = reg;
    return body;
  });
}
