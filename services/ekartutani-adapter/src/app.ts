import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import { EKartuTaniClient } from './clients/ekartutani.ts';
import type { Config } from './config.ts';
import { creditCard } from './jobs/credit-card.ts';
import { debitCard } from './jobs/debit-card.ts';
import { lookupCard } from './jobs/lookup-card.ts';

export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({
    system: 'ekartutani',
    config,
    handlers: (client) => {
      const ekartutani = new EKartuTaniClient(client, config.EKARTUTANI_CLIENT_ID, config.EKARTUTANI_CLIENT_SECRET);
      return {
        'ekartutani.lookup_card': lookupCard(ekartutani),
        'ekartutani.debit_card': debitCard(ekartutani),
        'ekartutani.credit_card': creditCard(ekartutani),
      };
    },
  }, deps);
}
