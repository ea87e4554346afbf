import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import { PlkkClient } from './clients/plkk.ts';
import type { Config } from './config.ts';
import { reportCase } from './jobs/report-case.ts';
import { reportFollowup } from './jobs/report-followup.ts';

export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({
    system: 'plkk',
    config,
    handlers: (client) => {
      const plkk = new PlkkClient(client, config.PLKK_API_KEY);
      return { 'plkk.report_case': reportCase(plkk), 'plkk.report_followup': reportFollowup(plkk) };
    },
  }, deps);
}
