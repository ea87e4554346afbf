import { z } from 'zod';
import { WebhookSecrets, adapterEnv } from '@sutasoma/adapter-kit';
import { parseConfig } from '@sutasoma/service-kit';

export const ConfigSchema = z.object({
  ...adapterEnv({ port: 8085, partnerBaseUrl: 'http://127.0.0.1:9090/bank' }),
  /** SNAP BI client id (X-CLIENT-KEY, X-PARTNER-ID). */
  BANK_CLIENT_ID: z.string().min(1),
  /** SNAP BI client secret: the HMAC-SHA512 key of every transaction signature. */
  BANK_CLIENT_SECRET: z.string().min(1),
  /** PEM private key whose signature of `clientId|timestamp` obtains the access token. */
  BANK_PRIVATE_KEY: z.string().includes('PRIVATE KEY'),
  /** Standard Webhooks signing secret(s) of the bank's notifications, space-separated while rotating. */
  BANK_WEBHOOK_SECRETS: WebhookSecrets,
  BANK_PARTNER_SERVICE_ID: z.string().regex(/^[ \d]{8}$/).default('   88899'),
  BANK_CHANNEL_ID: z.string().regex(/^\d{5}$/).default('95221'),
  /**
   * The programme's account claim payouts are paid from. No default: a bank adapter must not pay
   * from an account nobody chose (`npm start` and the tests give the simulator's demo account).
   */
  BANK_PAYOUT_ACCOUNT: z.string().regex(/^\d{6,20}$/),
  /** How long a webhook id is remembered to ignore its replays; default 7 days. */
  WEBHOOK_REPLAY_WINDOW_S: z.coerce.number().int().positive().default(7 * 24 * 3600),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => parseConfig(ConfigSchema, env);
