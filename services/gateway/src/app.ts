import { randomBytes } from 'node:crypto';
import { EVENT_JOB_OPTIONS, GATEWAY_EVENTS_QUEUE, STEP_JOB_OPTIONS } from '@sutasoma/contracts';
import { Acceptor, OutboxRelay, createPool, pingDb } from '@sutasoma/ledger';
import { Pii } from '@sutasoma/pii';
import { Counter, buildService, createLogger, createRedis, pingRedis, signJob, type Logger, type ServiceApp } from '@sutasoma/service-kit';
import { claimRules, contributionRules, feeRules, type Config } from './config.ts';
import { buildFlows } from './flows/index.ts';
import { registerQueueMetrics } from './jobs/queue-metrics.ts';
import { Reconciler } from './jobs/reconciler.ts';
import { createIntakeWorker } from './jobs/intake.ts';
import { createMonthlySnapshotJobs } from './jobs/monthly-snapshot.ts';
import { StepEventStream, createStepEventWorker, stepEventApplier } from './jobs/step-events.ts';
import { authPlugin } from './plugins/auth.ts';
import { securityHeaders } from './plugins/browser-guard.ts';
import { rateLimits } from './plugins/rate-limits.ts';
import { opsConsole } from './plugins/ops-console.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { reviewPage } from './plugins/review.ts';
import { demoAuthRoutes, signOutRoute } from './routes/auth.ts';
import { TokenDenyList } from './token-deny-list.ts';
import { claimRoutes } from './routes/claims.ts';
import { contributionRoutes } from './routes/contributions.ts';
import { opsRoutes } from './routes/ops.ts';
import { participantRoutes } from './routes/participants.ts';
import { registrationRoutes } from './routes/registrations.ts';
import { reportRoutes } from './routes/reports.ts';

export interface GatewayDeps {
  logger?: Logger;
}

