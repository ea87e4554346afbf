import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceApp } from '@sutasoma/service-kit';
import type { PartnerSystemDefinition, SimContext } from './sim-context.ts';

/**
 * What every partner prefix shares: call counting, base latency and the fault in force, then the
 * partner's own error shape for anything its routes don't answer. Faults come before the partner's
 * auth check, as they would for a host that is down.
 */
export function installPartnerScope(app: ServiceApp, system: PartnerSystemDefinition, ctx: SimContext): void {
  const sendError = (reply: FastifyReply, status: number, message: string) => {
    const { contentType, body } = system.errorBody(status, message);
    return reply.code(status).type(contentType).send(body);
  };

  app.addHook('onRequest', async (request, reply) => {
    ctx.stats.request(system.name);
    const fault = ctx.faults.get(system.name);
    const aimed = fault !== undefined && (fault.path === null || request.url.split('?')[0] === `/${system.name}${fault.path}`);
    const hit = aimed && ctx.random.chance(fault.rate) ? fault : undefined;
    if (hit?.mode === 'down') {
      ctx.stats.outcome(system.name, 'dropped');
      reply.hijack();
      resetConnection(request, reply);
      return reply;
    }
    if (hit?.mode === 'timeout') {
      ctx.stats.outcome(system.name, 'dropped');
      reply.hijack();
      ctx.held.hold(ctx.config.timeoutHoldMs, () => closeConnection(request, reply), (gone) => reply.raw.once('close', gone));
      return reply;
    }
    const delay = ctx.config.latencyMs + (hit?.mode === 'latency' ? hit.latencyMs ?? 0 : 0);
    if (delay > 0) await sleep(delay);
    if (hit?.mode === 'error') {
      return sendError(reply, hit.status, `${STATUS_CODES[hit.status] ?? 'Error'} (simulated fault)`);
    }
    return undefined;
  });

  app.addHook('onResponse', async (_request, reply) => {
    ctx.stats.outcome(system.name, reply.statusCode);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unhandled error in simulated partner');
    return sendError(reply, status, status === 500 ? 'Internal server error' : error.message);
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 404, `No route ${request.method} ${request.url.split('?')[0]}`));
}

/** A TCP reset, so the client sees ECONNRESET as from a host that went away. */
function resetConnection(request: FastifyRequest, reply: FastifyReply): void {
  const socket = request.raw.socket;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else reply.raw.destroy();
}

function closeConnection(request: FastifyRequest, reply: FastifyReply): void {
  const socket = request.raw.socket;
  if (typeof socket.destroy === 'function') socket.destroy();
  else reply.raw.destroy();
}
