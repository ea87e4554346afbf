// The whole system as separate processes on a fresh schema and queue prefix, for the benchmark
// and the fault harness: the simulator, the gateway and every adapter (registrations, contributions
// and claims), with the simulator's bank, BPJS claim-decision and hospital webhooks pointed at them.
import { createHmac, randomBytes } from 'node:crypto';
import { VILLAGES } from '@sutasoma/contracts';
import { build } from '../build.mjs';
import {
  PII_TEST_ENV, SIM_CREDENTIALS, bankKeyPair, createTestPrefix, createTestSchema, startServiceProcess, testRedisUrl,
  type ServiceProcess, type TestPrefix, type TestSchema,
} from '@sutasoma/testing';

export const ADAPTERS = ['simluhtan', 'ekartutani', 'bpjs', 'bank', 'plkk', 'hospital'] as const;

export interface SystemOptions {
  redisUrl?: string;
  gatewayEnv?: Record<string, string>;
  adapterEnv?: Record<string, string>;
  /** The simulator's own settings (e.g. SIM_BPJS_DECISION_DELAY_MS). */
  simEnv?: Record<string, string>;
  /** Start no adapter (acceptance alone). */
  noAdapters?: boolean;
  nodeArgs?: string[];
}

/** The services run compiled, as in production: built here first (quick when nothing changed). */
function built(): void {
  const { compiled } = build();
  if (compiled > 0) process.stderr.write(`build: ${compiled} files compiled\n`);
}

export interface System {
  db: TestSchema;
  queues: TestPrefix;
  sim: ServiceProcess;
  gateway: ServiceProcess;
  adapters: Partial<Record<(typeof ADAPTERS)[number], ServiceProcess>>;
  /** An agent token for every village, with a collection account, signed with the gateway's secret. */
  agentToken: () => string;
  stop: () => Promise<void>;
}

/**
 * Points the simulator's webhooks at the adapters that receive them: the bank's payment
 * notifications, BPJS's claim decisions and the hospital's notifications. Again after the
 * simulator restarts, since it forgets them.
 */
export async function pointWebhooks(sim: ServiceProcess, adapters: System['adapters']): Promise<void> {
  const hooks: [string, string | undefined][] = [
    ['/_sim/bank/webhook', adapters.bank && `${adapters.bank.url}/webhooks/bank/payments`],
    ['/_sim/bpjs/claims/webhook', adapters.bpjs && `${adapters.bpjs.url}/webhooks/bpjs/claims`],
    ['/_sim/hospital/webhook', adapters.hospital && `${adapters.hospital.url}/webhooks/hospital/fhir`],
  ];
  for (const [path, url] of hooks) {
    if (!url) continue;
    const res = await fetch(`${sim.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url }) });
    if (!res.ok) throw new Error(`the simulator refused the webhook URL at ${path}: ${res.status}`);
  }
}

export async function startSystem(opts: SystemOptions = {}): Promise<System> {
  built();
  const db = await createTestSchema();
  const queues = createTestPrefix();
  const nodeArgs = opts.nodeArgs ?? [];
  // The personal-data keys are made for this run (PII_TEST_ENV), shared by the gateway and the adapters.
  const common = { REDIS_URL: opts.redisUrl ?? testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'warn', ...PII_TEST_ENV };
  const keys = bankKeyPair();
  const jwtSecret = randomBytes(32).toString('hex');
  const sim = await startServiceProcess({ service: 'partner-sim', env: { SIM_LATENCY_MS: '0', SIM_BANK_CLIENT_PUBLIC_KEY: keys.publicKey, ...opts.simEnv }, nodeArgs, compiled: true });
  const started = opts.noAdapters ? [] : await Promise.all(ADAPTERS.map((s) => startServiceProcess({
    service: `${s}-adapter`,
    env: { ...common, ...SIM_CREDENTIALS, BANK_PRIVATE_KEY: keys.privateKey, PARTNER_BASE_URL: `${sim.url}/${s}`, ...opts.adapterEnv },
    nodeArgs,
    compiled: true,
  })));
  const adapters = Object.fromEntries(started.map((p, i) => [ADAPTERS[i], p])) as System['adapters'];
  const gateway = await startServiceProcess({
    service: 'gateway',
    env: {
      ...common, DATABASE_URL: db.databaseUrl, DB_SCHEMA: db.schema, JWT_SECRET: jwtSecret, JOB_SIGNING_SECRETS: SIM_CREDENTIALS.JOB_SIGNING_SECRETS,
      // The load generator is one agent at thousands of requests a second.
      RATE_LIMIT_API_PER_MIN: '1000000000',
      ADAPTER_URLS: Object.entries(adapters).map(([s, p]) => `${s}=${p!.internalUrl}`).join(','), ...opts.gatewayEnv,
    },
    nodeArgs,
    compiled: true,
  });
  await pointWebhooks(sim, adapters);
  const agentToken = () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
      sub: 'bench-agent', role: 'agent', villages: VILLAGES.map((v) => v.code), collectionAccount: '9001000001', iss: 'sutasoma', aud: 'sutasoma-gateway', iat: now, exp: now + 3600,
    })}`;
    return `${unsigned}.${createHmac('sha256', jwtSecret).update(unsigned).digest('base64url')}`;
  };
  return {
    db, queues, sim, gateway, adapters, agentToken,
    stop: async () => {
      await Promise.all([gateway, sim, ...Object.values(adapters)].map((p) => p!.kill('SIGTERM')));
      await db.drop();
      await queues.cleanup();
    },
  };
}
