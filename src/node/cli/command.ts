/**
 * What every CLI command is: a name, a one-line summary, its help text and a
 * `run` function that gets the command's own arguments and the process I/O.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../../core/errors/index.js';

/** The process surroundings a command runs in; tests pass their own. */
export interface CliIO {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

/** One `plughub <name>` command. */
export interface Command {
  name: string;
  summary: string;
  /** Full help text, printed by `plughub <name> --help`. */
  usage: string;
  /** Runs the command; resolves to the exit code (0 when omitted). */
  run(argv: string[], io: CliIO): Promise<number | void>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's arguments with node:util parseArgs, turning its
 * exceptions into a UsageError that names the command.
 */
export function parseCommandArgs<T extends Options>(command: string, argv: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message} (see plughub ${command} --help)`);
  }
}
