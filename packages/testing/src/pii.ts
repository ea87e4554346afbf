import { randomBytes } from 'node:crypto';
import { Pii, PiiIndexKey, PiiKeys } from '@sutasoma/pii';

/**
 * Personal-data keys made for this process only, never real ones: the gateway under test (or under the
 * benchmark, or the fault harness) and the adapters it starts share them, as a deployment's services
 * share theirs.
 */
export const PII_TEST_ENV = {
  PII_KEYS: `test:${randomBytes(32).toString('base64')}`,
  PII_INDEX_KEY: randomBytes(32).toString('base64'),
};

/** The same keys, to read what the services sealed (a NIK's blind index, a request) as they do. */
export const testPii = new Pii(PiiKeys.parse(PII_TEST_ENV.PII_KEYS), PiiIndexKey.parse(PII_TEST_ENV.PII_INDEX_KEY));
