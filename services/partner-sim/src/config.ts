import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { commonEnv, parseConfig } from '@sutasoma/service-kit';

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** `whsec_` and base64 of "sim-bank-webhook-secret-32-bytes!!": a valid Standard Webhooks secret. */
export const DEFAULT_BANK_WEBHOOK_SECRET = `whsec_${Buffer.from('sim-bank-webhook-secret-32-bytes!!').toString('base64')}`;
/** `whsec_` and base64 of "sim-bpjs-webhook-secret-32-bytes!!": BPJS's claim-decision signing secret. */
export const DEFAULT_BPJS_WEBHOOK_SECRET = `whsec_${Buffer.from('sim-bpjs-webhook-secret-32-bytes!!').toString('base64')}`;
/** `whsec_` and base64 of "sim-hospital-webhook-secret-32-bytes": the hospital's demo signing secret. */
export const DEFAULT_HOSPITAL_WEBHOOK_SECRET = `whsec_${Buffer.from('sim-hospital-webhook-secret-32-bytes').toString('base64')}`;

/** A PEM given in one env line may carry its newlines as `\n`. */
const pem = z
  .string()
  .transform((v) => v.replace(/\\n/g, '\n').trim())
  .refine((v) => {
    try {
      return createPublicKey(v).asymmetricKeyType === 'rsa';
    } catch {
      return false;
    }
  }, 'must be an RSA public key in PEM');

const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64')
  .refine((v) => Buffer.from(v.slice('whsec_'.length), 'base64').length >= 24, 'must decode to at least 24 bytes');

/**
 * A simulator's credentials are the demo credentials the adapters use by default, so unlike the
 * real services these keys have defaults.
 */
