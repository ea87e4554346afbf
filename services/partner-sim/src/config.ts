import { z } from 'zod';
import { commonEnv, parseConfig } from '@sutasoma/service-kit';

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

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
    SIM_TIMEOUT_HOLD_MS: int(1, 600_000, 30_000),
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
    },
  }));

export type SimConfig = z.infer<typeof SimEnv>;

/** Reads the environment once; throws one error naming every bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SimConfig {
  return parseConfig(SimEnv, env);
}
