import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { SingleBar, Presets } from 'cli-progress';
import { Breakers, FailedJobsPage, JobActionResult, Timeline, type FailedJob } from '@sutasoma/contracts';
import { ApiError, OpsClient } from './client.ts';
import { table } from './format.ts';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** True when a person can answer a question. */
  interactive: boolean;
  ask: (question: string) => Promise<string>;
  env: NodeJS.ProcessEnv;
}

const HELP = `Usage: npm run ops -- <command> [options]

  failed     [--system S] [--code C] [--kind K] [--since ISO] [--limit N]   list failed jobs
  replay     (--job ID ... | --filter k=v,...) --reason "…" [--dry-run] [--yes]
  discard    (--job ID ... | --filter k=v,...) --reason "…" [--dry-run] [--yes]
  timeline   <operation id>                                                every step, attempt and replay
  breakers                                                                 every partner breaker

Filter keys: system, code, kind, since. Env: GATEWAY_URL (http://127.0.0.1:8080), OPS_TOKEN
(else demo sign-in as OPS_USERNAME, default demo-ops, with DEMO_PASSWORD).`;

const CHUNK = 25;

function parseFilter(spec: string): Record<string, string> {
  return Object.fromEntries(spec.split(',').filter(Boolean).map((kv) => {
    const [k, v] = kv.split('=');
    if (!k || v === undefined || !['system', 'code', 'kind', 'since'].includes(k)) throw new Error(`bad filter "${kv}": use system=, code=, kind=, since=`);
    return [k, v];
  }));
}

async function listFailed(client: OpsClient, filter: Record<string, string>, max: number): Promise<{ items: FailedJob[]; total: number }> {
  const items: FailedJob[] = [];
  let total = 0;
  while (items.length < max) {
    const q = new URLSearchParams({ state: 'failed', ...filter, limit: String(Math.min(500, max - items.length)), offset: String(items.length) });
    const page = await client.call(FailedJobsPage, 'GET', `/ops/jobs?${q}`);
    total = page.total;
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= total) break;
  }
  return { items, total };
}

/** Runs one command; returns the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      system: { type: 'string' }, code: { type: 'string' }, kind: { type: 'string' }, since: { type: 'string' },
      limit: { type: 'string' }, job: { type: 'string', multiple: true }, filter: { type: 'string' },
      reason: { type: 'string' }, 'dry-run': { type: 'boolean' }, yes: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, arg] = positionals;
  if (!command || values.help) {
    io.out(HELP);
    return command || values.help ? 0 : 1;
  }
  const client = new OpsClient({
    baseUrl: io.env['GATEWAY_URL'] ?? 'http://127.0.0.1:8080',
    token: io.env['OPS_TOKEN'],
    username: io.env['OPS_USERNAME'] ?? 'demo-ops',
    password: io.env['DEMO_PASSWORD'] ?? 'sutasoma-demo',
    note: io.err,
  });
  try {
    switch (command) {
      case 'failed': {
        const filter = Object.fromEntries(Object.entries({ system: values.system, code: values.code, kind: values.kind, since: values.since }).filter(([, v]) => v)) as Record<string, string>;
        const { items, total } = await listFailed(client, filter, Number(values.limit ?? 200));
        io.out(table(['job', 'kind', 'system', 'code', 'attempts', 'replays', 'failed at'],
          items.map((j) => [j.jobId, j.kind, j.system, j.errorCode ?? '', String(j.attempts), String(j.replays), j.failedAt])));
        io.out(`${items.length} of ${total} failed job(s)`);
        return 0;
      }
      case 'replay':
      case 'discard': {
        if (!values.reason) throw new Error('--reason is required: it is kept in the audit trail');
        if (!values.job === !values.filter) throw new Error('give --job (one or more) or --filter, not both');
        const jobIds = values.job ?? (await listFailed(client, parseFilter(values.filter!), 10_000)).items.map((j) => j.jobId);
        const dryRun = values['dry-run'] === true;
        io.out(`${jobIds.length} job(s) selected for ${command}${dryRun ? ' (dry run)' : ''}`);
        if (jobIds.length === 0) return 0;
        if (!dryRun && jobIds.length > 10 && !values.yes) {
          if (!io.interactive) throw new Error(`${jobIds.length} jobs: add --yes to ${command} them without a question`);
          if (!/^y(es)?$/i.test(await io.ask(`${command} ${jobIds.length} jobs? [y/N] `))) return 1;
        }
        const bar = io.interactive && !dryRun ? new SingleBar({ format: `${command} [{bar}] {value}/{total}` }, Presets.shades_classic) : null;
        bar?.start(jobIds.length, 0);
        const done: string[] = [];
        const skipped: { jobId: string; reason: string }[] = [];
        for (let i = 0; i < jobIds.length; i += CHUNK) {
          const chunk = jobIds.slice(i, i + CHUNK);
          const res = await client.call(JobActionResult, 'POST', `/ops/jobs/${command}`, { jobIds: chunk, reason: values.reason, dryRun });
          done.push(...res.done);
          skipped.push(...res.skipped);
          if (bar) bar.update(Math.min(jobIds.length, i + chunk.length));
          else if (!dryRun) io.out(`${command}: ${Math.min(jobIds.length, i + chunk.length)}/${jobIds.length}`);
        }
        bar?.stop();
        const verb = command === 'replay' ? 'replayed' : 'discarded';
        io.out(`${dryRun ? `would be ${verb}` : verb} ${done.length}, skipped ${skipped.length}`);
        for (const s of skipped) io.out(`  skipped ${s.jobId}: ${s.reason}`);
        return 0;
      }
      case 'timeline': {
        if (!arg) throw new Error('timeline needs an operation id');
        const tl = await client.call(Timeline, 'GET', `/ops/operations/${arg}/timeline`);
        io.out(`${tl.kind} ${tl.operationId}: ${tl.status} (correlation ${tl.correlationId})`);
        for (const e of tl.entries) io.out(`${e.at}  ${e.kind.padEnd(20)} ${(e.step ?? '').padEnd(28)} ${e.attempt ?? ''}  ${JSON.stringify(e.detail)}`);
        return 0;
      }
      case 'breakers': {
        const b = await client.call(Breakers, 'GET', '/ops/breakers');
        io.out(table(['system', 'state', 'error rate', 'last change'], b.items.map((x) => [x.system, x.state, x.errorRate === null ? '' : `${Math.round(x.errorRate * 100)}%`, x.lastChange ?? x.error ?? ''])));
        return 0;
      }
      default:
        io.err(`unknown command "${command}"\n\n${HELP}`);
        return 1;
    }
  } catch (err) {
    if (err instanceof ApiError) {
      io.err(`error ${err.status}: ${err.message}`);
      for (const f of err.problem.errors ?? []) io.err(`  ${f.field}: ${f.message}`);
    } else {
      io.err(`error: ${(err as Error).message}`);
    }
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rl = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stdout }) : null;
  const code = await run(process.argv.slice(2), {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
    interactive: Boolean(process.stdout.isTTY && process.stdin.isTTY),
    ask: (q) => rl?.question(q) ?? Promise.resolve(''),
    env: process.env,
  });
  rl?.close();
  process.exit(code);
}
