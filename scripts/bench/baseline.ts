// Starts the bare baseline (scripts/bench/baseline-server.ts and baseline-worker.ts) as two processes
// on a queue prefix of its own, as the system's services run: compiled JavaScript, one process each.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestPrefix, freePort, testRedisUrl, waitFor } from '@sutasoma/testing';
import { transpile } from '../build.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Baseline {
  url: string;
  pids: { 'baseline-server': number; 'baseline-worker': number };
  counts: () => Promise<Record<string, number>>;
  /** Milliseconds from each job's add to its completion, as BullMQ recorded them, for jobs added since `since` (epoch ms). */
  latencies: (since?: number) => Promise<number[]>;
  stop: () => Promise<void>;
}

/** Runs one of the baseline's scripts compiled (to scripts/bench/dist/), as the services run. */
function run(name: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  for (const f of [name, 'bare-deps']) transpile(`${ROOT}scripts/bench/${f}.ts`, `${ROOT}scripts/bench/dist/${f}.js`);
  const child = spawn(process.execPath, [`scripts/bench/dist/${name}.js`], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => { log = (log + chunk.toString()).slice(-10_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => log };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
}

export async function startBaseline(): Promise<Baseline> {
  const queues = createTestPrefix();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix };
  const server = run('baseline-server', { ...env, PORT: String(port) });
  const worker = run('baseline-worker', { ...env, PORT: String(await freePort()) });
  const alive = (p: { child: ChildProcess; output: () => string }, name: string) => {
    if (p.child.exitCode !== null) throw new Error(`${name} exited with ${p.child.exitCode}:\n${p.output()}`);
  };
  await waitFor(async () => {
    alive(server, 'baseline-server');
    alive(worker, 'baseline-worker');
    const up = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    return up && worker.output().includes('ready');
  }, (ok) => ok, { timeoutMs: 30_000, everyMs: 100, what: 'the baseline server and worker' });
  const get = async <T>(path: string) => (await (await fetch(`${url}${path}`)).json()) as T;
  return {
    url,
    pids: { 'baseline-server': server.child.pid!, 'baseline-worker': worker.child.pid! },
    counts: () => get('/_baseline/counts'),
    latencies: (since = 0) => get(`/_baseline/latencies?since=${since}`),
    stop: async () => {
      await Promise.all([stopChild(server.child), stopChild(worker.child)]);
      await queues.cleanup();
    },
  };
}
