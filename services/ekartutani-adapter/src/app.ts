import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import { EKartuTaniClient } from './clients/ekartutani.ts';
import type { Config } from './config.ts';
import { lookupCard } from './jobs/lookup-card.ts';

export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({
    system: 'ekartutani',
    config,
    handlers: (client) => ({
      'ekartutani.lookup_card': lookupCard(new EKartuTaniClient(client, config.EKARTUTANI_CLIENT_ID, config.EKARTUTANI_CLIENT_SECRET)),
    }),
  }, deps);
}
