import fp from 'fastify-plugin';
import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, Principal, type Role } from '@sutasoma/contracts';
import { problems } from '@sutasoma/service-kit';

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    requireRole: (...roles: Role[]) => (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

export interface AuthOptions {
  secret: string | { public: string };
  issuer: string;
}

/** Bearer JWTs on every /v1 route; the token's claims become `request.principal`. */
export const authPlugin = fp<AuthOptions>(async (app, opts) => {
  await app.register(fastifyJwt, {
    secret: opts.secret,
    verify: { allowedIss: opts.issuer },
    sign: { iss: opts.issuer },
  });
  app.decorateRequest('principal', null as unknown as Principal);

  app.decorate('authenticate', async (request: FastifyRequest) => {
    if (!request.headers.authorization) throw problems.unauthorized();
    let claims: unknown;
    try {
      claims = await request.jwtVerify();
    } catch (err) {
      throw problems.unauthorized(`The bearer token was refused: ${(err as Error).message}`);
    }
    const principal = Principal.safeParse(claims);
    if (!principal.success) throw problems.unauthorized('The bearer token lacks a subject, role or village list.');
    request.principal = principal.data;
  });

  app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest, reply: FastifyReply) => {
    await app.authenticate(request, reply);
    if (!roles.includes(request.principal.role)) {
      throw problems.forbidden(`This needs one of the roles ${roles.join(', ')}; the token has ${request.principal.role}.`, ErrorCode.forbidden);
    }
  });
}, { name: 'auth' });
