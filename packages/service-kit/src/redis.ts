import { Redis, type RedisOptions } from 'ioredis';

/**
 * A connection for BullMQ. Workers need `maxRetriesPerRequest: null` to reconnect forever;
 * producers keep a small retry count so an API call fails fast while Redis is down.
 */
export function createRedis(url: string, role: 'worker' | 'producer', extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 2_000,
    ...extra,
  });
}

export async function pingRedis(redis: Redis): Promise<string> {
  try {
    return (await redis.ping()) === 'PONG' ? 'ok' : 'unexpected answer';
  } catch (err) {
    return `unreachable: ${(err as Error).message}`;
  }
}

export { Redis };
