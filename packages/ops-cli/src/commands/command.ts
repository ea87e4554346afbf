import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { OpsClient } from '../client.ts';
import { CliError } from '../errors.ts';
import type { Io } from '../io.ts';

export interface Context {
  io: Io;
  client: OpsClient;
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface Command {
  /** One line for the command list. */
  summary: string;
  /** The whole `--help` text. */
  help: string;
  /** Returns the exit code; throws CliError for anything the operator should read. */
  run: (argv: string[], ctx: Context) => Promise<number>;
}

/** node:util parseArgs, strict, with its complaints turned into CliError. */
export function parse<T extends Omit<ParseArgsConfig, 'args' | 'strict'>>(argv: string[], config: T) {
  try {
    return parseArgs({ ...config, args: argv, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message} (see --help)`);
  }
}

/** A positive whole number from an option. */
export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--${name} must be a whole number of at least 1, not "${value}"`);
  return n;
}
