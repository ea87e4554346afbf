import { createPool, migrate } from '@sutasoma/ledger';
import { Pii } from '@sutasoma/pii';
import { createLogger, internalPortOf, runService, startMain } from '@sutasoma/service-kit';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { sealLedger } from './personal-data.ts';

startMain(async () => {
  const config = loadConfig();
  const pool = createPool({ connectionString: config.DATABASE_URL, max: 1 });
  try {
    await migrate(pool, config.DB_SCHEMA);
  } finally {
    await pool.end();
  }
  // Before serving: rows still in clear (a ledger an earlier version wrote) or sealed under a key
  // rotated out of first place are sealed under the current key, in batches (resumable).
  const ledger = createPool({ connectionString: config.DATABASE_URL, schema: config.DB_SCHEMA, max: 1, applicationName: 'gateway' });
  try {
    await sealLedger(ledger, new Pii(config.PII_KEYS, config.PII_INDEX_KEY), {
      schema: config.DB_SCHEMA, logger: createLogger({ name: 'gateway', level: config.LOG_LEVEL }),
    });
  } finally {
    await ledger.end();
  }
  const app = await buildApp(config);
  await runService({ app, port: config.PORT, host: config.HOST, internalPort: internalPortOf(config), internalHost: config.INTERNAL_HOST });
});
