import { createPool, migrate } from '@sutasoma/ledger';
import { internalPortOf, runService, startMain } from '@sutasoma/service-kit';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';

startMain(async () => {
  const config = loadConfig();
  const pool = createPool({ connectionString: config.DATABASE_URL, max: 1 });
  try {
    await migrate(pool, config.DB_SCHEMA);
  } finally {
    await pool.end();
  }
  const app = await buildApp(config);
  await runService({ app, port: config.PORT, host: config.HOST, internalPort: internalPortOf(config), internalHost: config.INTERNAL_HOST });
});
