import { realpathSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { pathToFileURL } from 'node:url';
import { OpsClient } from './client.ts';
import { breakers } from './commands/breakers.ts';
import type { Command, Context } from './commands/command.ts';
import { failed } from './commands/failed.ts';
import { discard, replay } from './commands/job-action.ts';
import { timeline } from './commands/timeline.ts';
import { loadConfig } from './config.ts';
import { CliError } from './errors.ts';
import type { Io } from './io.ts';

export type { Io, Writer } from './io.ts';

const COMMANDS: Record<string, Command> = { failed, replay, discard, timeline, breakers };

const USAGE = `Usage: npm run ops -- <command> [options]

${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

\`npm run ops -- <command> --help\` tells more.

Environment: GATEWAY_URL (default http://127.0.0.1:8080); OPS_TOKEN, a bearer token of role ops.
Without OPS_TOKEN it signs in through the demo route as OPS_USERNAME (default demo-ops) with
DEMO_PASSWORD (default sutasoma-demo).`;

/** Runs one command line (without `node main.ts`); returns the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const out = (line: string) => { io.stdout.write(`${line}\n`); };
  const err = (line: string) => { io.stderr.write(`${line}\n`); };
  const [name, ...rest] = argv;
  const wantsHelp = rest.includes('--help') || rest.includes('-h');

  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const command = name === 'help' && rest[0] ? COMMANDS[rest[0]] : undefined;
    out(command?.help ?? USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    err(`unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  if (wantsHelp) {
    out(command.help);
    return 0;
  }
  try {
    const ctx: Context = { io, client: new OpsClient(loadConfig(io.env)), out, err };
    return await command.run(rest, ctx);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    err(`error: ${error.message}`);
    for (const line of error.details) err(`  ${line}`);
    return 1;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(realpathSync(script)).href === import.meta.url;
}

if (isEntryPoint()) {
  // `npm run ops -- failed | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  const confirm = process.stdin.isTTY
    ? async (question: string) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(question)).trim());
      } finally {
        rl.close();
      }
    }
    : undefined;
  const code = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, confirm });
  process.exitCode = code;
}
