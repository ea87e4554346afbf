import { buildService, type Logger, type ServiceApp } from '@sutasoma/service-kit';
import type { SimConfig } from './config.ts';
import { generateSoppeng } from './data/generate.ts';
import { createRandom } from './data/prng.ts';
import { FaultRegistry } from './faults.ts';
import { HeldConnections } from './held-connections.ts';
import { installPartnerScope } from './partner-scope.ts';
import { controlRoutes } from './routes/control.ts';
import type { SimContext } from './sim-context.ts';
import { CallStats } from './stats.ts';
import { BpjsParticipants } from './systems/bpjs-participants.ts';
import { BpjsContributions } from './systems/bpjs-contributions.ts';
import { BankAccounts } from './systems/bank-accounts.ts';
import { BankState } from './systems/bank-state.ts';
import { BankWebhooks } from './systems/bank-webhooks.ts';
import { RecordedAnswers } from './recorded-answers.ts';
import { BpjsClaims } from './systems/bpjs-claims.ts';
import { BankTransfers } from './systems/bank-transfers.ts';
import { WebhookSender } from './webhook-sender.ts';
import { PARTNER_SYSTEMS } from './systems/partner-systems.ts';
import { PlkkCases } from './systems/plkk-cases.ts';
import { HospitalState } from './systems/hospital-state.ts';

export interface AppDeps {
  logger: Logger;
}

/** The simulator, fully registered and not listening: each partner under `/<system>`, control under `/_sim`. */
export async function buildApp(config: SimConfig, deps: AppDeps): Promise<ServiceApp> {
  const data = generateSoppeng(config.seed);
  const faults = new FaultRegistry();
  const participants = new BpjsParticipants(data);
  const contributions = new BpjsContributions();
  const accounts = new BankAccounts(data);
  const ctx: SimContext = {
    config,
    data,
    faults,
    stats: new CallStats(),
    held: new HeldConnections(),
    participants,
    contributions,
    accounts,
    bank: new BankState(config.bank),
    webhooks: new BankWebhooks(config.bank.webhook, deps.logger.child({ component: 'bank-webhooks' })),
    cardDebits: new RecordedAnswers(),
    cardCredits: new RecordedAnswers(),
    claims: new BpjsClaims({
      participants, contributions, faults, decisionDelayMs: config.bpjs.decisionDelayMs, log: deps.logger.child({ component: 'bpjs-claims' }),
      webhooks: new WebhookSender(config.bpjs.webhook, deps.logger.child({ component: 'bpjs-webhooks' })),
    }),
    transfers: new BankTransfers(accounts),
    random: createRandom(config.seed),
    plkk: new PlkkCases(),
    hospital: new HospitalState(config.hospital, deps.logger.child({ component: 'hospital-webhooks' })),
  };

  // Partners must accept bodies as big as the hospital's FHIR bundles will be.
  const app = await buildService({ name: 'partner-sim', logger: deps.logger, bodyLimit: 1024 * 1024 });

  // preClose, not onClose: held requests would otherwise keep the server from closing at all.
  app.addHook('preClose', async () => {
    ctx.held.releaseAll();
    ctx.faults.clear();
    ctx.webhooks.close();
    ctx.claims.close();
    ctx.hospital.close();
  });

  await app.register(async (scope) => controlRoutes(scope, ctx), { prefix: '/_sim' });
  for (const system of PARTNER_SYSTEMS) {
    await app.register(async (scope) => {
      installPartnerScope(scope, system, ctx);
      await system.routes(scope, ctx);
    }, { prefix: `/${system.name}` });
  }
  return app;
}
