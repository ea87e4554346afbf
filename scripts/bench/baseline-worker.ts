// The benchmark's bare baseline, worker side: a BullMQ worker (concurrency 32, as the adapters) that
// completes every job at once. Env: PORT (only to be told apart), REDIS_URL, QUEUE_PREFIX.
import { Redis } from 'ioredis';
import { bullmq } from './bare-deps.ts';

const connection = new Redis(process.env['REDIS_URL']!, { maxRetriesPerRequest: null });
const worker = new bullmq.Worker('baseline', async () => ({ done: true }), { connection, prefix: process.env['QUEUE_PREFIX']!, concurrency: 32 });
await worker.waitUntilReady();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void worker.close().then(() => connection.quit()).then(() => process.exit(0));
});
