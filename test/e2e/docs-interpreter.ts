/**
 * Runs the docs' shell blocks line by line in a folder of their own, the
 * way a reader pasting them would: shell variables and exported ones,
 * `$(…)` substitutions, pipelines, `&&`, and every command through the
 * programs of docs-programs.ts, or, for repository commands (npm scripts,
 * vitest, benchmarks), through the checks of docs-repository.ts. Any failure
 * — a command that exits non-zero (or zero under `!`), an unknown program, an
 * unset variable — stops the run with the transcript so far.
 *
 * Ports: the docs show fixed ports (a registry on 4873, a static server on
 * 8080 …); servers really listen on free ones, and every `127.0.0.1:<port>`
 * or `localhost:<port>` in a command or a saved file is rewritten to where
 * the server started for that port listens. When `127.0.0.1:4873` is used
 * before any registry was started, the shell starts one there first, as
 * `plughub serve` (or `npm start`) in the shell's first folder: the docs say
 * the registry they talk to is that one. Docs that work "from a clone" read
 * the repository's `examples/`, which `linkExamples` links into the folder.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { startRegistry, type Background } from './docs-background.js';
import { PROGRAMS, type Invocation, type ShellControl } from './docs-programs.js';
import { checkRepositoryCommand, isRepositoryCommand } from './docs-repository.js';
import { expandWord, logicalLines, parseLine, type Command, type Expander, type Pipeline } from './docs-shell.js';
import { childEnv, ROOT, type Finished } from './spawn.js';

/** The port of the registry the docs talk to unless they start their own. */
export const DOCS_REGISTRY_PORT = 4873;

/** Runs docs commands in one folder, keeping variables, servers and outputs from line to line. */
export class DocShell implements ShellControl {
  cwd: string;
  /** Shell variables; the exported ones reach the commands' environment. */
  readonly variables = new Map<string, string>();
  readonly exported = new Set<string>();
  /** What each command printed, by its expanded words joined with spaces (the last run wins). */
  readonly outputs = new Map<string, Finished>();
  readonly transcript: string[] = [];
  private readonly base: Record<string, string | undefined>;
  private readonly ports = new Map<number, Background>();
  private readonly background: Background[] = [];

  constructor(readonly root: string) {
    this.cwd = root;
    this.base = childEnv({ HOME: root, XDG_CACHE_HOME: join(root, '.cache') });
  }

  /** Links the repository's `examples/` into the folder, for the docs that work "from a clone". */
  async linkExamples(): Promise<void> {
    await symlink(join(ROOT, 'examples'), join(this.root, 'examples'), 'dir');
  }

  /** The environment a command gets. */
  get env(): Record<string, string | undefined> {
    const env = { ...this.base };
    for (const name of this.exported) env[name] = this.variables.get(name);
    return env;
  }

  /** The background process started for a port the docs show, if any. */
  server(shownPort: number): Background | undefined {
    return this.ports.get(shownPort);
  }

  /** Changes the folder the next commands run in. */
  cd(dir: string): void {
    this.cwd = dir;
  }

  /** Keeps a background process to stop in `close`, reachable at `shownPort` from now on. */
  listen(shownPort: number, process: Background): void {
    this.ports.set(shownPort, process);
    this.background.push(process);
  }

  /** Runs every line of a shell block; resolves to what the last line that printed anything printed. */
  async runBlock(block: string): Promise<Finished> {
    let last: Finished = { code: 0, stdout: '', stderr: '' };
    for (const line of logicalLines(block)) {
      const result = await this.runLine(line);
      if (result.stdout !== '' || result.stderr !== '') last = result;
    }
    return last;
  }

  /** Writes a block the docs say to save, in the current folder, with its ports rewritten. */
  async save(name: string, body: string): Promise<void> {
    const path = resolve(this.cwd, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await this.mapPorts(body.endsWith('\n') ? body : `${body}\n`));
    this.transcript.push(`(saved ${name})`);
  }

  /** Stops everything started in the background. */
  async close(): Promise<void> {
    await Promise.all(this.background.splice(0).map((process) => process.stop()));
  }