const SimEnv = z
  .object({
    SIM_PORT: int(0, 65_535, 9090),
    SIM_HOST: z.string().min(1).default('127.0.0.1'),
    SIM_SEED: int(0, 2 ** 32 - 1, 1312),
    SIM_LATENCY_MS: int(0, 60_000, 0),
    SIM_SIMLUHTAN_API_KEY: z.string().min(1).default('sim-simluhtan-key'),
    SIM_EKARTUTANI_CLIENT_ID: z.string().min(1).default('sutasoma'),
    SIM_EKARTUTANI_CLIENT_SECRET: z.string().min(1).default('sim-ekartutani-secret'),
    SIM_BPJS_CONS_ID: z.string().min(1).default('sutasoma'),
    SIM_BPJS_SECRET: z.string().min(1).default('sim-bpjs-secret'),
    SIM_BPJS_TIMESTAMP_TOLERANCE_S: int(1, 86_400, 300),
    SIM_BPJS_DECISION_DELAY_MS: int(0, 86_400_000, 500),
    SIM_BPJS_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8083/webhooks/bpjs/claims'),
    SIM_BPJS_WEBHOOK_SECRET: webhookSecret.default(DEFAULT_BPJS_WEBHOOK_SECRET),
    SIM_BPJS_WEBHOOK_ATTEMPTS: int(1, 20, 8),
    SIM_BPJS_WEBHOOK_BACKOFF_MS: int(1, 600_000, 500),
    SIM_BPJS_WEBHOOK_TIMEOUT_MS: int(1, 600_000, 5000),
    SIM_TIMEOUT_HOLD_MS: int(1, 600_000, 30_000),
    SIM_BANK_CLIENT_ID: z.string().min(1).default('sutasoma'),
    SIM_BANK_CLIENT_PUBLIC_KEY: pem.optional(),
    SIM_BANK_CLIENT_SECRET: z.string().min(1).default('sim-bank-secret'),
    SIM_BANK_PARTNER_SERVICE_ID: z.string().regex(/^\d{1,8}$/, 'must be 1 to 8 digits').default('88899'),
    SIM_BANK_TIMESTAMP_TOLERANCE_S: int(1, 86_400, 300),
    SIM_BANK_TOKEN_TTL_S: int(1, 86_400, 900),
    SIM_BANK_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8085/webhooks/bank/payments'),
    SIM_BANK_WEBHOOK_SECRET: webhookSecret.default(DEFAULT_BANK_WEBHOOK_SECRET),
    SIM_BANK_WEBHOOK_ATTEMPTS: int(1, 20, 4),
    SIM_BANK_WEBHOOK_BACKOFF_MS: int(1, 600_000, 500),
    SIM_BANK_WEBHOOK_TIMEOUT_MS: int(1, 600_000, 5000),
    SIM_PLKK_API_KEY: z.string().min(1).default('sim-plkk-key'),
    SIM_HOSPITAL_CLIENT_ID: z.string().min(1).default('sutasoma'),
    SIM_HOSPITAL_CLIENT_SECRET: z.string().min(1).default('sim-hospital-secret'),
    SIM_HOSPITAL_TOKEN_TTL_S: int(1, 86_400, 3600),
    SIM_HOSPITAL_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8086/webhooks/hospital/fhir'),
    SIM_HOSPITAL_WEBHOOK_SECRET: webhookSecret.default(DEFAULT_HOSPITAL_WEBHOOK_SECRET),
    SIM_HOSPITAL_WEBHOOK_ATTEMPTS: int(1, 20, 4),
    SIM_HOSPITAL_WEBHOOK_BACKOFF_MS: int(1, 600_000, 500),
    SIM_HOSPITAL_WEBHOOK_TIMEOUT_MS: int(1, 600_000, 5000),
    SIM_HOSPITAL_DISCHARGE_AFTER_MS: int(0, 86_400_000, 1500),
    LOG_LEVEL: commonEnv.LOG_LEVEL,
  })
  .transform((env) => ({
    port: env.SIM_PORT,
    host: env.SIM_HOST,
    seed: env.SIM_SEED,
    /** Added to every partner call. */
    latencyMs: env.SIM_LATENCY_MS,
    /** How long a `timeout` fault holds a request before dropping the connection. */
    timeoutHoldMs: env.SIM_TIMEOUT_HOLD_MS,
    logLevel: env.LOG_LEVEL,
    simluhtan: { apiKey: env.SIM_SIMLUHTAN_API_KEY },
    ekartutani: { clientId: env.SIM_EKARTUTANI_CLIENT_ID, clientSecret: env.SIM_EKARTUTANI_CLIENT_SECRET },
    bpjs: {
      consId: env.SIM_BPJS_CONS_ID,
      secret: env.SIM_BPJS_SECRET,
      timestampToleranceS: env.SIM_BPJS_TIMESTAMP_TOLERANCE_S,
      /** How long after a claim (and after a documents request) BPJS decides. */
      decisionDelayMs: env.SIM_BPJS_DECISION_DELAY_MS,
      /** Where the claim decisions go, signed like the bank's notifications. */
      webhook: {
        url: env.SIM_BPJS_WEBHOOK_URL,
        secret: env.SIM_BPJS_WEBHOOK_SECRET,
        attempts: env.SIM_BPJS_WEBHOOK_ATTEMPTS,
        backoffMs: env.SIM_BPJS_WEBHOOK_BACKOFF_MS,
        timeoutMs: env.SIM_BPJS_WEBHOOK_TIMEOUT_MS,
      },
    },
    bank: {
      clientId: env.SIM_BANK_CLIENT_ID,
      /** null: the simulator makes a demo key pair at start and shows its private key on /_sim. */
      clientPublicKeyPem: env.SIM_BANK_CLIENT_PUBLIC_KEY ?? null,
      clientSecret: env.SIM_BANK_CLIENT_SECRET,
      /** Digits only; on the wire it is left-padded with spaces to 8 characters. */
      partnerServiceId: env.SIM_BANK_PARTNER_SERVICE_ID,
      timestampToleranceS: env.SIM_BANK_TIMESTAMP_TOLERANCE_S,
      tokenTtlS: env.SIM_BANK_TOKEN_TTL_S,
      webhook: {
        url: env.SIM_BANK_WEBHOOK_URL,
        secret: env.SIM_BANK_WEBHOOK_SECRET,
        /** Attempts per delivery, the first included. */
        attempts: env.SIM_BANK_WEBHOOK_ATTEMPTS,
        /** Wait before the first retry; doubled for each further one. */
        backoffMs: env.SIM_BANK_WEBHOOK_BACKOFF_MS,
        timeoutMs: env.SIM_BANK_WEBHOOK_TIMEOUT_MS,
      },
    },
    plkk: { apiKey: env.SIM_PLKK_API_KEY },
    hospital: {
      clientId: env.SIM_HOSPITAL_CLIENT_ID,
      clientSecret: env.SIM_HOSPITAL_CLIENT_SECRET,
      tokenTtlS: env.SIM_HOSPITAL_TOKEN_TTL_S,
      /** A scenario's discharge follows its admission this much later, unless the scenario says otherwise. */
      dischargeAfterMs: env.SIM_HOSPITAL_DISCHARGE_AFTER_MS,
      webhook: {
        url: env.SIM_HOSPITAL_WEBHOOK_URL,
        secret: env.SIM_HOSPITAL_WEBHOOK_SECRET,
        attempts: env.SIM_HOSPITAL_WEBHOOK_ATTEMPTS,
        backoffMs: env.SIM_HOSPITAL_WEBHOOK_BACKOFF_MS,
        timeoutMs: env.SIM_HOSPITAL_WEBHOOK_TIMEOUT_MS,
      },
    },
  }));

export type SimConfig = z.infer<typeof SimEnv>;

/** Reads the environment once; throws one error naming every bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SimConfig {
  return parseConfig(SimEnv, env);
}
