import { ErrorCode, Problem, TokenRequest, TokenResponse } from '@sutasoma/contracts';
import { AppError, type ServiceApp } from '@sutasoma/service-kit';
import { demoClaims } from '../demo-accounts.ts';

export interface AuthRoutesOptions {
  password: string;
  ttlSeconds: number;
}

/** Demo mode only: tokens for the seeded accounts. Outside demo mode this route does not exist. */
export async function demoAuthRoutes(app: ServiceApp, opts: AuthRoutesOptions) {
  app.post('/v1/auth/token', {
    schema: {
      summary: 'Demo mode: a bearer token for a seeded demo account',
      tags: ['auth'],
      body: TokenRequest,
      response: { 200: TokenResponse, 400: Problem, 401: Problem },
    },
  }, async (request) => {
    const claims = demoClaims(request.body.username, request.body.password, opts.password);
    if (!claims) throw new AppError(401, ErrorCode.invalidCredentials, 'Unauthorized', { detail: 'Unknown username or wrong password.' });
    const accessToken = app.jwt.sign(claims, { expiresIn: opts.ttlSeconds });
    return { accessToken, tokenType: 'Bearer' as const, expiresIn: opts.ttlSeconds };
  });
}
