import { startServiceProcess, type ServiceProcess } from './process.ts';
import { testRedisUrl } from './env.ts';

/** The simulator's demo credentials; they are the simulator's own defaults, never real ones. */
export const SIM_CREDENTIALS = {
  SIMLUHTAN_API_KEY: 'sim-simluhtan-key',
  EKARTUTANI_CLIENT_ID: 'sutasoma',
  EKARTUTANI_CLIENT_SECRET: 'sim-ekartutani-secret',
  BPJS_CONS_ID: 'sutasoma',
  BPJS_SECRET: 'sim-bpjs-secret',
};

export interface Partners {
  sim: ServiceProcess;
  adapters: Record<'simluhtan' | 'ekartutani' | 'bpjs', ServiceProcess>;
  stop: () => Promise<void>;
}

/**
 * The partner simulator and the registration flow's three adapters, each its own process, on the
 * test's queue prefix. `adapterEnv` tunes breakers, retries and locks for a test's time scale.
 */
export async function startPartners(prefix: string, adapterEnv: Record<string, string> = {}): Promise<Partners> {
  const sim = await startServiceProcess({ service: 'partner-sim', env: {} });
  const env = { ...SIM_CREDENTIALS, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, ...adapterEnv };
  const [simluhtan, ekartutani, bpjs] = await Promise.all((['simluhtan', 'ekartutani', 'bpjs'] as const).map((s) =>
    startServiceProcess({ service: `${s}-adapter`, env: { ...env, PARTNER_BASE_URL: `${sim.url}/${s}` } })));
  const adapters = { simluhtan: simluhtan!, ekartutani: ekartutani!, bpjs: bpjs! };
  return {
    sim,
    adapters,
    stop: async () => {
      await Promise.all([...Object.values(adapters), sim].map((p) => p.kill('SIGTERM')));
    },
  };
}
