import { createLogger, runService } from '@sutasoma/service-kit';
import { loadConfig } from './config.ts';
import { buildApp } from './app.ts';

const config = loadConfig();
const logger = createLogger({ name: 'partner-sim', level: config.logLevel });
const app = await buildApp(config, { logger });
const url = await runService({ app, port: config.port, host: config.host });
logger.info({ url, seed: config.seed }, `partner simulator listening on ${url}`);
