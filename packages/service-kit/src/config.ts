import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once; throws one error naming every missing or bad key. */
export function parseConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** Common env keys every service reads. */
export const commonEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().regex(/^[a-z0-9_-]+$/i).default('sutasoma'),
};

/**
 * The internal port: metrics, detailed readiness, API docs and breakers, for operators and scrapers on
 * a private network, never the public port. Default: the public port + 1000 (0 with a public port 0).
 */
export const internalEnv = {
  INTERNAL_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  INTERNAL_HOST: z.string().default('127.0.0.1'),
};

/** "true"/"1"/"yes" as a boolean env value. */
export const envFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
