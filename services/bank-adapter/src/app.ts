import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import { SnapClient } from './clients/snap.ts';
import type { Config } from './config.ts';
import { collectAgentCash, createVa } from './jobs/payments.ts';
import { payout } from './jobs/payouts.ts';
import { paymentNotificationRoutes } from './routes/payment-notifications.ts';

export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({
    system: 'bank',
    config,
    handlers: (client, ctx) => {
      const snap = new SnapClient(client, {
        clientId: config.BANK_CLIENT_ID, clientSecret: config.BANK_CLIENT_SECRET, privateKeyPem: config.BANK_PRIVATE_KEY, channelId: config.BANK_CHANNEL_ID,
      });
      return {
        'bank.collect_agent_cash': collectAgentCash(snap),
        'bank.create_va': createVa(snap, { ...ctx, partnerServiceId: config.BANK_PARTNER_SERVICE_ID, rememberS: 30 * 24 * 3600 }),
        'bank.pay_hospital': payout(snap, { sourceAccountNo: config.BANK_PAYOUT_ACCOUNT, verified: false }),
        'bank.pay_benefit': payout(snap, { sourceAccountNo: config.BANK_PAYOUT_ACCOUNT, verified: true }),
        'bank.pay_heir': payout(snap, { sourceAccountNo: config.BANK_PAYOUT_ACCOUNT, verified: true }),
      };
    },
    routes: (app, worker, ctx) => paymentNotificationRoutes(app, worker, {
      ...ctx,
      secrets: config.BANK_WEBHOOK_SECRETS,
      replayWindowS: config.WEBHOOK_REPLAY_WINDOW_S,
    }),
  }, deps);
}
