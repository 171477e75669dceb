/**
 * Small helpers for the arguments of CLI commands: a UsageError that points
 * at the command's help, and checks on how many positionals were given.
 */
import { UsageError } from '../../core/errors/index.js';

/**
 * A UsageError for `plughub <command>`: the problem, then where to read more.
 *
 * @example usageError('init', 'missing <name>') // "missing <name> (see plughub init --help)"
 */
export function usageError(command: string, problem: string): UsageError {
  return new UsageError(`${problem} (see plughub ${command} --help)`);
}

/** Throws a usageError when more than `max` positionals were given. */
export function atMost(command: string, positionals: string[], max: number): void {
  if (positionals.length > max) throw usageError(command, `unexpected argument "${positionals[max]}" for plughub ${command}`);
}
