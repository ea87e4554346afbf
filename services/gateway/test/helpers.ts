import type { Test } from 'tap';
import { createTestPrefix, createTestSchema, testRedisUrl, type TestPrefix, type TestSchema } from '@sutasoma/testing';
import type { ServiceApp } from '@sutasoma/service-kit';
import { buildApp, type GatewayDeps } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { DEMO_ACCOUNTS } from '../src/demo-accounts.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface GatewayUnderTest {
  app: ServiceApp;
  db: TestSchema;
  queues: TestPrefix;
  token: (username: 'demo-agent' | 'demo-supervisor' | 'demo-ops', extra?: Record<string, unknown>) => string;
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
    LOG_LEVEL: 'warn',
    RELAY_POLL_MS: '200',
    // No adapter of `npm start` (ports 8081-8086) is ever asked anything: flows give their own.
    ADAPTER_URLS: '',
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
  return { app, db, queues, token };
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
