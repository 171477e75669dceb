/**
 * The README walkthrough, executed as written: every line of its `sh` blocks
 * runs in child processes (the CLI through tsx from the sources), the server
 * on a free port instead of 4873, `npm link plughub` replaced by a package
 * pointing at the sources, and `host.mjs` taken from the README itself. The
 * outputs the README shows are checked too. Then the CLI's bad inputs, as a
 * user meets them: one line on stderr, exit code 1.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, childEnv, linkPlughub, node, plughub, startServer, type Finished, type RunningServer } from './spawn.js';

/** The README's "## Walkthrough" section. */
async function walkthrough(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Walkthrough\n');
  expect(start, 'README.md has a "## Walkthrough" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The contents of the fenced blocks of one language, in order. */
function blocks(section: string, language: string): string[] {
  return [...section.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);
}

/** A tiny interpreter for the walkthrough's shell lines; each command's output is kept by its text. */
class Walker {
  cwd: string;
  env: Record<string, string | undefined>;
  server: RunningServer | undefined;
  readonly outputs = new Map<string, Finished>();

  constructor(root: string, private readonly hostScript: string) {
    this.cwd = root;
    this.env = childEnv({ HOME: root, XDG_CACHE_HOME: join(root, '.cache') });
  }

  async line(text: string): Promise<void> {
    for (const part of text.split(' && ')) await this.command(part.trim());
  }

  private async command(command: string): Promise<void> {
    const words = command.split(/\s+/);
    const [program, ...args] = words;
    const capture = /^export (\w+)=\$\((plughub .*)\)$/.exec(command);
    const assign = /^export (\w+)=(\S+)$/.exec(command);
    if (capture) {
      const result = await this.plughub(capture[2]!.split(/\s+/).slice(1), capture[2]!);
      this.env[capture[1]!] = result.stdout.trim();
    } else if (assign) {
      const value = assign[2]!;
      this.env[assign[1]!] = value === 'http://127.0.0.1:4873' && this.server ? this.server.url : value;
    } else if (program === 'mkdir') {
      await mkdir(resolve(this.cwd, args[0]!));
    } else if (program === 'cd') {
      this.cwd = resolve(this.cwd, args[0]!);
    } else if (command === 'npm init -y') {
      await writeFile(join(this.cwd, 'package.json'), JSON.stringify({ name: 'host', version: '1.0.0' }));
    } else if (command === 'npm link plughub') {
      await linkPlughub(this.cwd);
    } else if (command === 'node host.mjs') {
      await writeFile(join(this.cwd, 'host.mjs'), this.hostScript);
      this.record(command, await node(join(this.cwd, 'host.mjs'), { cwd: this.cwd, env: this.env }));
    } else if (program === 'plughub' && args[0] === 'serve') {
      const port = args.indexOf('--port');
      this.server = await startServer(args.map((arg, i) => (i === port + 1 ? '0' : arg)), { cwd: this.cwd, env: this.env });
    } else if (program === 'plughub') {
      await this.plughub(args, command);
    } else {
      throw new Error(`the walkthrough test does not know how to run: ${command}`);
    }
  }

  private async plughub(args: string[], command: string): Promise<Finished> {
    return this.record(command, await plughub(args, { cwd: this.cwd, env: this.env }));
  }

  private record(command: string, result: Finished): Finished {
    if (result.code !== 0) throw new Error(`${command} (in ${this.cwd}) exited with ${result.code}:\n${result.stderr}`);
    this.outputs.set(command, result);
    return result;
  }
}

describe('the README walkthrough', () => {
  let root: string;
  let walker: Walker;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'plughub-walkthrough-'));
  });

  afterAll(async () => {
    await walker?.server?.stop();
    await rm(root, { recursive: true, force: true });
  }, 30_000);

  it('runs word for word: serve, token, init, build, publish, run, and a Node host, in TypeScript and JavaScript', { timeout: 120_000 }, async () => {
    const section = await walkthrough();
    const [hostScript] = blocks(section, 'js');
    expect(hostScript).toContain("import { createPluginHost } from 'plughub/node';");
    walker = new Walker(root, hostScript!);
    for (const block of blocks(section, 'sh')) {
      for (const line of block.split('\n').filter((text) => text.trim() !== '')) await walker.line(line);
    }
    const { outputs } = walker;
    const shown = blocks(section, 'json').map((text) => text.trim());

    expect(walker.server!.banner[0]).toMatch(/^created admin token [0-9a-f]+ for .+registry-data \(shown only this once\):$/);
    expect(walker.env.PLUGHUB_TOKEN).toMatch(/^plh_[A-Za-z0-9_-]{43}$/);
    expect(walker.env.PLUGHUB_REGISTRY).toBe(walker.server!.url);

    expect(outputs.get('plughub init hello')!.stdout).toContain('created hello in hello: plugin.json, package.json, README.md, .gitignore, src/index.ts, tsconfig.json');
    expect(outputs.get('plughub init greet --js')!.stdout).toContain('created greet in greet: plugin.json, package.json, README.md, .gitignore, src/index.js');
    expect(outputs.get('plughub build')!.stdout).toBe('built greet@0.1.0: dist/index.js (314 B)\n');
    expect(section).toContain('`built hello@0.1.0: dist/index.js (314 B)`');
    expect(outputs.get('plughub publish')!.stdout).toMatch(new RegExp(`^published greet@0\\.1\\.0 to ${walker.server!.url}\\n  integrity  sha256-`));

    const hello = outputs.get('plughub run hello --set who=Ada')!.stdout.trim();
    const greet = outputs.get('plughub run greet@^0.1 --set who=Grace')!.stdout.trim();
    const host = outputs.get('node host.mjs')!.stdout.trim();
    expect(hello).toBe('{"greeting":"hello, Ada!","plugin":"hello@0.1.0"}');
    expect(greet).toBe('{"greeting":"hello, Grace!","plugin":"greet@0.1.0"}');
    expect(host).toBe('{"hello":{"greeting":"hello, Node!","plugin":"hello@0.1.0"},"greet":{"greeting":"hello, a host!","plugin":"greet@0.1.0"}}');
    expect(shown).toEqual([hello, greet, host]);

    const info = await plughub(['info', 'hello'], { cwd: root, env: walker.env });
    expect(info.stdout).toMatch(/\n0\.1\.0 +latest +\S+ +314 B\n/);
  });
});

