import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, waitFor } from '@sutasoma/testing';

export interface RedisServer {
  url: string;
  port: number;
  /** SIGKILL, as a crash: without persistence every key is gone. */
  kill: () => Promise<void>;
  /** Starts it again, empty, on the same port; resolves when it answers PING. */
  start: () => Promise<void>;
}

async function answersPing(port: number): Promise<boolean> {
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A redis-server of the harness's own (redis-server on PATH, nothing saved), so a scenario may crash it. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child = proc;
    let spawnError: Error | undefined;
    proc.once('error', (err) => { spawnError = err; });
    await waitFor(async () => {
      if (spawnError) throw new Error(`redis-server could not be started: ${spawnError.message}`);
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode} (port ${port} taken?)`);
      return answersPing(port);
    }, (ok) => ok, { timeoutMs: 10_000, what: `redis-server on port ${port}` });
  };

  const kill = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  };

  await start();
  return { url: `redis://127.0.0.1:${port}`, port, kill, start };
}
