import { z } from 'zod';
import { adapterEnv } from '@sutasoma/adapter-kit';
import { parseConfig } from '@sutasoma/service-kit';

export const ConfigSchema = z.object({
  ...adapterEnv({ port: 8084, partnerBaseUrl: 'http://127.0.0.1:9090/plkk' }),
  /** The PLKK's API key (`X-Api-Key`). */
  PLKK_API_KEY: z.string().min(1),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => parseConfig(ConfigSchema, env);
