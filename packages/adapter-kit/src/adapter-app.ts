import type { PartnerSystem, StepName } from '@sutasoma/contracts';
import { PartnerClient } from '@sutasoma/partner-client';
import { Pii } from '@sutasoma/pii';
import { buildService, createLogger, createRedis, pingRedis, type Logger, type Redis, type ServiceApp } from '@sutasoma/service-kit';
import type { AdapterEnv } from './config.ts';
import { StepWorker, type StepHandler } from './step-worker.ts';

export interface AdapterDeps {
  logger?: Logger;
}

export interface AdapterDefinition {
  system: PartnerSystem;
  config: AdapterEnv;
  /** The partner's step handlers, built on the adapter's breaker-wrapped client. */
  handlers: (client: PartnerClient, ctx: AdapterContext) => Partial<Record<StepName, StepHandler>>;
  /** Routes the partner calls (webhooks); they publish through the worker. */
  routes?: (app: ServiceApp, worker: StepWorker, ctx: AdapterContext) => Promise<void>;
}

/**
 * What handlers and routes may share: a Redis connection and the key prefix to keep their keys under,
 * and the personal-data keys, to seal what a route hands to the gateway.
 */
export interface AdapterContext {
  redis: Redis;
  prefix: string;
  pii: Pii;
}

declare module 'fastify' {
  interface FastifyInstance {
    partner: PartnerClient;
    stepWorker: StepWorker;
  }
}

/** An adapter service: health, readiness, metrics, its breaker's state, and its queue worker. */
export async function buildAdapterApp(def: AdapterDefinition, deps: AdapterDeps = {}): Promise<ServiceApp> {
  const { config, system } = def;
  const name = `${system}-adapter`;
  const logger = deps.logger ?? createLogger({ name, level: config.LOG_LEVEL });
  // Queued while connecting (a webhook may arrive as the service starts), failing fast once down.
  const redis = createRedis(config.REDIS_URL, 'producer', { enableOfflineQueue: true });
  redis.on('error', () => {});
  const pii = new Pii(config.PII_KEYS);
  const ctx: AdapterContext = { redis, prefix: config.QUEUE_PREFIX, pii };

  const app = await buildService({
    name,
    logger,
    readiness: async () => ({ redis: await pingRedis(redis), breaker: client.state === 'open' ? 'open' : 'ok' }),
  });
  const client = new PartnerClient({
    system,
    baseUrl: config.PARTNER_BASE_URL,
    timeoutMs: config.PARTNER_TIMEOUT_MS,
    metrics: app.metrics,
    breaker: {
      errorThresholdPercentage: config.BREAKER_ERROR_PERCENT,
      volumeThreshold: config.BREAKER_VOLUME,
      resetTimeoutMs: config.BREAKER_RESET_MS,
      rollingCountTimeoutMs: config.BREAKER_WINDOW_MS,
    },
  });
  client.breaker.on('open', () => logger.warn({ system }, 'breaker opened'));
  client.breaker.on('halfOpen', () => logger.info({ system }, 'breaker half-open: probing'));
  client.breaker.on('close', () => logger.info({ system }, 'breaker closed'));

  const worker = new StepWorker({
    system,
    client,
    handlers: def.handlers(client, ctx),
    pii,
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    logger,
    retry: { attempts: config.RETRY_ATTEMPTS, baseDelayMs: config.RETRY_BASE_MS, maxDelayMs: config.RETRY_MAX_MS },
    concurrency: config.WORKER_CONCURRENCY,
    lockDurationMs: config.WORKER_LOCK_MS,
    metrics: app.metrics,
    handOverMs: config.WEBHOOK_HANDOVER_MS,
    jobSecrets: config.JOB_SIGNING_SECRETS,
  });
  app.decorate('partner', client);
  app.decorate('stepWorker', worker);

  app.internal.get('/breaker', async () => client.snapshot());
  await def.routes?.(app, worker, ctx);
  app.addHook('onReady', async () => worker.start());
  app.addHook('onClose', async () => {
    await worker.close();
    await client.close();
    await redis.quit().catch(() => {});
  });
  return app;
}
