/**
 * Compatibility on the command line, against a real registry on port 0:
 * `plughub info` shows the resolved version's `engines` and `dependencies`
 * (text and `--json`), and `plughub run --host-version` checks `engines.host`
 * (a registry range skips the versions that host cannot run; a local plugin
 * it cannot run is refused; a version that is not semver is a usage error).
 */
import { describe, expect, it } from 'vitest';
import { cli, inProcessRegistry } from '../../e2e/cli-harness.js';
import { tempDir, writeTree } from '../helpers.js';

/** A plugin project whose execute returns its version, with the given plugin.json fields. */
async function project(name: string, version: string, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await tempDir('plughub-compat-');
  await writeTree(dir, {
    'plugin.json': JSON.stringify({ name, version, source: { mode: 'esm', path: 'dist/index.js' }, ...extra }),
    'src/index.js': `export async function execute() { return ${JSON.stringify(version)}; }\n`,
  });
  return dir;
}

async function published() {
  const registry = await inProcessRegistry();
  const cwd = await tempDir();
  const env = { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: registry.token, PLUGHUB_CACHE_DIR: `${cwd}/cache` };
  const versions: [string, string, Record<string, unknown>][] = [
    ['md-render', '1.2.0', {}],
    ['viewer', '1.0.0', { engines: { host: '^1.0.0' } }],
    ['viewer', '2.0.0', { engines: { host: '^2.0.0' }, dependencies: { 'md-render': '^1.2' } }],
  ];
  for (const [name, version, extra] of versions) {
    expect((await cli(['publish'], { cwd: await project(name, version, extra), env })).code).toBe(0);
  }
  return { cwd, env };
}

describe('plughub info shows compatibility', () => {
  it('prints engines and dependencies of the resolved version, in text and --json', async () => {
    const { cwd, env } = await published();
    const text = await cli(['info', 'viewer'], { cwd, env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\n {2}engines {4}host \^2\.0\.0\n {2}depends on md-render@\^1\.2\n$/);
    const older = await cli(['info', 'viewer@^1'], { cwd, env });
    expect(older.stdout).toMatch(/\n {2}engines {4}host \^1\.0\.0\n {2}depends on nothing\n$/);
    const json = JSON.parse((await cli(['info', 'viewer', '--json'], { cwd, env })).stdout);
    expect(json.resolved).toMatchObject({ version: '2.0.0', engines: { host: '^2.0.0' }, dependencies: { 'md-render': '^1.2' } });
    const plain = JSON.parse((await cli(['info', 'md-render', '--json'], { cwd, env })).stdout);
    expect(plain.resolved).toMatchObject({ engines: {}, dependencies: {} });
    expect((await cli(['info', 'md-render'], { cwd, env })).stdout).toMatch(/\n {2}engines {4}any host\n {2}depends on nothing\n$/);
  });
});

describe('plughub run --host-version', () => {
  it('skips registry versions whose engines.host the host version does not satisfy', async () => {
    const { cwd, env } = await published();
    const one = await cli(['run', 'viewer', '--host-version', '1.4.0'], { cwd, env });
    expect(one).toMatchObject({ code: 0, stdout: '"1.0.0"\n' });
    const none = await cli(['run', 'viewer', '--host-version', '3.0.0'], { cwd, env });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('plughub: viewer@2.0.0 needs host ^2.0.0, this host is 3.0.0; no version matching "latest" runs on it\n');
  });

  it('refuses a local plugin the host version cannot run, and runs it when it can', async () => {
    const dir = await project('local-one', '0.3.0', { engines: { host: '>=2.1' } });
    const refused = await cli(['run', '.', '--host-version', '2.0.0', '--json'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'E_COMPATIBILITY', plugin: 'local-one' });
    expect((await cli(['run', '.', '--host-version', 'v2.1.0'], { cwd: dir })).stdout).toBe('"0.3.0"\n');
  });

  it('is a usage error when it is not a semver version', async () => {
    const dir = await project('local-two', '0.1.0');
    for (const bad of ['2', 'latest', '^1.0.0', '']) {
      const result = await cli(['run', '.', '--host-version', bad], { cwd: dir });
      expect(result, bad).toEqual({
        code: 1,
        stdout: '',
        stderr: `plughub: --host-version must be a semver version such as 1.4.0, not "${bad}" (see plughub run --help)\n`,
      });
    }
  });
});
