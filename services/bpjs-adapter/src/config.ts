import { z } from 'zod';
import { WebhookSecrets, adapterEnv } from '@sutasoma/adapter-kit';
import { parseConfig } from '@sutasoma/service-kit';

export const ConfigSchema = z.object({
  ...adapterEnv({ port: 8083, partnerBaseUrl: 'http://127.0.0.1:9090/bpjs' }),
  BPJS_CONS_ID: z.string().min(1),
  BPJS_SECRET: z.string().min(1),
  /** Standard Webhooks signing secret(s) of BPJS's claim decisions, space-separated while rotating. */
  BPJS_WEBHOOK_SECRETS: WebhookSecrets,
  /** How long a webhook id is remembered to ignore its replays; default 7 days. */
  WEBHOOK_REPLAY_WINDOW_S: z.coerce.number().int().positive().default(7 * 24 * 3600),
  /** How long a submitted claim waits for its decision webhook; default 180 days. */
  CLAIM_DECISION_WINDOW_S: z.coerce.number().int().positive().default(180 * 24 * 3600),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => parseConfig(ConfigSchema, env);
