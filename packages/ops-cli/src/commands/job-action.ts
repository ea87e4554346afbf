import { JobSelection } from '@sutasoma/contracts';
import type { JobAction, JobFilter } from '../client.ts';
import { CliError } from '../errors.ts';
import { startProgress } from '../progress.ts';
import { parse, type Command } from './command.ts';

/** Jobs sent per request: small enough for a progress bar to move, large enough to be quick. */
export const CHUNK_SIZE = 25;
/** A bulk action over more jobs than this asks first (unless --yes). */
export const CONFIRM_ABOVE = 10;
// The gateway resolves a filter to at most this many jobs too.
const MAX_SELECTION = 10_000;

const FILTER_KEYS = ['system', 'code', 'kind', 'since'] as const;

function parseFilter(spec: string): JobFilter {
  const filter: JobFilter = {};
  for (const pair of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq) as (typeof FILTER_KEYS)[number];
    const value = pair.slice(eq + 1);
    if (eq < 1 || !FILTER_KEYS.includes(key) || value === '') {
      throw new CliError(`bad --filter part "${pair}": use ${FILTER_KEYS.map((k) => `${k}=…`).join(',')}`);
    }
    filter[key] = value;
  }
  if (Object.keys(filter).length === 0) throw new CliError('--filter needs at least one of system=, code=, kind=, since=');
  return filter;
}

/** The contract's field paths in the words of the command line. */
function optionOf(path: PropertyKey[], jobIds: string[] | undefined): string {
  if (path[0] === 'jobIds' && typeof path[1] === 'number') return `--job ${jobIds?.[path[1]] ?? ''}`;
  if (path[0] === 'filter' && path[1] !== undefined) return `--filter ${String(path[1])}`;
  return `--${String(path[0] ?? 'job')}`;
}

function jobActionCommand(action: JobAction): Command {
  const past = action === 'replay' ? 'replayed' : 'discarded';
  const what = action === 'replay'
    ? 'Resumes each operation at its failed step, with the same partner idempotency key.'
    : 'Closes failed jobs by hand: each operation stays failed, with the reason.';
  return {
    summary: action === 'replay' ? 'replay failed jobs' : 'close failed jobs by hand',
    help: `Usage: npm run ops -- ${action} (--job ID ... | --filter k=v,...) --reason "…" [--dry-run] [--yes]

${what}

  --job ID        a job id from \`failed\` (<operation id>.<step>); repeat for more
  --filter k=v,…  every failed job matching: system=bpjs,code=PARTNER_AUTH,kind=registration,since=ISO
  --reason "…"    why (3–500 characters): kept in the audit trail
  --dry-run       say what would be done, do nothing
  --yes           do not ask before acting on more than ${CONFIRM_ABOVE} jobs (needed when stdin is not a terminal)

Jobs are sent ${CHUNK_SIZE} at a time, with a progress bar on a terminal.`,

    async run(argv, { io, client, out, err }) {
      const { values } = parse(argv, {
        options: {
          job: { type: 'string', multiple: true }, filter: { type: 'string' }, reason: { type: 'string' },
          'dry-run': { type: 'boolean', default: false }, yes: { type: 'boolean', default: false },
        },
      });
      const dryRun = values['dry-run'];
      if (values.reason === undefined) throw new CliError('--reason "…" is required: it is kept in the audit trail');
      if ((values.job === undefined) === (values.filter === undefined)) throw new CliError('give --job ID (one or more) or --filter k=v,…, not both');
      const jobIds = values.job && [...new Set(values.job)];
      const filter = values.filter === undefined ? undefined : parseFilter(values.filter);

      // Checked against the contract before anything is fetched or asked.
      const check = JobSelection.safeParse({ jobIds, filter, reason: values.reason, dryRun });
      if (!check.success) {
        throw new CliError(`cannot ${action} that selection`, check.error.issues.map((i) => `${optionOf(i.path, jobIds)}: ${i.message}`));
      }
      const { reason } = check.data;

      let ids = jobIds ?? [];
      if (filter) {
        const { items, total } = await client.allFailedJobs(filter, MAX_SELECTION);
        // Paging while new failures arrive can show a job twice.
        ids = [...new Set(items.map((j) => j.jobId))];
        if (total > items.length) err(`${total} failed jobs match; taking the first ${items.length}, run again for the rest`);
      }
      out(`${ids.length} job(s) selected${filter ? ` (${values.filter})` : ''}${dryRun ? ', dry run' : ''}`);
      if (ids.length === 0) return 0;

      if (!dryRun && ids.length > CONFIRM_ABOVE && !values.yes) {
        if (!io.confirm) throw new CliError(`refusing to ${action} ${ids.length} jobs without --yes: stdin is not a terminal, so nobody can confirm`);
        if (!(await io.confirm(`${action} ${ids.length} jobs? [y/N] `))) {
          err('nothing done');
          return 1;
        }
      }

      const done: string[] = [];
      const skipped: { jobId: string; reason: string }[] = [];
      const audits: number[] = [];
      const report = () => {
        if (dryRun) {
          for (const id of done) out(`  would ${action} ${id}`);
          out(`dry run: would ${action} ${done.length}, skip ${skipped.length}; nothing changed`);
        } else {
          out(`${past} ${done.length}, skipped ${skipped.length}`);
        }
        for (const s of skipped) out(`  skipped ${s.jobId}: ${s.reason}`);
        if (audits.length > 0) out(`audit: ${audits.map((a) => `#${a}`).join(', ')}`);
      };

      const progress = dryRun ? null : startProgress(io.stdout, action, ids.length);
      for (let i = 0; i < ids.length; i += CHUNK_SIZE) {
        const chunk = ids.slice(i, i + CHUNK_SIZE);
        try {
          const result = await client.act(action, { jobIds: chunk, reason, dryRun });
          done.push(...result.done);
          skipped.push(...result.skipped);
          if (result.auditId !== null) audits.push(result.auditId);
        } catch (error) {
          progress?.stop();
          err(`stopped after ${i} of ${ids.length} job(s); what was done before the error:`);
          report();
          throw error;
        }
        progress?.advance(chunk.length);
      }
      progress?.stop();
      report();
      return 0;
    },
  };
}

export const replay = jobActionCommand('replay');
export const discard = jobActionCommand('discard');
