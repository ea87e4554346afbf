import { z } from 'zod';
import { WebhookSecrets, adapterEnv } from '@sutasoma/adapter-kit';
import { parseConfig } from '@sutasoma/service-kit';

export const ConfigSchema = z.object({
  ...adapterEnv({ port: 8086, partnerBaseUrl: 'http://127.0.0.1:9090/hospital' }),
  /** OAuth2 client-credentials id at the hospital's token endpoint. */
  HOSPITAL_CLIENT_ID: z.string().min(1),
  HOSPITAL_CLIENT_SECRET: z.string().min(1),
  /** Standard Webhooks signing secret(s) of the hospital's notifications, space-separated while rotating. */
  HOSPITAL_WEBHOOK_SECRETS: WebhookSecrets,
  /** How long a webhook id is remembered to ignore its replays; default 7 days. */
  WEBHOOK_REPLAY_WINDOW_S: z.coerce.number().int().positive().default(7 * 24 * 3600),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => parseConfig(ConfigSchema, env);
