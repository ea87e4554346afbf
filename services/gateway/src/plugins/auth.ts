import fp from 'fastify-plugin';
import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, Principal, type Role } from '@sutasoma/contracts';
import { problems } from '@sutasoma/service-kit';
import { publicKeyAlgorithm } from '../token-keys.ts';
import type { TokenDenyList } from '../token-deny-list.ts';

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    requireRole: (...roles: Role[]) => (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** The principal of a token (bearer or session cookie); a 401 problem when it is refused or signed out. */
    verifyToken: (token: string) => Promise<Principal>;
    /** Signs a token out: refused by every replica from now until its `exp`. */
    revokeToken: (token: string) => Promise<void>;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

export interface AuthOptions {
  secret: string | { public: string };
  issuer: string;
  audience: string;
  /** Life of the tokens this gateway signs. */
  ttlSeconds: number;
  /** The longest a token is accepted after it was issued, whatever its `exp` says. */
  maxAgeSeconds: number;
  denyList: TokenDenyList;
}

/**
 * Bearer JWTs on every /v1 route; the token's claims become `request.principal`. One algorithm is
 * accepted (HS256 with a secret, the key's own with an identity provider's public key), and a token
 * must name its issuer and our audience and carry `sub`, `iat` and `exp`, no older than maxAgeSeconds.
 */
export const authPlugin = fp<AuthOptions>(async (app, opts) => {
  const algorithm = typeof opts.secret === 'string' ? 'HS256' : publicKeyAlgorithm(opts.secret.public);
  if (!algorithm) throw new Error('JWT_PUBLIC_KEY is not a PEM public key of an accepted type');
  await app.register(fastifyJwt, {
    secret: opts.secret,
    verify: {
      algorithms: [algorithm], allowedIss: opts.issuer, allowedAud: opts.audience,
      requiredClaims: ['sub', 'iat', 'exp', 'iss', 'aud'], maxAge: opts.maxAgeSeconds,
      // An agent's app sends the same token with every request: its verification (decode, HMAC or
      // signature, claims) is kept for the next, never past the token's exp or maxAge. Sign-out is
      // checked on every request all the same (the deny list, below).
      cache: 1000,
    },
    sign: { algorithm, iss: opts.issuer, aud: opts.audience, expiresIn: opts.ttlSeconds },
  });
  app.decorateRequest('principal', null as unknown as Principal);

  app.decorate('verifyToken', async (token: string) => {
    let claims: unknown;
    try {
      claims = app.jwt.verify(token);
    } catch (err) {
      throw problems.unauthorized(`The bearer token was refused: ${(err as Error).message}`);
    }
    const principal = Principal.safeParse(claims);
    if (!principal.success) throw problems.unauthorized('The bearer token lacks a subject, role or village list.');
    if (await opts.denyList.revoked(token)) throw problems.unauthorized('The token was signed out: sign in again.');
    return principal.data;
  });

  app.decorate('revokeToken', async (token: string) => {
    const claims = app.jwt.decode<{ exp?: unknown }>(token);
    if (claims && typeof claims.exp === 'number') await opts.denyList.revoke(token, claims.exp);
  });

  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (!header) throw problems.unauthorized();
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw problems.unauthorized('The Authorization header must be `Bearer <token>`.');
    request.principal = await app.verifyToken(token);
  });

  app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest, reply: FastifyReply) => {
    await app.authenticate(request, reply);
    if (!roles.includes(request.principal.role)) {
      throw problems.forbidden(`This needs one of the roles ${roles.join(', ')}; the token has ${request.principal.role}.`, ErrorCode.forbidden);
    }
  });
}, { name: 'auth' });
