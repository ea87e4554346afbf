import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import { BpjsClient } from './clients/bpjs.ts';
import type { Config } from './config.ts';
import { postContribution } from './jobs/post-contribution.ts';
import { registerParticipant } from './jobs/register-participant.ts';

export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({
    system: 'bpjs',
    config,
    handlers: (client) => {
      const bpjs = new BpjsClient(client, config.BPJS_CONS_ID, config.BPJS_SECRET);
      return { 'bpjs.register_participant': registerParticipant(bpjs), 'bpjs.post_contribution': postContribution(bpjs) };
    },
  }, deps);
}
