import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import { BpjsClient } from './clients/bpjs.ts';
import type { Config } from './config.ts';
import { checkCoverage } from './jobs/check-coverage.ts';
import { postContribution } from './jobs/post-contribution.ts';
import { registerParticipant } from './jobs/register-participant.ts';
import { submitClaim } from './jobs/submit-claim.ts';
import { claimDecisionRoutes } from './routes/claim-decisions.ts';

export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({
    system: 'bpjs',
    config,
    handlers: (client, ctx) => {
      const bpjs = new BpjsClient(client, config.BPJS_CONS_ID, config.BPJS_SECRET);
      return {
        'bpjs.register_participant': registerParticipant(bpjs),
        'bpjs.post_contribution': postContribution(bpjs),
        'bpjs.check_coverage': checkCoverage(bpjs),
        'bpjs.submit_claim': submitClaim(bpjs, { ...ctx, rememberS: config.CLAIM_DECISION_WINDOW_S }),
      };
    },
    routes: (app, worker, ctx) => claimDecisionRoutes(app, worker, {
      ...ctx,
      secrets: config.BPJS_WEBHOOK_SECRETS,
      replayWindowS: config.WEBHOOK_REPLAY_WINDOW_S,
    }),
  }, deps);
}
