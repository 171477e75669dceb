/**
 * The `plughub` command line: dispatches to one command per file in
 * ./commands. `plughub`, `plughub --help` and `plughub help [command]` print
 * help (with no arguments on stderr, exit 1, as a mistake); `-v`,
 * `--version` and `plughub version` print the version. Errors print as one
 * line (`plughub: <message>`) on stderr with exit code 1; `--debug` adds
 * the stack trace and causes; under `--json` a JSON error object is printed
 * on stdout too, and nothing else (error-report.ts). Error messages often
 * carry a registry's own text, so they are printed terminal-safe
 * (terminal-text.ts).
 */
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import type { CliIO, Command } from './command.js';
import { commands } from './commands/index.js';
import { describeError, jsonErrorText } from './error-report.js';
import { terminalLine } from './terminal-text.js';
import { UsageError } from '../../core/errors/index.js';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 14);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: plughub <command> [options]',
    '',
    'commands:',
    ...lines,
    `  ${'help [command]'.padEnd(width)}  show this help, or a command's usage`,
    `  ${'version'.padEnd(width)}  print the version of plughub`,
    '',
    'global options:',
    '  -h, --help      show the help (of a command: plughub <command> --help)',
    '  -v, --version   print the version of plughub',
    '  --json          machine-readable output; errors print {"error":{"code","message",…}} on stdout',
    '  --debug         stack traces and causes on errors',
    '',
  ].join('\n');
}

function usageOf(command: Command): string {
  return command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`;
}

function unknownCommand(name: string): string {
  return `plughub: unknown command "${terminalLine(name)}" (see plughub --help)\n`;
}

/** `--json` among a command's options (before a `--` that ends them). */
function wantsJson(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** Options a command takes that may also come before its name, as npm allows (`plughub --json info hello`). */
const LEADING_OPTIONS = new Set(['--json', '--no-progress']);

/** The arguments with such leading options moved after the command's name. */
function commandFirst(args: string[]): string[] {
  let first = 0;
  while (first < args.length && LEADING_OPTIONS.has(args[first]!)) first += 1;
  if (first === 0 || first === args.length) return args;
  return [args[first]!, ...args.slice(0, first), ...args.slice(first + 1)];
}

/**
 * Runs the CLI with the given arguments; resolves to the exit code.
 *
 * @example await runCli(['info', 'hello', '--json'], { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() })
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const debug = argv.includes('--debug');
  const args = commandFirst(argv.filter((arg) => arg !== '--debug'));
  const [name, ...rest] = args;
  if (name === undefined) {
    io.stderr.write(overview());
    return 1;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout.write(overview());
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const json = wantsJson(rest);
  const command: Command | undefined = commands.find((c) => c.name === (name === 'help' ? rest[0] : name));
  if (!command) {
    const unknown = name === 'help' ? (rest[0] ?? '') : name;
    if (json) io.stdout.write(jsonErrorText(new UsageError(`unknown command "${unknown}" (see plughub --help)`)));
    io.stderr.write(unknownCommand(unknown));
    return 1;
  }
  if (name === 'help' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(usageOf(command));
    return 0;
  }
  return json ? runJson(command, rest, io, debug) : runPlain(command, rest, io, debug);
}

async function runPlain(command: Command, args: string[], io: CliIO, debug: boolean): Promise<number> {
  try {
    return (await command.run(args, io)) ?? 0;
  } catch (error) {
    io.stderr.write(`plughub: ${describeError(error, debug)}\n`);
    return 1;
  }
}

/**
 * Runs a command under `--json`: what it prints on stdout is held until it
 * succeeds, so a failure prints the JSON error object alone (a command that
 * printed a partial answer before failing, such as info, prints nothing of
 * it). stderr (logs, the error line) is not held.
 */
async function runJson(command: Command, args: string[], io: CliIO, debug: boolean): Promise<number> {
  const held: string[] = [];
  const stdout = { write: (chunk: string) => held.push(chunk), isTTY: io.stdout.isTTY ?? false };
  try {
    const code = (await command.run(args, { ...io, stdout })) ?? 0;
    io.stdout.write(held.join(''));
    return code;
  } catch (error) {
    io.stdout.write(jsonErrorText(error));
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
