import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';

export interface RunOptions {
  app: FastifyInstance;
  port: number;
  host: string;
  /** The internal surfaces' port (`app.internal`); unset: not served. 0 with a public port 0 picks a free one. */
  internalPort?: number | undefined;
  internalHost?: string;
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
  // The internal port first: once the public one answers /health, both do.
  await opts.app.ready();
  const internalUrl = opts.internalPort === undefined ? undefined
    : await opts.app.internal.listen({ port: opts.internalPort, host: opts.internalHost ?? '127.0.0.1' });
  const url = await opts.app.listen({ port: opts.port, host: opts.host });
  if (internalUrl) opts.app.log.info({ url, internalUrl }, `listening on ${url}; metrics, readiness and docs on ${internalUrl}`);
  return url;
}

/** The internal port a service's configuration asks for: INTERNAL_PORT, else the public port + 1000. */
export const internalPortOf = (c: { PORT: number; INTERNAL_PORT?: number | undefined }): number =>
  c.INTERNAL_PORT ?? (c.PORT === 0 ? 0 : c.PORT + 1000);

/** Runs a service's start-up; a bad configuration or failed start prints one clear message and exits 1. */
export function startMain(start: () => Promise<unknown>): void {
  start().catch((err: Error) => {
    console.error(err.name === 'ConfigError' ? err.message : err);
    process.exit(1);
  });
}
