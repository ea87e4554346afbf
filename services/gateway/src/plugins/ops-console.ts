import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis, ServiceApp } from '@sutasoma/service-kit';
import { ALL_QUEUES } from '../jobs/queue-metrics.ts';
import { escapeHtml, signInRoutes } from './sign-in.ts';

export interface OpsConsoleOptions {
  connection: Redis;
  prefix: string;
  /** Demo mode: the login form takes the demo accounts' names and password. */
  demoPassword: string | null;
  ttlSeconds: number;
  publicUrl: string | undefined;
}

const COOKIE = 'sutasoma_ops';
const BASE = '/ops/queues';

function loginPage(demo: boolean, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SUTASOMA operations</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1.2rem}.error{color:#b00020}</style></head>
<body><h1>SUTASOMA operations</h1>${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/ops/login">${demo
    ? '<label for="username">Username</label><input id="username" name="username" autocomplete="username" required><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>'
    : '<label for="token">Access token (role ops)</label><input id="token" name="token" type="password" required>'}
<button type="submit">Sign in</button></form></body></html>`;
}

/**
 * The queue dashboard (Bull Board) at /ops/queues, for people to look at, read-only: every queue of
 * every adapter, behind the same `ops` authentication as the ops API — a bearer token, or the HttpOnly cookie the
 * login form sets (confined to /ops, SameSite=Strict).
 */
export async function opsConsole(app: ServiceApp, opts: OpsConsoleOptions) {
  const verified = await signInRoutes(app, {
    base: '/ops', cookie: COOKIE, cookiePath: '/ops', landing: BASE, roles: ['ops'], demoPassword: opts.demoPassword, ttlSeconds: opts.ttlSeconds,
    loginPage, refusal: 'Wrong credentials, or not an operations account.', what: 'ops console', publicUrl: opts.publicUrl,
  });

  const queues = ALL_QUEUES.map((name) => new Queue(name, { connection: opts.connection, prefix: opts.prefix }));
  for (const q of queues) q.on('error', () => {});
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BASE);
  createBullBoard({
    // Read-only: a change an operator makes goes through the ops API, where it is audited (ops_audit);
    // from the dashboard a session could otherwise plant, retry or empty jobs unrecorded.
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'SUTASOMA queues' } },
  });

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers.authorization?.replace(/^Bearer\s+/i, '');
      const principal = (await verified(header)) ?? (await verified(request.cookies[COOKIE]));
      if (principal) return;
      if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')) {
        return reply.redirect('/ops/login', 303);
      }
      return reply.code(401).header('www-authenticate', 'Bearer').send({ code: 'unauthorized', detail: 'An ops token or an ops console session is required.' });
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: BASE });
  });

  app.addHook('onClose', async () => { await Promise.all(queues.map((q) => q.close())); });
}
