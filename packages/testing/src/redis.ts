import { Redis } from 'ioredis';
import { randomSuffix, testRedisUrl } from './env.ts';

export interface TestPrefix {
  prefix: string;
  redis: Redis;
  cleanup: () => Promise<void>;
}

/** A BullMQ prefix of its own for one test file; its keys are deleted in teardown. */
export function createTestPrefix(): TestPrefix {
  const prefix = `test-${randomSuffix()}`;
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 3 });
  return {
    prefix,
    redis,
    cleanup: async () => {
      await deleteKeys(redis, `${prefix}:*`).catch(() => {});
      await redis.quit();
    },
  };
}

/** Deletes every key matching `pattern`, as a Redis outage that loses queues would. */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
