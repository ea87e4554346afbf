import { generateKeyPairSync } from 'node:crypto';
import { startServiceProcess, type ServiceProcess } from './process.ts';
import { testRedisUrl } from './env.ts';
import { PII_TEST_ENV } from './pii.ts';

/** The simulator's demo credentials; they are the simulator's own defaults, never real ones. */
export const SIM_CREDENTIALS = {
  SIMLUHTAN_API_KEY: 'sim-simluhtan-key',
  EKARTUTANI_CLIENT_ID: 'sutasoma',
  EKARTUTANI_CLIENT_SECRET: 'sim-ekartutani-secret',
  BPJS_CONS_ID: 'sutasoma',
  BPJS_SECRET: 'sim-bpjs-secret',
  BANK_CLIENT_ID: 'sutasoma',
  BANK_CLIENT_SECRET: 'sim-bank-secret',
  BANK_WEBHOOK_SECRETS: `whsec_${Buffer.from('sim-bank-webhook-secret-32-bytes!!').toString('base64')}`,
  // The simulator's demo disbursement account, which claim payouts are paid from.
  BANK_PAYOUT_ACCOUNT: '9100000001',
  BPJS_WEBHOOK_SECRETS: `whsec_${Buffer.from('sim-bpjs-webhook-secret-32-bytes!!').toString('base64')}`,
  PLKK_API_KEY: 'sim-plkk-key',
  HOSPITAL_CLIENT_ID: 'sutasoma',
  HOSPITAL_CLIENT_SECRET: 'sim-hospital-secret',
  HOSPITAL_WEBHOOK_SECRETS: `whsec_${Buffer.from('sim-hospital-webhook-secret-32-bytes').toString('base64')}`,
  // The gateway signs every step job with it, the adapters run none without it (tests' own value).
  JOB_SIGNING_SECRETS: 'test-job-signing-secret-0123456789abcdef',
};

/** A fresh SNAP client key pair: the adapter signs with the private key, the simulated bank verifies. */
export function bankKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export type AdapterName = 'simluhtan' | 'ekartutani' | 'bpjs' | 'bank' | 'plkk' | 'hospital';

export interface Partners {
  sim: ServiceProcess;
  adapters: Partial<Record<AdapterName, ServiceProcess>> & Record<'simluhtan' | 'ekartutani' | 'bpjs' | 'bank', ServiceProcess>;
  stop: () => Promise<void>;
}

/**
 * The partner simulator and the adapters the registration and contribution flows use, each its
 * own process, on the test's queue prefix; with `claims`, the plkk and hospital adapters too, and
 * the hospital's and BPJS's webhooks pointed at their adapters. `adapterEnv` tunes breakers,
 * retries and locks for a test's time scale.
 */
export async function startPartners(prefix: string, adapterEnv: Record<string, string> = {}, opts: { claims?: boolean; simEnv?: Record<string, string> } = {}): Promise<Partners> {
  const keys = bankKeyPair();
  const sim = await startServiceProcess({ service: 'partner-sim', env: { SIM_BANK_CLIENT_PUBLIC_KEY: keys.publicKey, ...opts.simEnv } });
  const env = { ...SIM_CREDENTIALS, ...PII_TEST_ENV, BANK_PRIVATE_KEY: keys.privateKey, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, ...adapterEnv };
  const names: AdapterName[] = ['simluhtan', 'ekartutani', 'bpjs', 'bank', ...(opts.claims ? ['plkk', 'hospital'] as const : [])];
  const started = await Promise.all(names.map((s) =>
    startServiceProcess({ service: `${s}-adapter`, env: { ...env, PARTNER_BASE_URL: `${sim.url}/${s}` } })));
  const adapters = Object.fromEntries(names.map((n, i) => [n, started[i]!])) as Record<AdapterName, ServiceProcess>;
  const hooks: [string, string][] = [['/_sim/bank/webhook', `${adapters.bank.url}/webhooks/bank/payments`]];
  if (opts.claims) {
    hooks.push(['/_sim/bpjs/claims/webhook', `${adapters.bpjs.url}/webhooks/bpjs/claims`], ['/_sim/hospital/webhook', `${adapters.hospital!.url}/webhooks/hospital/fhir`]);
  }
  for (const [path, url] of hooks) {
    const hook = await fetch(`${sim.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url }) });
    if (!hook.ok) throw new Error(`the simulator refused the webhook URL at ${path}: ${hook.status}`);
  }
  return {
    sim,
    adapters,
    stop: async () => {
      await Promise.all([...Object.values(adapters), sim].map((p) => p!.kill('SIGTERM')));
    },
  };
}
