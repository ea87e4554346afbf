/** Where tests find Redis and PostgreSQL: the environment first, then the machine's defaults. */
export const testDatabaseUrl = () => process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const testRedisUrl = () => process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export const randomSuffix = () => Math.random().toString(36).slice(2, 10);
