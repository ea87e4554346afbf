import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import { BpjsClient } from './clients/bpjs.ts';
import type { Config } from './config.ts';
import { registerParticipant } from './jobs/register-participant.ts';

export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({
    system: 'bpjs',
    config,
    handlers: (client) => ({
      'bpjs.register_participant': registerParticipant(new BpjsClient(client, config.BPJS_CONS_ID, config.BPJS_SECRET)),
    }),
  }, deps);
}
