import { Queue } from 'bullmq';
import { GATEWAY_EVENTS_QUEUE, PartnerSystem } from '@sutasoma/contracts';
import { Gauge, type Redis, type Registry } from '@sutasoma/service-kit';

export const ALL_QUEUES = [...PartnerSystem.options, GATEWAY_EVENTS_QUEUE];

/**
 * Depth by state and the age of the oldest waiting job of every queue, read from Redis when
 * Prometheus scrapes: a queue that grows or a job that waits too long is what an operator watches.
 */
export function registerQueueMetrics(registry: Registry, connection: Redis, prefix: string): () => Promise<void> {
  const queues = ALL_QUEUES.map((name) => new Queue(name, { connection, prefix }));
  for (const q of queues) q.on('error', () => {});
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      await Promise.all(queues.map(async (q) => {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized').catch(() => null);
        if (counts) for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
      }));
    },
  });
  new Gauge({
    name: 'queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting in each queue (0 when none waits)',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      await Promise.all(queues.map(async (q) => {
        const [oldest] = await q.getWaiting(-1, -1).catch(() => []);
        this.set({ queue: q.name }, oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0);
      }));
    },
  });
  return async () => { await Promise.all(queues.map((q) => q.close())); };
}
