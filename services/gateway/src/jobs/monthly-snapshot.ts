import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { DirectoryPage, GATEWAY_REPORTS_QUEUE, SIMLUHTAN_DIRECTORY_QUEUE, todayInSoppeng } from '@sutasoma/contracts';
import type { Pool } from '@sutasoma/ledger';
import type { Logger, Redis } from '@sutasoma/service-kit';
import { monthIndex, monthOf } from '../coverage.ts';
import { storeDirectoryPage } from '../reports/directory.ts';
import { produceSnapshot } from '../reports/snapshots.ts';

export interface MonthlySnapshotOptions {
  pool: Pool;
  /** For queues (producing, schedulers). */
  connection: Redis;
  /** For the blocking worker. */
  workerConnection: Redis;
  prefix: string;
  reviewDay: number;
  /** HH:MM, Asia/Makassar. */
  reviewTime: string;
  directoryRefreshTime: string;
  lapseAfterMonths: number;
  logger: Logger;
}

const TZ = 'Asia/Makassar';
const cron = (day: number | '*', time: string) => {
  const [h, m] = time.split(':').map(Number);
  return `${m} ${h} ${day} * *`;
};

/** The month before the one the job runs in (Soppeng time): the month under review on the 5th. */
export const periodUnderReview = (now: Date) => monthOf(monthIndex(todayInSoppeng(now).slice(0, 7)) - 1);

/**
 * The review's background work, on the gateway's `gateway-reports` queue:
 * - `monthly-snapshot`, a job scheduler on REVIEW_DAY at REVIEW_TIME (Asia/Makassar): produces the
 *   previous month's snapshot unless one exists (safe to run twice);
 * - `directory-page`: a page of Simluhtan's farmer-group directory the simluhtan adapter read,
 *   stored as the coverage rate's denominators. The gateway asks for the read on the adapter's
 *   `simluhtan-directory` queue (daily, and once at start); it never calls Simluhtan itself.
 */
export function createMonthlySnapshotJobs(opts: MonthlySnapshotOptions) {
  const queue = new Queue(GATEWAY_REPORTS_QUEUE, { connection: opts.connection, prefix: opts.prefix });
  const directory = new Queue(SIMLUHTAN_DIRECTORY_QUEUE, { connection: opts.connection, prefix: opts.prefix });
  const onError = (err: Error) => opts.logger.warn({ err: err.message }, 'reports queue connection error');
  queue.on('error', onError);
  directory.on('error', onError);

  const worker = new Worker(GATEWAY_REPORTS_QUEUE, async (job: Job) => {
    if (job.name === 'monthly-snapshot') {
      const period = typeof job.data?.period === 'string' ? job.data.period as string : periodUnderReview(new Date(job.timestamp));
      const s = await produceSnapshot(opts.pool, period, { trigger: 'schedule', lapseAfterMonths: opts.lapseAfterMonths, onlyIfMissing: true });
      opts.logger.info({ period, version: s.version }, 'monthly snapshot ready');
      return { period, version: s.version };
    }
    if (job.name === 'directory-page') {
      const page = DirectoryPage.safeParse(job.data);
      if (!page.success) throw new UnrecoverableError('BAD_DIRECTORY_PAGE');
      await storeDirectoryPage(opts.pool, page.data);
      return { page: page.data.page, groups: page.data.groups.length };
    }
    throw new UnrecoverableError(`unknown job ${job.name}`);
  }, { connection: opts.workerConnection, prefix: opts.prefix, concurrency: 1, autorun: false });
  worker.on('error', onError);

  return {
    queue,
    async start() {
      try {
        await this.schedule();
      } catch (err) {
        opts.logger.error({ err: (err as Error).message }, 'could not schedule the monthly review: Redis unreachable? it is scheduled again at the next start');
      }
      void worker.run().catch((err: Error) => opts.logger.error({ err: err.message }, 'reports worker stopped'));
    },
    async schedule() {
      await queue.upsertJobScheduler('monthly-review', { pattern: cron(opts.reviewDay, opts.reviewTime), tz: TZ }, {
        name: 'monthly-snapshot', data: {}, opts: { attempts: 5, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: 24, removeOnFail: 100 },
      });
      const refresh = { attempts: 10, backoff: { type: 'exponential', delay: 2_000 }, removeOnComplete: 50, removeOnFail: 100 };
      await directory.upsertJobScheduler('directory-refresh', { pattern: cron('*', opts.directoryRefreshTime), tz: TZ }, {
        name: 'refresh', data: { refreshId: 'scheduled', requestedAt: new Date().toISOString() }, opts: refresh,
      });
      const refreshId = `start-${todayInSoppeng()}-${Date.now()}`;
      await directory.add('refresh', { refreshId, requestedAt: new Date().toISOString() }, { ...refresh, jobId: refreshId });
    },
    async close() {
      await worker.close();
      await queue.close();
      await directory.close();
    },
  };
}
