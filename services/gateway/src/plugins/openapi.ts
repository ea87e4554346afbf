import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { ServiceApp } from '@sutasoma/service-kit';

type Operations = Record<string, { responses?: Record<string, unknown> }>;

/** Every /v1 operation may answer 429 (plugins/rate-limits.ts): said once here rather than in each route. */
function withRateLimitAnswers<T>(doc: T): T {
  const paths = (doc as { paths?: Record<string, Operations> }).paths ?? {};
  for (const [path, operations] of Object.entries(paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const op of Object.values(operations)) {
      op.responses ??= {};
      op.responses['429'] ??= {
        description: 'Too many requests from this account (or sign-in attempts for this username or address); try again after Retry-After seconds',
        headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } },
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
  }
  return doc;
}

/** OpenAPI 3.1 generated from the routes' zod schemas, at /openapi.json, and Swagger UI at /docs, on the internal port. */
export async function registerOpenApi(app: ServiceApp) {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'SUTASOMA gateway',
        version: '1.0.0',
        description: 'The unified API for SUTASOMA agents: farmer registration into BPJS Ketenagakerjaan JKK and JKM, contributions, coverage and agent fees. Errors are RFC 9457 problem details.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      tags: [{ name: 'registrations' }, { name: 'contributions' }, { name: 'participants' }, { name: 'agents' }, { name: 'ops', description: 'operators: failed work, replays, timelines, breakers' }, { name: 'auth', description: 'demo mode only' }],
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => withRateLimitAnswers(jsonSchemaTransformObject(input)),
  });
  // Served on the internal port: the document is generated from the public app's routes.
  await app.internal.register(fastifySwagger, { openapi: { openapi: '3.1.0' }, transformObject: () => app.swagger() as never });
  await app.internal.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.internal.get('/openapi.json', async () => app.swagger());
}
