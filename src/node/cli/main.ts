/**
 * The `plughub` command line: dispatches to one command per file in
 * ./commands. Errors print as one line (`plughub: <message>`) with exit code
 * 1; `--debug` adds the stack trace and causes. Error messages often carry a
 * registry's own text, so they are printed terminal-safe (terminal-text.ts).
 */
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { isPlughubError } from '../../core/errors/index.js';
import type { CliIO, Command } from './command.js';
import { commands } from './commands/index.js';
import { terminalLine, terminalText } from './terminal-text.js';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: plughub <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'global options: --help (any command), --debug (stack traces on errors)',
    '',
  ].join('\n');
}

/** The error as printed: one terminal-safe line, or with `debug` the stacks and causes (line breaks kept). */
function describeError(error: unknown, debug: boolean): string {
  if (debug) {
    const parts: string[] = [];
    let current: unknown = error;
    while (current !== undefined) {
      parts.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
      current = current instanceof Error ? current.cause : undefined;
      if (current !== undefined) parts.push('caused by:');
    }
    return terminalText(parts.join('\n'));
  }
  if (isPlughubError(error)) return terminalLine(error.message);
  return terminalLine(error instanceof Error ? error.message : String(error));
}

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((arg) => arg !== '--debug');
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(overview());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`plughub: unknown command "${terminalLine(name)}" (see plughub --help)\n`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
    return 0;
  }
  try {
    return (await command.run(rest, io)) ?? 0;
  } catch (error) {
    io.stderr.write(`plughub: ${describeError(error, debug)}\n`);
    return 1;
  }
}

declare const __PLUGHUB_VERSION__: string | undefined;
const VERSION = typeof __PLUGHUB_VERSION__ === 'string' ? __PLUGHUB_VERSION__ : '0.0.0-dev';

function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Commands that keep running until they are stopped; every other command exits when it is done. */
const LONG_RUNNING = new Set(['serve']);

if (isMain()) {
  const io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
  const argv = process.argv.slice(2);
  runCli(argv, io).then(
    async (code) => {
      process.exitCode = code;
      if (LONG_RUNNING.has(argv[0] ?? '')) return;
      // A plugin may leave timers or sockets behind; a one-shot command ends anyway, once its output is out.
      await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
      process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(`plughub: ${describeError(error, true)}\n`);
      process.exitCode = 1;
    },
  );
}
