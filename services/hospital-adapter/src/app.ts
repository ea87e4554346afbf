import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import { HospitalFhirClient } from './clients/fhir.ts';
import type { Config } from './config.ts';
import { notifyGuarantee } from './jobs/notify-guarantee.ts';
import { encounterNotificationRoutes } from './routes/encounter-notifications.ts';

export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({
    system: 'hospital',
    config,
    handlers: (client) => {
      const fhir = new HospitalFhirClient(client, { clientId: config.HOSPITAL_CLIENT_ID, clientSecret: config.HOSPITAL_CLIENT_SECRET });
      return { 'hospital.notify_guarantee': notifyGuarantee(fhir) };
    },
    routes: (app, _worker, ctx) => encounterNotificationRoutes(app, {
      ...ctx,
      secrets: config.HOSPITAL_WEBHOOK_SECRETS,
      replayWindowS: config.WEBHOOK_REPLAY_WINDOW_S,
      redisUrl: config.REDIS_URL,
      handOverMs: config.WEBHOOK_HANDOVER_MS,
    }),
  }, deps);
}
