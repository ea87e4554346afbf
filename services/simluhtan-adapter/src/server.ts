import { internalPortOf, runService, startMain } from '@sutasoma/service-kit';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';

startMain(async () => {
  const config = loadConfig();
  const app = await buildApp(config);
  await runService({ app, port: config.PORT, host: config.HOST, internalPort: internalPortOf(config), internalHost: config.INTERNAL_HOST });
});
