import t from 'tap';
import { ConfigError } from '@sutasoma/service-kit';
import { PII_TEST_ENV, SIM_CREDENTIALS, bankKeyPair } from '@sutasoma/testing';
import { loadConfig } from '../src/config.ts';

const env = { ...SIM_CREDENTIALS, ...PII_TEST_ENV, BANK_PRIVATE_KEY: bankKeyPair().privateKey };

t.test('the account claim payouts are paid from must be configured: none is assumed', async (t) => {
  const { BANK_PAYOUT_ACCOUNT: _, ...without } = env;
  let refused: unknown;
  try {
    loadConfig(without);
  } catch (err) {
    refused = err;
  }
  t.ok(refused instanceof ConfigError, 'the adapter refuses to start');
  t.match((refused as Error).message, /BANK_PAYOUT_ACCOUNT/, 'naming what is missing');
  t.equal(loadConfig(env).BANK_PAYOUT_ACCOUNT, '9100000001', 'given, it is used');
  t.throws(() => loadConfig({ ...env, BANK_PAYOUT_ACCOUNT: '12-34' }), /BANK_PAYOUT_ACCOUNT/, 'only digits');
});
