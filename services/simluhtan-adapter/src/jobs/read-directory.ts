import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { DirectoryPage, DirectoryRefreshJob, GATEWAY_REPORTS_QUEUE, SIMLUHTAN_DIRECTORY_QUEUE } from '@sutasoma/contracts';
import { PartnerError } from '@sutasoma/partner-client';
import { createRedis, type Logger, type Redis } from '@sutasoma/service-kit';
import type { SimluhtanClient } from '../clients/simluhtan.ts';

export interface DirectoryReaderOptions {
  simluhtan: SimluhtanClient;
  redisUrl: string;
  /** The adapter's producer connection, for the gateway's queue. */
  producer: Redis;
  prefix: string;
  logger: Logger;
  pageSize?: number;
}

/**
 * Reads Simluhtan's whole farmer-group directory when the gateway asks (its `simluhtan-directory`
 * queue) and hands each page, counts only, to the gateway's `gateway-reports` queue: the farmers
 * Simluhtan lists are the denominator of the monthly review's coverage rate. Not a step of any
 * operation; a failed read is retried by BullMQ (job attempts and backoff set by the gateway).
 */
export function createDirectoryReader(opts: DirectoryReaderOptions) {
  const size = opts.pageSize ?? 100;
  const out = new Queue(GATEWAY_REPORTS_QUEUE, { connection: opts.producer, prefix: opts.prefix });
  const connection = createRedis(opts.redisUrl, 'worker');
  const onError = (err: Error) => opts.logger.warn({ err: err.message }, 'directory queue connection error');
  out.on('error', onError);

  const worker = new Worker(SIMLUHTAN_DIRECTORY_QUEUE, async (job: Job) => {
    const parsed = DirectoryRefreshJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('BAD_DIRECTORY_JOB');
    const refreshId = job.id ?? parsed.data.refreshId;
    const readAt = new Date().toISOString();
    let page = 1;
    let pages = 1;
    let groups = 0;
    do {
      let res;
      try {
        res = await opts.simluhtan.farmerGroups(page, size);
      } catch (err) {
        if (err instanceof PartnerError && !err.retryable) throw new UnrecoverableError(err.code);
        throw err;
      }
      pages = Math.max(1, Math.ceil(res.total / size));
      const body = DirectoryPage.parse({ refreshId, page, pages, total: res.total, readAt, groups: res.groups });
      await out.add('directory-page', body, { jobId: `directory.${refreshId}.${page}`, attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: 100, removeOnFail: 100 });
      groups += res.groups.length;
      page += 1;
    } while (page <= pages);
    opts.logger.info({ refreshId, pages, groups }, 'simluhtan directory read');
    return { pages, groups };
  }, { connection, prefix: opts.prefix, concurrency: 1, autorun: false });
  worker.on('error', onError);

  return {
    start: () => { void worker.run().catch((err: Error) => opts.logger.error({ err: err.message }, 'directory worker stopped')); },
    close: async () => {
      await worker.close();
      await out.close();
      await connection.quit().catch(() => {});
    },
  };
}
