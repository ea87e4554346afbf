import { z } from 'zod';
import { CliError } from './errors.ts';

// An empty variable (`OPS_TOKEN= npm run ops …`) means unset.
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);

const Env = z.object({
  GATEWAY_URL: z.preprocess(unsetIfEmpty, z.url().default('http://127.0.0.1:8080')),
  OPS_TOKEN: z.preprocess(unsetIfEmpty, z.string().optional()),
  OPS_USERNAME: z.preprocess(unsetIfEmpty, z.string().default('demo-ops')),
  DEMO_PASSWORD: z.preprocess(unsetIfEmpty, z.string().default('sutasoma-demo')),
});

export interface CliConfig {
  gatewayUrl: string;
  token: string | undefined;
  /** The demo account signed in as when there is no token. */
  demo: { username: string; password: string };
}

/** Reads the environment once; names every bad key. */
export function loadConfig(env: Record<string, string | undefined>): CliConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new CliError('bad environment', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return {
    gatewayUrl: e.GATEWAY_URL.replace(/\/+$/, ''),
    token: e.OPS_TOKEN,
    demo: { username: e.OPS_USERNAME, password: e.DEMO_PASSWORD },
  };
}
