import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { ErrorCode } from '@sutasoma/contracts';
import { AppError, type Redis, type ServiceApp } from '@sutasoma/service-kit';

export interface RateLimitOptions {
  redis: Redis;
  prefix: string;
  /** Requests per minute per principal on /v1. */
  apiPerMinute: number;
  /** Sign-in attempts (token endpoint, ops and review forms) per minute per username; per address, three times as many. */
  signInPerMinute: number;
}

type Limiter = (request: FastifyRequest) => Promise<{ isExceeded: boolean; ttlInSeconds: number; max: number }>;

declare module 'fastify' {
  interface FastifyInstance {
    /** A preHandler that counts a sign-in attempt per username and per address; 429 beyond the limits. */
    limitSignIn: (request: FastifyRequest) => Promise<void>;
  }
}

const limited = (what: string, retryAfter: number) => new AppError(429, ErrorCode.rateLimited, 'Too many requests', {
  detail: `Too many ${what}: try again in ${retryAfter} s.`, headers: { 'retry-after': String(retryAfter) },
});

async function enforce(limiter: Limiter, request: FastifyRequest, what: string): Promise<void> {
  const r = await limiter(request);
  if (r.isExceeded) throw limited(what, Math.max(1, r.ttlInSeconds));
}

/**
 * Rate limits counted in Redis (`@fastify/rate-limit`'s store), so they hold across gateway replicas:
 * every /v1 call per principal, and sign-in attempts per username and per address. Redis away: the
 * limits are not counted (the request goes on), as acceptance needs only PostgreSQL.
 */
export async function rateLimits(app: ServiceApp, opts: RateLimitOptions) {
  await app.register(rateLimit, { global: false, redis: opts.redis, nameSpace: `${opts.prefix}:rate-limit:`, skipOnError: true });
  const create = (max: number, key: (request: FastifyRequest) => string) =>
    app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: key }) as unknown as Limiter;

  const api = create(opts.apiPerMinute, (r) => `api:${r.principal.sub}`);
  const username = (r: FastifyRequest) => {
    const body = r.body as { username?: unknown } | undefined;
    return typeof body?.username === 'string' ? body.username.trim().toLowerCase() : '';
  };
  const perUser = create(opts.signInPerMinute, (r) => `sign-in-user:${username(r)}`);
  const perAddress = create(opts.signInPerMinute * 3, (r) => `sign-in-address:${r.ip}`);

  // After authentication (each route's onRequest): the principal is known.
  app.addHook('preHandler', async (request) => {
    if (request.principal && request.url.startsWith('/v1/')) await enforce(api, request, 'requests from this account');
  });
  app.decorate('limitSignIn', async (request: FastifyRequest) => {
    await enforce(perAddress, request, 'sign-in attempts from this address');
    if (username(request)) await enforce(perUser, request, 'sign-in attempts for this username');
  });
}