  /** Runs one line; throws when it fails. Returns what its last pipeline printed. */
  async runLine(line: string): Promise<Finished> {
    this.transcript.push(`$ ${line}`);
    let last: Finished = { code: 0, stdout: '', stderr: '' };
    for (const pipeline of parseLine(line)) {
      last = await this.runPipeline(pipeline);
      const failed = last.code !== 0;
      if (failed !== pipeline.negated) {
        const expected = pipeline.negated ? 'to fail, but it succeeded' : `to succeed, but it exited with ${last.code}`;
        throw new Error(`in ${this.cwd}, expected ${line} ${expected}:\n${last.stdout}${last.stderr}`);
      }
    }
    return last;
  }

  private async runPipeline(pipeline: Pipeline): Promise<Finished> {
    let input: string | undefined;
    let result: Finished = { code: 0, stdout: '', stderr: '' };
    for (const command of pipeline.commands) {
      result = await this.runCommand(command, input);
      input = result.stdout;
      if (result.code !== 0) break;
    }
    return result;
  }

  private expander(): Expander {
    return {
      variable: (name) => this.variables.get(name) ?? (name === 'HOME' ? this.root : undefined),
      substitute: async (source) => (await this.runLine(source)).stdout,
    };
  }

  private async runCommand(command: Command, stdin: string | undefined): Promise<Finished> {
    const expander = this.expander();
    const assigned: [string, string][] = [];
    for (const { name, value } of command.assignments) assigned.push([name, await this.mapPorts(await expandWord(value, expander))]);
    const argv: string[] = [];
    for (const word of command.words) argv.push(await this.mapPorts(await expandWord(word, expander)));
    if (argv.length === 0) {
      for (const [name, value] of assigned) this.variables.set(name, value);
      return { code: 0, stdout: '', stderr: '' };
    }
    if (argv[0] === 'export') return this.export(argv.slice(1));
    if (isRepositoryCommand(argv)) {
      checkRepositoryCommand(
        argv,
        assigned.map(([name]) => name),
      );
      return { code: 0, stdout: '', stderr: '' };
    }
    const program = PROGRAMS[argv[0]!];
    if (!program) throw new Error(`the docs test does not know the program "${argv[0]}" (in: ${argv.join(' ')})`);
    const env = { ...this.env, ...Object.fromEntries(assigned) };
    const invocation: Invocation = { argv, cwd: this.cwd, env, ...(stdin === undefined ? {} : { stdin }) };
    const result = await program(invocation, this);
    this.outputs.set(argv.join(' '), result);
    if (command.stdoutTo) {
      await writeFile(resolve(this.cwd, await expandWord(command.stdoutTo, expander)), result.stdout);
      return { ...result, stdout: '' };
    }
    return result;
  }

  private export(args: string[]): Finished {
    for (const arg of args) {
      const at = arg.indexOf('=');
      const name = at < 0 ? arg : arg.slice(0, at);
      if (at >= 0) this.variables.set(name, arg.slice(at + 1));
      this.exported.add(name);
    }
    return { code: 0, stdout: '', stderr: '' };
  }

  /** Rewrites the ports servers listen on back to the ones the docs show, as in output the docs quote. */
  unmapPorts(text: string): string {
    let out = text;
    for (const [shown, process] of this.ports) out = out.replaceAll(`127.0.0.1:${process.port}`, `127.0.0.1:${shown}`);
    return out;
  }

  /** Rewrites the ports the docs show to the ones their servers listen on, starting the docs' registry on first use. */
  private async mapPorts(text: string): Promise<string> {
    if (!this.ports.has(DOCS_REGISTRY_PORT) && new RegExp(`(127\\.0\\.0\\.1|localhost):${DOCS_REGISTRY_PORT}\\b`).test(text)) {
      const registry = await startRegistry(['serve', '--port', '0', '--data', './plughub-data'], { cwd: this.root, env: this.base });
      this.listen(DOCS_REGISTRY_PORT, registry);
      this.transcript.push(`(started the docs' registry for port ${DOCS_REGISTRY_PORT} in ${this.root})`);
    }
    return text.replace(/(127\.0\.0\.1|localhost):(\d+)\b/g, (found, _host: string, port: string) => {
      const server = this.ports.get(Number(port));
      return server ? `127.0.0.1:${server.port}` : found;
    });
  }
}