/** The gateway: unified API, outbox relay, step-event worker and reconciler. Does not listen. */
export async function buildApp(config: Config, deps: GatewayDeps = {}): Promise<ServiceApp> {
  const logger = deps.logger ?? createLogger({ name: 'gateway', level: config.LOG_LEVEL });
  const pool = createPool({ connectionString: config.DATABASE_URL, schema: config.DB_SCHEMA, max: config.DB_POOL_MAX, applicationName: 'gateway' });
  // Acceptance has connections of its own: a burst of events, the relay or the reconciler never holds a 202.
  // A command waiting on another transaction's row (the same farmer, uncommitted) gives up after 5 s
  // rather than hold the whole group with it. Its statements find rows by key: plans cached (see createPool).
  const acceptPool = createPool({
    connectionString: config.DATABASE_URL, schema: config.DB_SCHEMA, max: config.DB_ACCEPT_POOL_MAX, applicationName: 'gateway', lockTimeoutMs: 5_000, plans: 'keyed',
  });
  const acceptor = new Acceptor(acceptPool, { maxInFlight: config.DB_ACCEPT_POOL_MAX });
  // Keys made once: every seal, opening and index of the process uses them.
  const pii = new Pii(config.PII_KEYS, config.PII_INDEX_KEY);
  const producerRedis = createRedis(config.REDIS_URL, 'producer');
  const workerRedis = createRedis(config.REDIS_URL, 'worker');
  producerRedis.on('error', () => {});
  workerRedis.on('error', () => {});

  const app = await buildService({
    name: 'gateway',
    logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    readiness: async () => ({ postgres: await pingDb(pool), redis: await pingRedis(producerRedis) }),
  });

  const published = new Counter({ name: 'outbox_published_total', help: 'Outbox rows published to queues', labelNames: ['queue'], registers: [app.metrics] });
  const relay = new OutboxRelay({
    pool,
    connectionString: config.DATABASE_URL,
    schema: config.DB_SCHEMA,
    redis: producerRedis,
    prefix: config.QUEUE_PREFIX,
    logger,
    pollIntervalMs: config.RELAY_POLL_MS,
    jobOptions: (queue) => (queue === GATEWAY_EVENTS_QUEUE ? EVENT_JOB_OPTIONS : STEP_JOB_OPTIONS),
    // Adapters run only the jobs the gateway signed: one planted in Redis moves no money.
    publishAs: (m) => (m.queue === GATEWAY_EVENTS_QUEUE ? m.payload : signJob(m.payload, config.JOB_SIGNING_SECRETS)),
    onPublished: (messages) => { for (const m of messages) published.inc({ queue: m.queue }); },
  });
  const kick = () => void relay.kick();
  const claims = claimRules(config);
  const flows = buildFlows(contributionRules(config), feeRules(config), claims);
  // Adapters' step results arrive on the step-events stream; partners' notifications handed over by an
  // adapter arrive as jobs. Both are applied the one way, in the same batches.
  const applyEvent = stepEventApplier({ pool, pii, flows, maxBatch: config.EVENTS_CONCURRENCY, transactions: config.EVENTS_TRANSACTIONS, logger, metrics: app.metrics, onApplied: kick });
  const eventStream = new StepEventStream({
    apply: applyEvent, redisUrl: config.REDIS_URL, connection: producerRedis, prefix: config.QUEUE_PREFIX, count: config.EVENTS_CONCURRENCY,
    reclaimAfterMs: config.EVENTS_RECLAIM_MS, maxDeliveries: config.EVENTS_MAX_DELIVERIES, ledgerReachable: async () => (await pingDb(pool)) === 'ok',
    logger, metrics: app.metrics,
  });
  const events = createStepEventWorker({
    apply: applyEvent, connection: workerRedis, prefix: config.QUEUE_PREFIX, concurrency: config.EVENTS_CONCURRENCY, lockDurationMs: config.WORKER_LOCK_MS, logger,
  });
  const intake = createIntakeWorker({
    pool, pii, flows, rules: claims, connection: workerRedis, prefix: config.QUEUE_PREFIX, concurrency: config.INTAKE_CONCURRENCY, lockDurationMs: config.WORKER_LOCK_MS,
    orderWaitMs: config.INTAKE_ORDER_WAIT_MS, logger, metrics: app.metrics, onApplied: kick,
  });
  const reconciler = new Reconciler({
    pool, pii, flows, connection: producerRedis, prefix: config.QUEUE_PREFIX, staleMs: config.RECONCILE_AFTER_MS, everyMs: config.RECONCILE_EVERY_MS, logger, metrics: app.metrics, onRecovered: kick,
  });

  const closeQueueMetrics = registerQueueMetrics(app.metrics, producerRedis, config.QUEUE_PREFIX);
  const reviewJobs = createMonthlySnapshotJobs({
    pool, connection: producerRedis, workerConnection: workerRedis, prefix: config.QUEUE_PREFIX, reviewDay: config.REVIEW_DAY,
    reviewTime: config.REVIEW_TIME, directoryRefreshTime: config.DIRECTORY_REFRESH_TIME, lapseAfterMonths: config.LAPSE_AFTER_MONTHS, logger,
  });

  await securityHeaders(app);
  await registerOpenApi(app);
  const secret = config.JWT_PUBLIC_KEY ? { public: config.JWT_PUBLIC_KEY } : (config.JWT_SECRET ?? randomBytes(32).toString('hex'));
  await app.register(authPlugin, {
    secret, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.TOKEN_TTL_S, maxAgeSeconds: config.TOKEN_MAX_AGE_S,
    denyList: new TokenDenyList(producerRedis, config.QUEUE_PREFIX, logger, app.metrics),
  });
  await rateLimits(app, { redis: producerRedis, prefix: config.QUEUE_PREFIX, apiPerMinute: config.RATE_LIMIT_API_PER_MIN, signInPerMinute: config.RATE_LIMIT_SIGN_IN_PER_MIN });
  await app.register(signOutRoute);
  const demoPassword = config.DEMO_MODE ? config.DEMO_PASSWORD! : null;
  if (demoPassword !== null) {
    logger.warn('DEMO MODE: seeded accounts (demo-agent, demo-supervisor, demo-ops) sign in with DEMO_PASSWORD and get tokens from /v1/auth/token; never run it where real farmers\' data is');
  }
  if (demoPassword !== null) await app.register(demoAuthRoutes, { password: demoPassword, ttlSeconds: config.TOKEN_TTL_S });
  await app.register(registrationRoutes, {
    pool,
    acceptor,
    pii,
    rules: { minAge: config.MIN_AGE, maxAge: config.MAX_AGE, incomeBrackets: config.INCOME_BRACKETS },
    onAccepted: kick,
  });

  await app.register(contributionRoutes, { pool, acceptor, pii, rules: contributionRules(config), vaExpiryS: config.VA_EXPIRY_S, onAccepted: kick });
  await app.register(claimRoutes, { pool, acceptor, pii, rules: claims, flows, onAccepted: kick });
  await app.register(participantRoutes, { pool, pii, rules: contributionRules(config) });
  await app.register(opsRoutes, { pool, pii, flows, adapters: config.ADAPTER_URLS, adapterTimeoutMs: config.ADAPTER_PROBE_TIMEOUT_MS, onReplayed: kick });
  await opsConsole(app, { connection: producerRedis, prefix: config.QUEUE_PREFIX, demoPassword, ttlSeconds: config.TOKEN_TTL_S, publicUrl: config.PUBLIC_URL });
  await app.register(reportRoutes, { pool, pii, rules: contributionRules(config), weights: config.RANKING_WEIGHTS, followUpDays: config.FOLLOW_UP_DAYS, publicUrl: config.PUBLIC_URL,
    programmeStart: config.PROGRAMME_START, liveCacheMs: config.LIVE_REPORT_CACHE_MS,
  });
  await reviewPage(app, { demoPassword, ttlSeconds: config.TOKEN_TTL_S, publicUrl: config.PUBLIC_URL });

  app.addHook('onReady', async () => {
    await relay.start();
    eventStream.start();
    void events.run().catch((err: Error) => logger.error({ err: err.message }, 'events worker stopped'));
    void intake.run().catch((err: Error) => logger.error({ err: err.message }, 'intake worker stopped'));
    reconciler.start();
    await reviewJobs.start();
  });
  app.addHook('onClose', async () => {
    await reconciler.stop();
    await eventStream.close();
    await events.close();
    await intake.close();
    await reviewJobs.close();
    await relay.stop();
    await closeQueueMetrics();
    await pool.end();
    await acceptPool.end();
    await Promise.all([producerRedis.quit().catch(() => {}), workerRedis.quit().catch(() => {})]);
  });
  return app;
}
