import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, Problem, TokenRequest, TokenResponse } from '@sutasoma/contracts';
import { AppError, type ServiceApp } from '@sutasoma/service-kit';
import { demoClaims } from '../demo-accounts.ts';

export interface AuthRoutesOptions {
  password: string;
  ttlSeconds: number;
}

/** Signing out: the bearer token is refused from now on, by every replica, until its `exp`. */
export async function signOutRoute(app: ServiceApp) {
  app.post('/v1/auth/sign-out', {
    onRequest: app.authenticate,
    schema: {
      summary: 'Sign out: the bearer token is refused from now on',
      description: 'For the agent app\'s "Keluar" and a lost phone: the token presented is revoked until it would have expired. Other tokens of the same person stay valid.',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      response: { 204: z.null().describe('Signed out'), 401: Problem },
    },
  }, async (request, reply) => {
    const token = request.headers.authorization!.replace(/^Bearer\s+/i, '');
    await app.revokeToken(token);
    request.log.info({ actor: request.principal.sub }, 'signed out');
    return reply.code(204).send(null);
  });
}

/** Demo mode only: tokens for the seeded accounts. Outside demo mode this route does not exist. */
export async function demoAuthRoutes(app: ServiceApp, opts: AuthRoutesOptions) {
  app.post('/v1/auth/token', {
    preHandler: app.limitSignIn,
    schema: {
      summary: 'Demo mode: a bearer token for a seeded demo account',
      tags: ['auth'],
      body: TokenRequest,
      response: { 200: TokenResponse, 400: Problem, 401: Problem, 429: Problem },
    },
  }, async (request) => {
    const claims = demoClaims(request.body.username, request.body.password, opts.password);
    if (!claims) throw new AppError(401, ErrorCode.invalidCredentials, 'Unauthorized', { detail: 'Unknown username or wrong password.' });
    const accessToken = app.jwt.sign(claims, { expiresIn: opts.ttlSeconds, jti: randomUUID() });
    return { accessToken, tokenType: 'Bearer' as const, expiresIn: opts.ttlSeconds };
  });
}
