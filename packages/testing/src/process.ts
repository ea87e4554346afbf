import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  name: string;
  url: string;
  port: number;
  /** The internal port's address: metrics, readiness, breaker, docs. */
  internalUrl: string;
  /** Output so far, for a failing test's diagnostics. */
  output: () => string;
  /** Sends a signal (SIGKILL for a crash) and waits for the process to exit. */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
  /** Starts the same service again on the same port, waiting until it is ready. */
  restart: () => Promise<void>;
}

export interface StartOptions {
  /** Folder under services/. */
  service: string;
  env: Record<string, string>;
  /** Extra flags for node itself, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Milliseconds to wait for /health; default 90 s (six services starting at once through tsx on a busy two-core machine). */
  timeoutMs?: number;
  /**
   * Runs the compiled service (`dist/server.js` under the `production` export condition, as
   * `npm start` and the images do; `npm run build` first) instead of its TypeScript through tsx.
   */
  compiled?: boolean;
}

/** Node's arguments that run a service: compiled JavaScript, or its TypeScript through tsx (tests). */
export function serviceArgs(service: string, compiled: boolean): string[] {
  return compiled
    ? ['--conditions=production', `services/${service}/dist/server.js`]
    : ['--import', 'tsx', `services/${service}/src/server.ts`];
}

/** Runs a service as its own process, as `npm start` does, and waits until it answers /health. */
export async function startServiceProcess(opts: StartOptions): Promise<ServiceProcess> {
  // freePort closes the port it found: until the service binds it, anything else on the machine (a
  // test file running beside this one, an outgoing connection) may take it. The first start then
  // tries another port; a restart keeps its port, which others already know.
  let port = await freePort();
  let url = `http://127.0.0.1:${port}`;
  let internalPort = await freePort();
  let child: ChildProcess;
  let log = '';

  const launch = async () => {
    // One process, no wrapper: a SIGKILL must kill the service itself, as a crash would.
    child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...serviceArgs(opts.service, opts.compiled ?? false)], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...opts.env, PORT: String(port), HOST: '127.0.0.1', SIM_PORT: String(port), INTERNAL_PORT: String(internalPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => { log = (log + chunk.toString()).slice(-20_000); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${opts.service} exited with ${child.exitCode}:\n${log}`);
      try {
        const res = await fetch(`${url}/health`);
        // The service's own name: not another service that took the port before this one could.
        if (res.ok && ((await res.json()) as { service?: string }).service === opts.service && child.exitCode === null) return;
      } catch { /* not listening yet */ }
      await sleep(100);
    }
    child.kill('SIGKILL');
    throw new Error(`${opts.service} did not become healthy in time:\n${log}`);
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    // A graceful stop gets 10 s, as in production; past that the test must not hang on it.
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
  };

  for (let tries = 1; ; tries++) {
    try {
      await launch();
      break;
    } catch (err) {
      if (tries >= 5 || !/EADDRINUSE/.test(log)) throw err;
      port = await freePort();
      url = `http://127.0.0.1:${port}`;
      internalPort = await freePort();
      log = '';
    }
  }
  return { name: opts.service, url, port, internalUrl: `http://127.0.0.1:${internalPort}`, output: () => log, kill, restart: launch };
}
