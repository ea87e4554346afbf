import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyBaseLogger, type RawServerDefault, type RawRequestDefaultExpression, type RawReplyDefaultExpression } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { Histogram, type Registry, createRegistry } from './metrics.ts';
import { lazyChild } from './logger.ts';
import { AppError } from './errors.ts';
import { problemErrorHandler, sendProblem } from './problem-handler.ts';
import { ErrorCode } from '@sutasoma/contracts';

export type ServiceApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export type ReadinessCheck = () => Promise<Record<string, string>>;

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
    /**
     * The service's internal surfaces (`/metrics`, detailed `/ready`, and what a service adds: docs,
     * breakers), served on the internal port only; the public port has none of them.
     */
    internal: FastifyInstance;
  }
}

export interface ServiceOptions {
  name: string;
  logger: Logger;
  /** Largest accepted body in bytes; default 64 KiB. */
  bodyLimit?: number;
  /** Each value 'ok' when ready; anything else makes /ready answer 503. */
  readiness?: ReadinessCheck;
  /**
   * Proxies whose X-Forwarded-For/-Proto/-Host are believed (Fastify's trustProxy: true, or their
   * addresses/CIDRs, comma-separated): behind one, `request.protocol` and `request.ip` are the client's.
   */
  trustProxy?: boolean | string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The path of the first string holding U+0000 in a parsed request part, or null (a loop: bodies may nest deep). */
function nulAt(root: unknown, rootPath: string): string | null {
  const pending: [unknown, string][] = [[root, rootPath]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) pending.push([v, path ? `${path}.${k}` : k]);
    }
  }
  return null;
}

/** A Fastify instance with the project's conventions; register routes on it, then listen. */
export async function buildService(opts: ServiceOptions): Promise<ServiceApp> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    trustProxy: opts.trustProxy ?? false,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Our own onResponse hook logs requests; Fastify's two lines per request are noise at load.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, options) => lazyChild(logger as Logger, bindings, options) as FastifyBaseLogger,
    // Errors the router raises before a route is found (a bad escape, a path parameter too long) would
    // otherwise leave as Fastify's own JSON, not problem+json.
    frameworkErrors: problemErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setErrorHandler(problemErrorHandler);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(reply, request, new AppError(404, ErrorCode.notFound, 'Not found', { detail: `No route ${request.method} ${request.url.split('?')[0]}.` }));
  app.setNotFoundHandler(notFound);

  const registry = createRegistry(opts.name);
  app.decorate('metrics', registry);
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // No text we keep may hold U+0000: PostgreSQL refuses it in text and JSON, so it would fail at the
  // ledger after the request was taken (a 503 that no retry can mend). Refused here, naming the field.
  app.addHook('preValidation', async (request) => {
    const field = nulAt(request.body, '') ?? nulAt(request.query, '') ?? nulAt(request.params, '') ?? nulAt(request.headers['idempotency-key'], 'idempotency-key');
    if (field !== null) {
      throw new AppError(400, ErrorCode.validationFailed, 'Invalid request', {
        detail: 'The request has invalid fields.', errors: [{ field: field || '(body)', code: 'nul_character', message: 'must not contain the NUL character (U+0000)' }],
      });
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) request.log.warn({ method: request.method, route, status: reply.statusCode }, 'request failed');
    else request.log.debug({ method: request.method, route, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  const health = async () => ({ status: 'ok', service: opts.name });
  app.get('/health', { schema: { hide: true } }, health);

  // The internal port answers errors as the public one does: problem+json.
  const internal = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), frameworkErrors: problemErrorHandler,
  });
  internal.setErrorHandler(problemErrorHandler);
  internal.setNotFoundHandler(notFound);
  app.decorate('internal', internal);
  app.addHook('onReady', async () => { await internal.ready(); });
  app.addHook('onClose', async () => { await internal.close(); });
  internal.get('/health', health);
  internal.get('/ready', async (_request, reply) => {
    const checks = opts.readiness ? await opts.readiness().catch((err: Error) => ({ readiness: err.message })) : {};
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', service: opts.name, checks });
  });
  internal.get('/metrics', async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return app;
}
