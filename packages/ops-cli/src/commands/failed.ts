import { parse, positiveInt, type Command } from './command.ts';
import { instant, table } from '../format.ts';

export const failed: Command = {
  summary: 'list failed jobs',
  help: `Usage: npm run ops -- failed [--system S] [--code C] [--kind K] [--since ISO] [--limit N]

Lists failed jobs across every queue, newest first, paging through the API.

  --system S    partner system: simluhtan, ekartutani, bpjs, plkk, bank, hospital
  --code C      error code, e.g. PARTNER_AUTH, PARTNER_TIMEOUT
  --kind K      registration or contribution
  --since ISO   failed at or after this instant, e.g. 2025-03-01T00:00:00+08:00
  --limit N     show at most N jobs (default 200)`,

  async run(argv, { client, out }) {
    const { values } = parse(argv, {
      options: {
        system: { type: 'string' }, code: { type: 'string' }, kind: { type: 'string' }, since: { type: 'string' },
        limit: { type: 'string' },
      },
    });
    const limit = positiveInt('limit', values.limit, 200);
    // The gateway validates the filter and names any bad field.
    const { items, total } = await client.allFailedJobs({ system: values.system, code: values.code, kind: values.kind, since: values.since }, limit);
    if (items.length > 0) {
      out(table(['job id', 'kind', 'system', 'code', 'attempts', 'replays', 'failed at'],
        items.map((j) => [j.jobId, j.kind, j.system, j.errorCode ?? '-', String(j.attempts), String(j.replays), instant(j.failedAt)])));
    }
    out(items.length < total
      ? `${total} failed job(s), the first ${items.length} shown (raise --limit to see more)`
      : `${total} failed job(s)`);
    return 0;
  },
};
