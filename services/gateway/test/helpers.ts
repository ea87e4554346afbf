import type { Test } from 'tap';
import { createHmac, randomUUID } from 'node:crypto';
import { StepEvent, type StepName, type StepOutcome } from '@sutasoma/contracts';
import type { Pii } from '@sutasoma/pii';
import { PII_TEST_ENV, SIM_CREDENTIALS, testPii, createTestPrefix, createTestSchema, testRedisUrl, type TestPrefix, type TestSchema } from '@sutasoma/testing';
import type { ServiceApp } from '@sutasoma/service-kit';
import { buildApp, type GatewayDeps } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { DEMO_ACCOUNTS } from '../src/demo-accounts.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
/** What every gateway configuration must hold (tests' own secrets), for tests that build one themselves. */
export const REQUIRED_ENV = { JOB_SIGNING_SECRETS: SIM_CREDENTIALS.JOB_SIGNING_SECRETS, ...PII_TEST_ENV };

export interface GatewayUnderTest {
  app: ServiceApp;
  db: TestSchema;
  queues: TestPrefix;
  /** The gateway's personal-data keys, to read what it sealed as it does. */
  pii: Pii;
  token: (username: 'demo-agent' | 'demo-supervisor' | 'demo-ops', extra?: Record<string, unknown>) => string;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * A token made by hand, signed with the test secret unless told: by default every claim the gateway
 * needs (an agent's), each overridden by `claims` (undefined removes it); `alg: 'none'` leaves it unsigned.
 */
export function handSignedToken(claims: Record<string, unknown> = {}, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }, secret = TEST_JWT_SECRET): string {
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = { sub: 'agent-x', role: 'agent', villages: ['7312022001'], iss: 'sutasoma', aud: 'sutasoma-gateway', iat: now, exp: now + 600, ...claims };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k];
  const unsigned = `${b64(header)}.${b64(body)}`;
  const alg = header['alg'] === 'HS512' ? 'sha512' : 'sha256';
  return header['alg'] === 'none' ? `${unsigned}.` : `${unsigned}.${createHmac(alg, secret).update(unsigned).digest('base64url')}`;
}

/** The real gateway on a schema and queue prefix of its own; closed and cleaned in teardown. */
export async function startGateway(t: Test, env: Record<string, string> = {}, queues: TestPrefix = createTestPrefix(), deps: GatewayDeps = {}): Promise<GatewayUnderTest> {
  const db = await createTestSchema();
  const config = loadConfig({
    DATABASE_URL: db.databaseUrl,
    DB_SCHEMA: db.schema,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: queues.prefix,
    JWT_SECRET: TEST_JWT_SECRET,
    ...REQUIRED_ENV,
    LOG_LEVEL: 'warn',
    RELAY_POLL_MS: '200',
    // No adapter of `npm start` (ports 8081-8086) is ever asked anything: flows give their own.
    ADAPTER_URLS: '',
    // Tests call as one account far faster than an agent can; rate-limits.test.ts sets its own limits.
    RATE_LIMIT_API_PER_MIN: '1000000',
    ...env,
  });
  const app = await buildApp(config, deps);
  await app.ready();
  t.teardown(async () => {
    const t0 = Date.now();
    await app.close();
    const t1 = Date.now();
    await db.drop();
    await queues.cleanup();
    if (process.env['DEBUG_TEARDOWN']) console.error(`gateway close ${t1 - t0} ms, cleanup ${Date.now() - t1} ms`);
  });
  const token = (username: string, extra: Record<string, unknown> = {}) => {
    const a = DEMO_ACCOUNTS.find((x) => x.username === username)!;
    return app.jwt.sign({ sub: a.username, role: a.role, villages: a.villages, ...(a.collectionAccount ? { collectionAccount: a.collectionAccount } : {}), ...extra });
  };
  return { app, db, queues, token, pii: testPii };
}

/** A farmer of Lalabata (the demo agent's district) whose NIK agrees with the birth date and sex. */
export function lalabataFarmer(overrides: Record<string, unknown> = {}) {
  return {
    nik: '7312024505880007',
    fullName: 'Besse Hasnah',
    birthDate: '1988-05-05',
    sex: 'F',
    villageCode: '7312022001',
    address: 'Dusun Bila, Desa Botto',
    phone: '081234567890',
    declaredMonthlyIncome: 1000000,
    ...overrides,
  };
}

/** Registers a farmer of Lalabata with the NIK `731202450588<suffix>` through the API; answers the registration's id. */
export async function registerFarmer(gw: GatewayUnderTest, suffix: string): Promise<string> {
  const res = await gw.app.inject({
    method: 'POST', url: '/v1/registrations', payload: lalabataFarmer({ nik: `731202450588${suffix}` }),
    headers: { authorization: `Bearer ${gw.token('demo-agent')}`, 'idempotency-key': randomUUID() },
  });
  if (res.statusCode !== 202) throw new Error(`registration answered ${res.statusCode}: ${res.body}`);
  return res.json<{ id: string }>().id;
}

/** What Simluhtan and e-Kartu Tani answer for a farmer of a group with an active card. */
const STEP_RESULTS: Partial<Record<StepName, Record<string, unknown>>> = {
  'simluhtan.verify_membership': { farmerGroupId: 'KT-1', farmerGroupName: 'Sipatuo', extensionWorkerId: 'PPL-1', extensionWorkerName: 'Andi' },
  'ekartutani.lookup_card': { found: true, cardNumberMasked: '****1234', status: 'active' },
};

/** A step event as an adapter publishes it: the first attempt, by default succeeded with the partner's usual answer. */
export function stepEvent(operationId: string, step: StepName, outcome: StepOutcome = 'succeeded', result = STEP_RESULTS[step]): StepEvent {
  return StepEvent.parse({ operationId, correlationId: `test-${operationId}`, step, attempt: 1, outcome, result, durationMs: 3, at: new Date().toISOString() });
}