describe('bad inputs, as a user meets them', () => {
  let root: string;
  let server: RunningServer;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'plughub-bad-inputs-'));
    env = childEnv({ HOME: root, PLUGHUB_CACHE_DIR: join(root, 'cache') });
    server = await startServer(['serve', '--port', '0', '--data', join(root, 'data')], { cwd: root, env });
    env.PLUGHUB_REGISTRY = server.url;
    env.PLUGHUB_TOKEN = server.banner[1];
  }, 60_000);

  afterAll(async () => {
    const stopped = await server?.stop();
    expect(stopped?.stderr).toContain('SIGTERM: closing the server');
    await rm(root, { recursive: true, force: true });
  }, 30_000);

  async function fails(args: string[], stderr: string | RegExp, extra: Record<string, string | undefined> = {}, cwd = root): Promise<void> {
    const result = await plughub(args, { cwd, env: { ...env, ...extra } });
    expect(result.code, `plughub ${args.join(' ')}`).toBe(1);
    expect(result.stdout).toBe('');
    if (typeof stderr === 'string') expect(result.stderr).toBe(stderr);
    else expect(result.stderr).toMatch(stderr);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  }

  it('unknown command, missing arguments, invalid plugin name', { timeout: 60_000 }, async () => {
    await fails(['publsh'], 'plughub: unknown command "publsh" (see plughub --help)\n');
    await fails(['init'], 'plughub: missing <name> (see plughub init --help)\n');
    await fails(['run'], 'plughub: missing <name>[@range], <dir> or <file.plg> (see plughub run --help)\n');
    await fails(['init', 'My_Plugin'], 'plughub: invalid plugin name "My_Plugin": must be lowercase\n');
    await fails(['build', '--frobnicate'], /^plughub: build: Unknown option '--frobnicate'/);
  });

  it('publish without a token (401), republish (409), run of a plugin that does not exist', { timeout: 60_000 }, async () => {
    expect((await plughub(['init', 'solo', '--js'], { cwd: root, env })).code).toBe(0);
    const dir = join(root, 'solo');
    await fails(['publish'], /^plughub: cannot publish solo@0\.1\.0 to http:\/\/127\.0\.0\.1:\d+: PUT \S+\/v1\/plugins\/solo\/0\.1\.0 failed: 401 Unauthorized \(E_UNAUTHORIZED: .+\); pass --token TOKEN or set PLUGHUB_TOKEN/, { PLUGHUB_TOKEN: undefined }, dir);
    expect((await plughub(['publish'], { cwd: dir, env })).code).toBe(0);
    await fails(['publish'], /^plughub: cannot publish solo@0\.1\.0 .+ 409 Conflict \(E_VERSION_EXISTS: solo@0\.1\.0 is already published.+\); a published version never changes/, {}, dir);
    await fails(['run', 'missing-plugin'], /^plughub: GET http:\/\/127\.0\.0\.1:\d+\/v1\/plugins\/missing-plugin failed: 404 Not Found \(E_NOT_FOUND: .+\)\n$/);
    await fails(['run', 'solo@^2'], 'plughub: solo: no version matches "^2" (available: 0.1.0)\n');
  });
});
