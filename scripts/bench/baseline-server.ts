// The benchmark's bare baseline, HTTP side: a Fastify route that only adds a BullMQ job and answers
// 202, on the same paths the load generator posts to. No auth, validation, ledger or logging: what
// any Fastify + BullMQ service costs on this machine. Env: PORT, REDIS_URL, QUEUE_PREFIX.
import { Redis } from 'ioredis';
import { bullmq, fastify } from './bare-deps.ts';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const connection = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null });
const queue = new bullmq.Queue('baseline', { connection, prefix: env('QUEUE_PREFIX') });
const app = fastify({ logger: false });

for (const path of ['/v1/registrations', '/v1/contributions']) {
  app.post(path, async (req, reply) => {
    const job = await queue.add('command', req.body, { removeOnComplete: false });
    reply.code(202).send({ id: job.id, status: 'accepted' });
  });
}
app.get('/health', async () => ({ status: 'ok' }));
// What the benchmark reads once the load is answered: how many jobs completed, then their latencies.
app.get('/_baseline/counts', async () => queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed'));
// ?since=<epoch ms>: only jobs added since then (the measured load, not the warm-up).
app.get('/_baseline/latencies', async (req) => {
  const since = Number((req as { query?: Record<string, string> }).query?.['since'] ?? 0);
  const ms: number[] = [];
  for (let start = 0; ; start += 1000) {
    const jobs = await queue.getJobs(['completed'], start, start + 999);
    for (const j of jobs) if (j.finishedOn && j.timestamp >= since) ms.push(j.finishedOn - j.timestamp);
    if (jobs.length < 1000) return ms;
  }
});

await app.listen({ port: Number(env('PORT')), host: '127.0.0.1' });
process.once('SIGTERM', () => {
  void app.close().then(() => queue.close()).then(() => connection.quit()).then(() => process.exit(0));
});
