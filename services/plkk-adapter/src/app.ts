import { buildAdapterApp, type AdapterDeps } from '@sutasoma/adapter-kit';
import type { Config } from './config.ts';

/** Runs with health, metrics and its breaker; its steps arrive with the contributions and claims flows. */
export function buildApp(config: Config, deps: AdapterDeps = {}) {
  return buildAdapterApp({ system: 'plkk', config, handlers: () => ({}) }, deps);
}
