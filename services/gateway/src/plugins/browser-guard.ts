import helmet from '@fastify/helmet';
import type { FastifyRequest } from 'fastify';
import { ErrorCode } from '@sutasoma/contracts';
import { problems, type ServiceApp } from '@sutasoma/service-kit';

/**
 * Security headers on every answer, for the pages people open (/ops, /review): a Content Security
 * Policy with scripts from our own origin only (no inline script, no CDN), no framing, forms posting
 * only to us; HSTS once behind https.
 */
export async function securityHeaders(app: ServiceApp) {
  await app.register(helmet, {
    // Not helmet's no-referrer: with it browsers send `Origin: null` on form posts, and sameOrigin
    // could no longer tell our own sign-in form from another site's.
    referrerPolicy: { policy: 'same-origin' },
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Inline style attributes only (the queue dashboard's loading dots); never inline script.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
}

/** The origin a browser's write must come from: PUBLIC_URL's, or the one the request was sent to. */
const expectedOrigin = (request: FastifyRequest, publicUrl: string | undefined) =>
  publicUrl ? new URL(publicUrl).origin : `${request.protocol}://${request.host}`;

/**
 * Against cross-site request forgery beyond SameSite: a write carried by a session cookie must come
 * from our own origin (browsers send Origin with every POST). `requireOrigin`: a missing Origin is
 * refused too, for writes that change data; sign-in forms refuse only another origin.
 */
export function sameOrigin(request: FastifyRequest, publicUrl: string | undefined, requireOrigin: boolean): void {
  const origin = request.headers.origin;
  if (origin === undefined ? !requireOrigin : origin === expectedOrigin(request, publicUrl)) return;
  throw problems.forbidden(
    origin === undefined ? 'A write with a session cookie must carry the Origin header of the page it comes from.' : `A write with a session cookie must come from ${expectedOrigin(request, publicUrl)}, not ${origin}.`,
    ErrorCode.forbidden,
  );
}
