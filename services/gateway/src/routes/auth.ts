import { timingSafeEqual } from 'node:crypto';
import { ErrorCode, Problem, TokenRequest, TokenResponse } from '@sutasoma/contracts';
import { AppError, type ServiceApp } from '@sutasoma/service-kit';
import { DEMO_ACCOUNTS } from '../demo-accounts.ts';

export interface AuthRoutesOptions {
  password: string;
  ttlSeconds: number;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
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
    const account = DEMO_ACCOUNTS.find((a) => a.username === request.body.username);
    if (!account || !same(request.body.password, opts.password)) {
      throw new AppError(401, ErrorCode.invalidCredentials, 'Unauthorized', { detail: 'Unknown username or wrong password.' });
    }
    const accessToken = app.jwt.sign({ sub: account.username, role: account.role, villages: account.villages, ...(account.collectionAccount ? { collectionAccount: account.collectionAccount } : {}) }, { expiresIn: opts.ttlSeconds });
    return { accessToken, tokenType: 'Bearer' as const, expiresIn: opts.ttlSeconds };
  });
}
