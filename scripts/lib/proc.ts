// What Linux's /proc says about the processes the benchmark and the fault harness start.
import { readFile, readdir } from 'node:fs/promises';

/** The pid of the process running `script` started with PORT=<port> (Linux /proc), or null. */
export async function pidOf(script: string, port: number): Promise<number | null> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes(script)) continue;
      if ((await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0').includes(`PORT=${port}`)) return Number(entry);
    } catch { /* gone, or not ours to read */ }
  }
  return null;
}

/** The pid of the `services/<service>` process started with PORT=<port>, compiled or through tsx, or null. */
export const servicePid = async (service: string, port: number) =>
  (await pidOf(`services/${service}/dist/server.js`, port)) ?? pidOf(`services/${service}/src/server.ts`, port);

/** Resident set size now (VmRSS) and its high-water mark (VmHWM) in MiB, or null once the process is gone. */
export async function rssMiB(pid: number): Promise<{ rss: number; hwm: number } | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  if (status === null) return null;
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

/**
 * Samples the resident set size of each named process every `everyMs` until stopped: the peak seen
 * while it ran, per name (a process that is gone is skipped).
 */
export function sampleRss(pids: Record<string, number>, everyMs = 200): { stop: () => Promise<Record<string, number>> } {
  const peak: Record<string, number> = Object.fromEntries(Object.keys(pids).map((n) => [n, 0]));
  let busy: Promise<void> = Promise.resolve();
  const tick = () => {
    busy = (async () => {
      for (const [name, pid] of Object.entries(pids)) {
        const r = await rssMiB(pid);
        if (r) peak[name] = Math.max(peak[name] ?? 0, r.rss);
      }
    })();
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await busy;
      tick();
      await busy;
      return peak;
    },
  };
}

/** CPU seconds (user + system) a process has used so far, or null once it is gone. */
export async function cpuSeconds(pid: number, withChildren = false): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // After "pid (comm) ": state is field 3, utime 14, stime 15, and the ended children's cutime 16 and
  // cstime 17; clock ticks are 1/100 s on Linux.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0)) / 100;
}

/** The pids of every process whose command name (/proc/<pid>/comm) is `comm`, e.g. postgres, redis-server. */
export async function pidsNamed(comm: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const name = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (name.trim() === comm) out.push(Number(entry));
  }
  return out;
}

/**
 * CPU seconds used between `start()` and `stop()` by each named process, plus every process of
 * the given command names together (PostgreSQL's backends, Redis): where the machine's time went.
 * A process of those names that ends in between is counted through its parent's time of ended
 * children (a backend through the postmaster's), its time before `start()` taken off.
 */
export function cpuMeter(pids: Record<string, number>, comms: string[] = ['postgres', 'redis-server']) {
  const read = async () => {
    const named = Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([n, pid]) => [n, (await cpuSeconds(pid)) ?? NaN] as const)));
    const byComm: Record<string, Map<number, number>> = {};
    for (const c of comms) {
      const m = new Map<number, number>();
      // With the time of their ended children: a PostgreSQL backend whose connection closed during the
      // load (a pool's idle timeout) is counted in the postmaster's, where it would otherwise be lost.
      for (const pid of await pidsNamed(c)) m.set(pid, (await cpuSeconds(pid, true)) ?? 0);
      byComm[c] = m;
    }
    return { named, byComm, self: process.cpuUsage(), at: performance.now() };
  };
  let first: Awaited<ReturnType<typeof read>> | undefined;
  return {
    start: async () => { first = await read(); },
    stop: async (): Promise<{ wallSeconds: number; cpuSeconds: Record<string, number> }> => {
      const last = await read();
      const r = (n: number) => Math.round(n * 10) / 10;
      const out: Record<string, number> = {};
      for (const [n, v] of Object.entries(last.named)) out[n] = r(v - (first!.named[n] ?? 0));
      for (const c of comms) {
        let sum = 0;
        for (const [pid, v] of last.byComm[c]!) sum += v - (first!.byComm[c]!.get(pid) ?? 0);
        // Ended since start(): its whole life is now in its parent's children time; its part before start() is not ours.
        for (const [pid, v] of first!.byComm[c]!) if (!last.byComm[c]!.has(pid)) sum -= v;
        out[`${c} (all)`] = r(sum);
      }
      out['load generator (this process)'] = r((last.self.user + last.self.system - first!.self.user - first!.self.system) / 1e6);
      return { wallSeconds: r((last.at - first!.at) / 1000), cpuSeconds: out };
    },
  };
}
