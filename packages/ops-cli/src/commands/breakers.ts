import { instant, percent, table } from '../format.ts';
import { parse, type Command } from './command.ts';

export const breakers: Command = {
  summary: "every partner's circuit breaker",
  help: `Usage: npm run ops -- breakers

Lists each adapter's breaker: state (closed, open, half_open, or unknown when the adapter did
not answer), error rate of the recent window, and when the state last changed.`,

  async run(argv, { client, out }) {
    parse(argv, { options: {} });
    const { items } = await client.breakers();
    const unreachable = items.some((b) => b.error !== undefined);
    out(table(['system', 'state', 'error rate', 'last change', ...(unreachable ? ['error'] : [])],
      items.map((b) => [b.system, b.state, percent(b.errorRate), instant(b.lastChange), ...(unreachable ? [b.error ?? ''] : [])])));
    return 0;
  },
};
