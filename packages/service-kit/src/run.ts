import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';

export interface RunOptions {
  app: FastifyInstance;
  port: number;
  host: string;
  /** Grace period before a forced exit; default 10 s. */
  delayMs?: number;
}

/** Listens, then closes the app on SIGINT/SIGTERM or a fatal error, within a grace period. */
export async function runService(opts: RunOptions): Promise<string> {
  closeWithGrace({ delay: opts.delayMs ?? 10_000 }, async ({ signal, err }) => {
    if (err) opts.app.log.error({ err }, 'closing after a fatal error');
    else opts.app.log.info({ signal }, 'closing');
    await opts.app.close();
  });
  return opts.app.listen({ port: opts.port, host: opts.host });
}

/** Runs a service's start-up; a bad configuration or failed start prints one clear message and exits 1. */
export function startMain(start: () => Promise<unknown>): void {
  start().catch((err: Error) => {
    console.error(err.name === 'ConfigError' ? err.message : err);
    process.exit(1);
  });
}
