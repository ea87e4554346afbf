import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import { SimluhtanClient } from './clients/simluhtan.ts';
import type { Config } from './config.ts';
import { verifyMembership } from './jobs/verify-membership.ts';

export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({
    system: 'simluhtan',
    config,
    handlers: (client) => ({ 'simluhtan.verify_membership': verifyMembership(new SimluhtanClient(client, config.SIMLUHTAN_API_KEY)) }),
  }, deps);
}
