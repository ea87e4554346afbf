import { startSystem, type System } from '../lib/system.ts';

/** Time scales short enough that a 20 s outage is long: breakers, retries, timeouts, locks. */
export const ADAPTER_ENV = {
  BREAKER_RESET_MS: '1000', BREAKER_VOLUME: '5', RETRY_ATTEMPTS: '100', RETRY_BASE_MS: '100', RETRY_MAX_MS: '1000',
  PARTNER_TIMEOUT_MS: '1000', WORKER_LOCK_MS: '3000',
};
/**
 * BPJS decides a claim 200 ms after it is submitted (default 500); the hospital retries a
 * notification for about a minute (8 attempts from 500 ms, doubling, as BPJS's decisions; default 4).
 */
export const SIM_ENV = { SIM_BPJS_DECISION_DELAY_MS: '200', SIM_HOSPITAL_WEBHOOK_ATTEMPTS: '8' };
export const GATEWAY_ENV = { DEMO_MODE: 'false', RECONCILE_AFTER_MS: '3000', RECONCILE_EVERY_MS: '500', WORKER_LOCK_MS: '3000' };

/** The gateway, the six adapters and the simulator as processes, on a fresh schema and queue prefix. */
export function startChaosSystem(redisUrl?: string): Promise<System> {
  return startSystem({ ...(redisUrl ? { redisUrl } : {}), adapterEnv: ADAPTER_ENV, gatewayEnv: GATEWAY_ENV, simEnv: SIM_ENV });
}

/** Stops every process; keeps the ledger schema and the queues when asked, for a look at what went wrong. */
export async function stopChaosSystem(system: System, keep: boolean): Promise<void> {
  if (!keep) return system.stop();
  await Promise.all([system.gateway, system.sim, ...Object.values(system.adapters)].map((p) => p!.kill('SIGTERM')));
  await system.queues.redis.quit();
  await system.db.pool.end();
}
