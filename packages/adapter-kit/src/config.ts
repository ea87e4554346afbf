import { z } from 'zod';
import { PiiKeys } from '@sutasoma/pii';
import { JobSigningSecrets, commonEnv, internalEnv } from '@sutasoma/service-kit';

/** The env keys every adapter reads, with the port and partner URL it uses by default. */
export function adapterEnv(defaults: { port: number; partnerBaseUrl: string }) {
  return {
    ...commonEnv,
    ...internalEnv,
    PORT: z.coerce.number().int().min(0).max(65535).default(defaults.port),
    HOST: z.string().default('127.0.0.1'),
    PARTNER_BASE_URL: z.string().url().default(defaults.partnerBaseUrl),
    PARTNER_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    BREAKER_ERROR_PERCENT: z.coerce.number().min(1).max(100).default(50),
    BREAKER_VOLUME: z.coerce.number().int().min(1).default(10),
    BREAKER_RESET_MS: z.coerce.number().int().positive().default(10_000),
    BREAKER_WINDOW_MS: z.coerce.number().int().positive().default(10_000),
    RETRY_ATTEMPTS: z.coerce.number().int().min(1).default(8),
    RETRY_BASE_MS: z.coerce.number().int().positive().default(500),
    RETRY_MAX_MS: z.coerce.number().int().positive().default(60_000),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).default(32),
    WORKER_LOCK_MS: z.coerce.number().int().min(1_000).default(30_000),
    /** A partner's notification is acknowledged once the gateway applied it, waiting at most this long (else 503, the partner retries); 0 does not wait. */
    /** The gateway's job-signing secrets (comma-separated): a step job without their HMAC is not run. */
    JOB_SIGNING_SECRETS: JobSigningSecrets,
    WEBHOOK_HANDOVER_MS: z.coerce.number().int().min(0).default(5_000),
    /** The gateway's personal-data keys (`kid:base64key,…`): step jobs carry the farmer's data sealed under them. */
    PII_KEYS: PiiKeys,
  };
}

export type AdapterEnv = z.infer<z.ZodObject<ReturnType<typeof adapterEnv>>>;

/**
 * Standard Webhooks signing secrets, space-separated while one is being rotated: each `whsec_` and
 * the base64 of 24 to 64 random bytes (the specification's range). A short or malformed secret is
 * refused at start, without repeating it in the message.
 */
export const WebhookSecrets = z.string().transform((value, ctx) => {
  const secrets = value.split(/\s+/).filter(Boolean);
  if (secrets.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one signing secret is required' });
  secrets.forEach((secret, i) => {
    const b64 = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret)?.[1];
    const bytes = b64 ? Buffer.from(b64, 'base64').length : 0;
    if (bytes < 24 || bytes > 64) {
      ctx.addIssue({ code: 'custom', message: `secret ${i + 1} must be whsec_ followed by the base64 of 24 to 64 random bytes (${b64 ? `it holds ${bytes}` : 'it is not in that form'})` });
    }
  });
  return secrets;
});

