import { readFile, readdir, readlink } from 'node:fs/promises';
import { createPool } from '@sutasoma/ledger';
import { servicePid } from '../lib/proc.ts';

/** Local ports of the process's TCP connections to `serverPort`, as PostgreSQL sees them in `client_port`. */
async function clientPorts(pid: number, serverPort: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9]!)) continue;
      const local = parseInt(f[1]!.split(':')[1]!, 16);
      const remote = parseInt(f[2]!.split(':')[1]!, 16);
      if (remote === serverPort) ports.push(local);
    }
  }
  return ports;
}

/**
 * Terminates the gateway's PostgreSQL connections, as a database failover or a DBA would. Only
 * those of this run's gateway (found by its port), so another gateway on the same server (a demo,
 * another test) keeps its own; where /proc cannot tell, every backend named 'gateway'.
 */
export async function terminateGatewayBackends(databaseUrl: string, gatewayPort: number): Promise<{ terminated: number; scoped: boolean }> {
  const dbPort = Number(new URL(databaseUrl).port || 5432);
  const pid = await servicePid('gateway', gatewayPort).catch(() => null);
  const ports = pid === null ? [] : await clientPorts(pid, dbPort).catch(() => []);
  const scoped = ports.length > 0;
  const admin = createPool({ connectionString: databaseUrl, max: 1, applicationName: 'chaos' });
  try {
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
        WHERE application_name = 'gateway' AND pid <> pg_backend_pid() ${scoped ? 'AND client_port = ANY($1::int[])' : ''}`,
      scoped ? [ports] : [],
    );
    return { terminated: Number(rows[0]!.n), scoped };
  } finally {
    await admin.end();
  }
}
