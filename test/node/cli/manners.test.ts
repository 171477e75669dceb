/**
 * The CLI's manners, in process with captured output: help with no
 * arguments is a mistake (stderr, exit 1) and asked for it is an answer
 * (stdout, exit 0); `-v`, `--version` and `version`; `help <command>`; and
 * under `--json` every failure prints one JSON error object on stdout, in
 * the registry's shape, and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { cli, inProcessRegistry } from '../../e2e/cli-harness.js';
import { commands } from '../../../src/node/cli/commands/index.js';
import { tempDir, writeTree } from '../helpers.js';

describe('help and version', () => {
  it('plughub with no arguments prints the help on stderr and exits 1', async () => {
    const result = await cli([], { cwd: await tempDir() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^usage: plughub <command> \[options\]\n/);
  });

  it('--help, -h and help print it on stdout and exit 0; it lists --version and --json', async () => {
    const cwd = await tempDir();
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const result = await cli(argv, { cwd });
      expect(result, argv.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^usage: plughub <command> \[options\]\n/);
      expect(result.stdout).toContain('-v, --version');
      expect(result.stdout).toContain('--json');
      for (const command of commands) {
        expect(result.stdout.split('\n').some((line) => line.startsWith(`  ${command.name} `) && line.endsWith(`  ${command.summary}`))).toBe(true);
      }
    }
  });

  it('-v, --version and version print the version alone', async () => {
    const cwd = await tempDir();
    const outputs = await Promise.all([['-v'], ['--version'], ['version']].map((argv) => cli(argv, { cwd })));
    for (const result of outputs) {
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?\n$/);
    }
    expect(new Set(outputs.map((result) => result.stdout)).size).toBe(1);
  });

  it('help <command> prints that command’s usage, like <command> --help', async () => {
    const cwd = await tempDir();
    for (const command of commands) {
      const help = await cli(['help', command.name], { cwd });
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toBe((await cli([command.name, '--help'], { cwd })).stdout);
      expect(help.stdout).toMatch(new RegExp(`^usage: plughub ${command.name}`));
    }
  });

  it('help of an unknown command is a clear error', async () => {
    const result = await cli(['help', 'pubish'], { cwd: await tempDir() });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'plughub: unknown command "pubish" (see plughub --help)\n' });
  });
});

/** The one JSON error object a failed `--json` command printed, after checking there is nothing else on stdout. */
function jsonError(stdout: string): Record<string, unknown> {
  const parsed = JSON.parse(stdout) as { error: Record<string, unknown> };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(parsed.error.code).toMatch(/^E_[A-Z_]+$/);
  expect(typeof parsed.error.message).toBe('string');
  return parsed.error;
}

describe('errors under --json', () => {
  it('a usage error of every command that takes --json is a JSON error on stdout, the line on stderr, exit 1', async () => {
    const cwd = await tempDir();
    const withJson = commands.filter((command) => command.usage.includes('--json'));
    expect(withJson.map((command) => command.name)).toEqual(expect.arrayContaining(['info', 'search', 'publish', 'run', 'cache', 'build', 'pack']));
    for (const command of withJson) {
      const result = await cli([command.name, '--json', '--no-such-option'], { cwd });
      expect(result.code, command.name).toBe(1);
      const error = jsonError(result.stdout);
      expect(error).toMatchObject({ code: 'E_USAGE' });
      expect(error.message).toContain("'--no-such-option'");
      expect(result.stderr).toBe(`plughub: ${error.message}\n`);
    }
  });

  it('an unknown command under --json is a JSON error too', async () => {
    const result = await cli(['nope', '--json'], { cwd: await tempDir() });
    expect(result.code).toBe(1);
    expect(jsonError(result.stdout)).toEqual({ code: 'E_USAGE', message: 'unknown command "nope" (see plughub --help)' });
  });

  it('--json may come before the command, as with npm', async () => {
    const before = await cli(['--json', 'info'], { cwd: await tempDir() });
    const after = await cli(['info', '--json'], { cwd: await tempDir() });
    expect(before).toEqual(after);
    expect(jsonError(before.stdout)).toMatchObject({ code: 'E_USAGE' });
    const unknown = await cli(['--json', 'nope'], { cwd: await tempDir() });
    expect(jsonError(unknown.stdout)).toEqual({ code: 'E_USAGE', message: 'unknown command "nope" (see plughub --help)' });
  });

  it('a registry error carries the plugin, URL, status and the registry’s code, and the partial answer is not printed', async () => {
    const registry = await inProcessRegistry();
    const cwd = await tempDir();
    const env = { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: registry.token };
    const missing = await cli(['info', 'nope', '--json'], { cwd, env });
    expect(missing.code).toBe(1);
    expect(jsonError(missing.stdout)).toEqual({
      code: 'E_REGISTRY',
      message: expect.stringMatching(/^nope is not published on /),
      plugin: 'nope',
      url: `${registry.url}/v1/plugins/nope`,
      status: 404,
      serverCode: 'E_NOT_FOUND',
    });
    const dir = await tempDir();
    await writeTree(dir, {
      'plugin.json': JSON.stringify({ name: 'hello', version: '1.0.0', source: { mode: 'esm', path: 'dist/index.js' } }),
      'src/index.js': 'export async function execute() { return 1; }\n',
    });
    expect((await cli(['publish', '--json'], { cwd: dir, env })).code).toBe(0);
    // info prints the versions and then fails on the range: under --json only the error is printed.
    const unresolved = await cli(['info', 'hello@^9', '--json'], { cwd, env });
    expect(unresolved.code).toBe(1);
    expect(jsonError(unresolved.stdout)).toMatchObject({ code: 'E_RESOLVE', plugin: 'hello' });
    const again = await cli(['publish', '--json'], { cwd: dir, env });
    expect(jsonError(again.stdout)).toMatchObject({ code: 'E_REGISTRY', plugin: 'hello', version: '1.0.0', status: 409, serverCode: 'E_VERSION_EXISTS' });
  });

  it('run takes --json: the result on success, a JSON error when the plugin throws', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'plugin.json': JSON.stringify({ name: 'thrower', version: '1.0.0', source: { mode: 'esm', path: 'dist/index.js' } }),
      'src/index.js': "export async function execute(ctx) { if (ctx.get('fail')) throw new Error('asked to fail'); return { ok: true }; }\n",
    });
    const ok = await cli(['run', '.', '--json'], { cwd: dir });
    expect(ok).toMatchObject({ code: 0, stdout: '{"ok":true}\n' });
    const failed = await cli(['run', '.', '--json', '--set', 'fail=true'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(jsonError(failed.stdout)).toMatchObject({ code: 'E_EXECUTE', plugin: 'thrower', message: expect.stringContaining('asked to fail') });
  });
});
