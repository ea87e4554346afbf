import { z } from 'zod';
import { adapterEnv } from '@sutasoma/adapter-kit';
import { parseConfig } from '@sutasoma/service-kit';

export const ConfigSchema = z.object({
  ...adapterEnv({ port: 8082, partnerBaseUrl: 'http://127.0.0.1:9090/ekartutani' }),
  EKARTUTANI_CLIENT_ID: z.string().min(1),
  EKARTUTANI_CLIENT_SECRET: z.string().min(1),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => parseConfig(ConfigSchema, env);
