import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import { SimluhtanClient } from './clients/simluhtan.ts';
import type { Config } from './config.ts';
import { createDirectoryReader } from './jobs/read-directory.ts';
import { verifyMembership } from './jobs/verify-membership.ts';

export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({
    system: 'simluhtan',
    config,
    handlers: (client) => ({ 'simluhtan.verify_membership': verifyMembership(new SimluhtanClient(client, config.SIMLUHTAN_API_KEY)) }),
    // The directory read for the monthly review's coverage rate (not a step of any operation).
    routes: async (app, _worker, ctx) => {
      const reader = createDirectoryReader({
        simluhtan: new SimluhtanClient(app.partner, config.SIMLUHTAN_API_KEY), redisUrl: config.REDIS_URL, producer: ctx.redis, prefix: ctx.prefix, logger: app.log as never,
      });
      app.addHook('onReady', async () => reader.start());
      app.addHook('onClose', async () => reader.close());
    },
  }, deps);
}
