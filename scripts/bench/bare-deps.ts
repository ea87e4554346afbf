// Fastify and BullMQ for the bare baseline, as the gateway resolves them (the same versions; the
// repository root does not depend on them itself). Typed with just what the baseline uses.
import { createRequire } from 'node:module';

// From the working directory (the repository's root, where the benchmark runs it): this file also runs compiled, from dist/.
const fromGateway = createRequire(`${process.cwd()}/services/gateway/package.json`);

export interface BareJob { id?: string; timestamp: number; finishedOn?: number }
export interface BareQueue {
  add: (name: string, data: unknown, opts?: { removeOnComplete?: boolean }) => Promise<BareJob>;
  getJobCounts: (...states: string[]) => Promise<Record<string, number>>;
  getJobs: (states: string[], start: number, end: number) => Promise<BareJob[]>;
  close: () => Promise<void>;
}
export interface BareWorker { waitUntilReady: () => Promise<unknown>; close: () => Promise<void> }
interface BullMq {
  Queue: new (name: string, opts: { connection: unknown; prefix: string }) => BareQueue;
  Worker: new (name: string, processor: () => Promise<unknown>, opts: { connection: unknown; prefix: string; concurrency: number }) => BareWorker;
}
interface Reply { code: (n: number) => Reply; send: (body: unknown) => void }
export interface BareApp {
  get: (path: string, handler: (req: unknown) => Promise<unknown>) => void;
  post: (path: string, handler: (req: { body: unknown }, reply: Reply) => Promise<unknown>) => void;
  listen: (opts: { port: number; host: string }) => Promise<string>;
  close: () => Promise<void>;
}

export const bullmq = fromGateway('bullmq') as BullMq;
export const fastify = fromGateway('fastify') as (opts: { logger: boolean }) => BareApp;
