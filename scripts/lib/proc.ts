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

/** The pid of the `services/<service>` process started with PORT=<port>, or null. */
export const servicePid = (service: string, port: number) => pidOf(`services/${service}/src/server.ts`, port);

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
