import { z } from 'zod';
import { CliError } from '../errors.ts';
import { compact, instant, table } from '../format.ts';
import { parse, type Command } from './command.ts';

export const timeline: Command = {
  summary: 'every step, attempt and replay of one operation',
  help: `Usage: npm run ops -- timeline <operation id>

Prints one line per event of the operation, in order: time, kind, step, attempt and detail
(partner status, duration, error code, reason …). A job id (<operation id>.<step>) works too.`,

  async run(argv, { client, out }) {
    const { positionals } = parse(argv, { options: {}, allowPositionals: true });
    // A job id copied from `failed` names its operation first.
    const operationId = positionals[0]?.split('.')[0];
    if (positionals.length !== 1 || !z.uuid().safeParse(operationId).success) {
      throw new CliError('timeline needs one operation id (a UUID), e.g. from `failed`');
    }
    const tl = await client.timeline(operationId!);
    out(`${tl.kind} ${tl.operationId}: ${tl.status} (correlation ${tl.correlationId})`);
    out(table(['at', 'kind', 'step', 'attempt', 'detail'],
      tl.entries.map((e) => [instant(e.at), e.kind, e.step ?? '-', e.attempt === null ? '-' : String(e.attempt), compact(e.detail)])));
    return 0;
  },
};
