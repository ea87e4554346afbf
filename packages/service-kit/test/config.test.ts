import t from 'tap';
import { z } from 'zod';
import { ConfigError, commonEnv, envFlag, parseConfig } from '@sutasoma/service-kit';

/** An adapter's configuration, as its config.ts declares it. */
const AdapterEnv = z.object({
  ...commonEnv,
  PORT: z.coerce.number().int().min(1).max(65_535),
  PARTNER_BASE_URL: z.string().url(),
  BPJS_SECRET: z.string().min(8),
  DEMO_MODE: envFlag,
});

/** The message of the ConfigError `env` raises. */
function configError(env: Record<string, string>): string {
  try {
    parseConfig(AdapterEnv, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

t.test('a complete environment parses, with defaults for the common keys', async (t) => {
  const config = parseConfig(AdapterEnv, { PORT: '3003', PARTNER_BASE_URL: 'http://127.0.0.1:9090/bpjs', BPJS_SECRET: 'sim-bpjs-secret' });
  t.same(config, {
    LOG_LEVEL: 'info',
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: 'sutasoma',
    PORT: 3003,
    PARTNER_BASE_URL: 'http://127.0.0.1:9090/bpjs',
    BPJS_SECRET: 'sim-bpjs-secret',
    DEMO_MODE: false,
  });
});

t.test('an operator who got four keys wrong reads all four in one error, not one per restart', async (t) => {
  const env = {
    LOG_LEVEL: 'verbose',
    REDIS_URL: 'not a url',
    QUEUE_PREFIX: 'sutasoma prod',
    PORT: 'eighty',
    // PARTNER_BASE_URL and BPJS_SECRET are missing.
    DEMO_MODE: 'maybe',
  };
  t.throws(() => parseConfig(AdapterEnv, env), { name: 'ConfigError' });
  const message = configError(env);
  t.match(message, /^invalid configuration:\n/);
  const named = message.split('\n').slice(1).map((l) => l.trim().split(':')[0]);
  t.same(named.sort(), ['BPJS_SECRET', 'DEMO_MODE', 'LOG_LEVEL', 'PARTNER_BASE_URL', 'PORT', 'QUEUE_PREFIX', 'REDIS_URL']);
});

t.test('the error names keys, never the values it refused', async (t) => {
  const message = configError({ PORT: '3003', PARTNER_BASE_URL: 'http://x', BPJS_SECRET: 'short', REDIS_URL: 'redis//pw-9f3k@cache' });
  t.match(message, /BPJS_SECRET/);
  t.match(message, /REDIS_URL/);
  t.notMatch(message, /short|pw-9f3k/, 'a refused secret is still a secret');
});

t.test('a flag accepts the usual spellings of yes and no', async (t) => {
  const Flags = z.object({ DEMO_MODE: envFlag });
  const cases: [string | undefined, boolean][] = [['true', true], ['1', true], ['yes', true], ['false', false], ['0', false], ['no', false], ['', false], [undefined, false]];
  for (const [value, expected] of cases) {
    t.equal(parseConfig(Flags, value === undefined ? {} : { DEMO_MODE: value }).DEMO_MODE, expected, `DEMO_MODE=${String(value)}`);
  }
  t.throws(() => parseConfig(Flags, { DEMO_MODE: 'TRUE' }), ConfigError, 'an unknown spelling is an error, not false');
});
