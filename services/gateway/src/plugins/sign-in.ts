import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { Principal } from '@sutasoma/contracts';
import type { ServiceApp } from '@sutasoma/service-kit';
import { demoClaims } from '../demo-accounts.ts';
import { sameOrigin } from './browser-guard.ts';

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface SignInOptions {
  /** The form is at `${base}/login`, signing out at `${base}/logout`. */
  base: string;
  cookie: string;
  cookiePath: string;
  /** Where a signed-in person is sent. */
  landing: string;
  roles: readonly Principal['role'][];
  /** Demo mode: the form takes the demo accounts' names and password; otherwise a token. */
  demoPassword: string | null;
  ttlSeconds: number;
  loginPage: (demo: boolean, error?: string) => string;
  /** Shown on a refused sign-in. */
  refusal: string;
  /** Names the page in log lines. */
  what: string;
  /** The forms must be posted from this origin (else the request's own). */
  publicUrl: string | undefined;
}

/**
 * A sign-in form for people, for a page behind a role: it checks the demo credentials or a token,
 * and puts the token in an HttpOnly, SameSite=Strict cookie. Returns how to read the principal of
 * a token (the cookie's or a bearer's), or null when it is refused, signed out or not one of the roles.
 */
export async function signInRoutes(app: ServiceApp, opts: SignInOptions): Promise<(token: string | undefined) => Promise<Principal | null>> {
  if (!app.hasDecorator('parseCookie')) await app.register(fastifyCookie);
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(fastifyFormbody);

  const session = async (token: string | undefined): Promise<Principal | null> => {
    if (!token) return null;
    const principal = await app.verifyToken(token).catch(() => null);
    return principal && opts.roles.includes(principal.role) ? principal : null;
  };
  const demo = opts.demoPassword !== null;

  app.get(`${opts.base}/login`, { schema: { hide: true } }, async (_request, reply) => reply.type('text/html').send(opts.loginPage(demo)));

  app.post(`${opts.base}/login`, { schema: { hide: true } }, async (request, reply) => {
    sameOrigin(request, opts.publicUrl, false);
    await app.limitSignIn(request);
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    let token: string | undefined = form['token'];
    if (opts.demoPassword !== null && form['username']) {
      const claims = demoClaims(form['username'], form['password'] ?? '', opts.demoPassword);
      token = claims ? app.jwt.sign(claims, { expiresIn: opts.ttlSeconds, jti: randomUUID() }) : undefined;
    }
    const principal = await session(token);
    if (!principal) {
      // Who tried is not written: a username typed into the password field would land in the log.
      request.log.warn({ ip: request.ip }, `${opts.what} sign-in refused`);
      return reply.code(401).type('text/html').send(opts.loginPage(demo, opts.refusal));
    }
    request.log.info({ actor: principal.sub }, `${opts.what} sign-in`);
    reply.setCookie(opts.cookie, token!, { path: opts.cookiePath, httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', maxAge: opts.ttlSeconds });
    return reply.redirect(opts.landing, 303);
  });

  app.post(`${opts.base}/logout`, { schema: { hide: true } }, async (request, reply) => {
    sameOrigin(request, opts.publicUrl, false);
    // Signed out for good: the cookie's token is refused from now on, even if someone kept a copy.
    const token = request.cookies[opts.cookie];
    if (token) await app.revokeToken(token);
    reply.clearCookie(opts.cookie, { path: opts.cookiePath });
    return reply.redirect(`${opts.base}/login`, 303);
  });
  return session;
}
