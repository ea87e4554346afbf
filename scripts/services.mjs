// Finds Redis and PostgreSQL for `npm start` and `npm test`: the environment's URLs, else the
// machine's defaults, else (tests only) containers when a Docker daemon answers.
import { connect } from 'node:net';
import { spawnSync } from 'node:child_process';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function reachable(url, defaultPort) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || defaultPort), timeout: 1500 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

const HOW = {
  redis: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
};

function dockerAnswers() {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 }).status === 0;
}

/**
 * Returns { redisUrl, databaseUrl, stop } or exits with a message naming what is missing,
 * where it looked and how to start it.
 */
export async function ensureServices({ databaseUrl, allowContainers }) {
  const env = { redisUrl: process.env.REDIS_URL ?? DEFAULT_REDIS_URL, databaseUrl: process.env.DATABASE_URL ?? databaseUrl };
  const missing = [];
  if (!(await reachable(env.redisUrl, 6379))) missing.push(['redis', env.redisUrl, !process.env.REDIS_URL]);
  if (!(await reachable(env.databaseUrl, 5432))) missing.push(['postgres', env.databaseUrl, !process.env.DATABASE_URL]);
  const containers = [];
  if (missing.length > 0 && allowContainers && missing.every(([, , isDefault]) => isDefault) && dockerAnswers()) {
    console.log('starting containers for', missing.map(([n]) => n).join(' and '), 'with testcontainers…');
    for (const [name] of missing) {
      if (name === 'redis') {
        const { RedisContainer } = await import('@testcontainers/redis');
        const c = await new RedisContainer('redis:7-alpine').start();
        containers.push(c);
        env.redisUrl = c.getConnectionUrl();
      } else {
        const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
        const c = await new PostgreSqlContainer('postgres:15-alpine').withDatabase('test').start();
        containers.push(c);
        env.databaseUrl = c.getConnectionUri();
      }
    }
    return { ...env, stop: async () => { for (const c of containers) await c.stop(); } };
  }
  if (missing.length > 0) {
    for (const [name, url] of missing) {
      const safe = url.replace(/\/\/[^@/]*@/, '//');
      console.error(`${name === 'redis' ? 'Redis' : 'PostgreSQL'} is not reachable at ${safe}.`);
      console.error(`  Start it (on a Debian machine of this project: ${HOW[name]}),`);
      console.error(`  or point ${name === 'redis' ? 'REDIS_URL' : 'DATABASE_URL'} at one that runs.`);
    }
    process.exit(1);
  }
  return { ...env, stop: async () => {} };
}
