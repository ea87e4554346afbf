// Where a service's CPU time went, from the V8 CPU profile `--cpu-prof` wrote when it stopped:
// self time by function and by package (node_modules/<package>, or our own workspace folder).
import { readFile, readdir } from 'node:fs/promises';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  pid: number;
  totalMs: number;
  /** Share of samples that were idle (waiting on I/O). */
  idlePercent: number;
  topFunctions: { name: string; selfMs: number; percent: number }[];
  topPackages: { name: string; selfMs: number; percent: number }[];
}

function packageOf(url: string): string {
  if (!url) return '(native / V8)';
  const nm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node core';
  const ours = /\/(services|packages|scripts)\/([^/]+)/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

export async function summarizeProfile(file: string, top = 12): Promise<ProfileSummary> {
  const p = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)!;
    total += us;
    if (f.functionName === '(idle)') { idle += us; continue; }
    const where = f.url ? ` ${f.url.replace(/^file:\/\/.*?\/(node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?|services\/|packages\/)/, '')}:${f.lineNumber + 1}` : '';
    const name = `${f.functionName || '(anonymous)'}${where}`;
    fns.set(name, (fns.get(name) ?? 0) + us);
    const pkg = f.functionName.startsWith('(') ? f.functionName : packageOf(f.url);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  const rank = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), percent: busy > 0 ? Math.round((1000 * us) / busy) / 10 : 0 }));
  const pid = Number(/\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file)?.[1] ?? NaN);
  return { file, pid, totalMs: Math.round(total / 1000), idlePercent: total > 0 ? Math.round((1000 * idle) / total) / 10 : 0, topFunctions: rank(fns), topPackages: rank(pkgs) };
}

/** The main thread's profile in `dir` of each of `pids` (name by pid). */
export async function summarizeProfiles(dir: string, pids: Record<string, number>): Promise<Record<string, ProfileSummary>> {
  const names = new Map(Object.entries(pids).map(([n, pid]) => [pid, n]));
  const out: Record<string, ProfileSummary> = {};
  for (const f of await readdir(dir)) {
    if (!f.endsWith('.cpuprofile')) continue;
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main one (1 is tsx's module loader).
    const m = /\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(f);
    const name = names.get(Number(m?.[1]));
    if (name && m?.[2] === '0') out[name] = await summarizeProfile(`${dir}/${f}`);
  }
  return out;
}
