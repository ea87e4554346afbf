export { testDatabaseUrl, testRedisUrl, randomSuffix } from './env.ts';
export { createTestSchema, type TestSchema } from './db.ts';
export { createTestPrefix, deleteKeys, type TestPrefix } from './redis.ts';
export { startServiceProcess, serviceArgs, freePort, type ServiceProcess, type StartOptions } from './process.ts';
export { startPartners, bankKeyPair, SIM_CREDENTIALS, type Partners, type AdapterName } from './system.ts';
export { waitFor } from './wait.ts';
export { PII_TEST_ENV, testPii } from './pii.ts';
export { stepDriver } from './steps.ts';
