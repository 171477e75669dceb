/**
 * Installs the packed package the way a host does (`npm install` of the
 * tarball into an empty project, by `node scripts/install-size.mjs --profile
 * host`, served by the npm cache that `npm ci` filled) and checks what that
 * costs and brings: only the host's dependencies, the size the README states
 * under "## Install", a CLI whose commands that need no toolchain work, and
 * `plughub build` and `plughub serve` that fail with one line naming the
 * missing packages and the npm command that installs them. The author
 * profile (plughub and the build toolchain) costs what the README says and
 * builds a TypeScript plugin. Needs `npm run build` (npm test builds first).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
/** `name@range` of the named optional peers, as the CLI's advice spells them. */
const specs = (...names: string[]) => names.map((name) => `${name}@${pkg.peerDependencies[name]}`).join(' ');
let dir: string;
let project: string;
let measured: Install;

/** What scripts/install-size.mjs measured of one profile's install. */
interface Install {
  bytes: number;
  count: number;
  packages: Record<string, string>;
}

/** Installs a profile of scripts/install-size.mjs into `dir`/`profile` and returns its measure. */
async function install(profile: 'host' | 'author'): Promise<Install> {
  const args = [join(root, 'scripts/install-size.mjs'), '--json', '--profile', profile, '--dir', join(dir, profile)];
  const { stdout } = await exec(process.execPath, args);
  return (JSON.parse(stdout) as Record<string, Install>)[profile] as Install;
}

/** The README's "## Install" section. */
async function installSection(): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Install\n');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
}

/** Runs the installed `plughub` in a project (the host's unless given); resolves to its exit code and output. */
async function plughub(args: string[], cwd = project): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = join(cwd, 'node_modules/.bin/plughub');
  const env = { ...process.env, PLUGHUB_CACHE_DIR: join(dir, 'cache'), PLUGHUB_REGISTRY: '', NO_COLOR: '1' };
  try {
    const { stdout, stderr } = await exec(bin, args, { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plughub-host-install-'));
  project = join(dir, 'host');
  measured = await install('host');
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm install of plughub for a host', () => {
  it('brings plughub and its dependencies only: no rollup, esbuild or hono', () => {
    expect(Object.keys(measured.packages).sort()).toEqual(['plughub', ...Object.keys(pkg.dependencies)].sort());
    expect(measured.count).toBe(Object.keys(pkg.dependencies).length + 1);
  });

  it('costs what the README says under "## Install", within 10%', async () => {
    const stated = /\*\*([\d.]+) MB\*\* in (\d+) packages/.exec(await installSection());
    expect(stated, 'README "## Install" states "**N MB** in N packages"').not.toBeNull();
    const [, megabytes, packages] = stated ?? [];
    const actual = measured.bytes / 1e6;
    expect(
      Math.abs(actual - Number(megabytes)) / actual,
      `README says ${megabytes} MB, the install measures ${actual.toFixed(1)} MB: update README.md`,
    ).toBeLessThanOrEqual(0.1);
    expect(Number(packages)).toBe(measured.count);
  });

  it('has a CLI whose commands that need no toolchain work: --help, and run of a plugin folder with its bundle', async () => {
    const help = await plughub(['--help']);
    expect(help.code).toBe(0);
    expect(`${help.stdout}${help.stderr}`).toMatch(/^ {2}build /m);

    const plugin = join(project, 'plugins/hello');
    await mkdir(plugin, { recursive: true });
    await writeFile(join(plugin, 'plugin.json'), JSON.stringify({ name: 'hello', version: '1.0.0', source: { mode: 'esm', path: 'index.js' } }));
    await writeFile(join(plugin, 'index.js'), "export function execute(ctx) {\n  return { greeting: `hello, ${ctx.get('who')}!` };\n}\n");
    const run = await plughub(['run', './plugins/hello', '--set', 'who=host']);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ greeting: 'hello, host!' });
  });

  it('loads a plugin folder from a Node script through plughub/node', async () => {
    const script = join(project, 'host.mjs');
    await writeFile(
      script,
      `import { createPluginHost } from 'plughub/node';
const host = createPluginHost();
const { loaded } = await host.loadDir('./plugins');
console.log(JSON.stringify({ loaded: loaded.map((p) => p.name), answer: await host.execute('hello', { values: { who: 'script' } }) }));
await host.close();
`,
    );
    const { stdout } = await exec(process.execPath, [script], { cwd: project, env: { ...process.env, PLUGHUB_CACHE_DIR: join(dir, 'cache') } });
    expect(JSON.parse(stdout)).toEqual({ loaded: ['hello'], answer: { greeting: 'hello, script!' } });
  });

  it('says what to install when plughub build needs the toolchain, in one line with no stack trace', async () => {
    const init = await plughub(['init', 'demo', './demo', '--js']);
    expect(init.code).toBe(0);
    const { code, stdout, stderr } = await plughub(['build', './demo']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const toolchain = specs('rollup', '@rollup/plugin-node-resolve', '@rollup/plugin-commonjs', 'rollup-plugin-esbuild', 'esbuild');
    expect(stderr).toBe(
      'plughub: building demo@0.1.0 (plughub build) needs rollup, @rollup/plugin-node-resolve, @rollup/plugin-commonjs, rollup-plugin-esbuild and esbuild, ' +
        `which are not installed (installing plughub brings only what a host needs): npm i -D ${toolchain} in the project that has plughub, ` +
        `or npm i -g ${toolchain} beside a global plughub\n`,
    );
    expect(existsSync(join(project, 'demo/dist'))).toBe(false);
  });

  it('says what to install when plughub serve needs hono, prom-client, marked and sanitize-html, before it creates anything', async () => {
    const { code, stderr } = await plughub(['serve', '--port', '0', '--data', './registry-data']);
    expect(code).toBe(1);
    const all = specs('hono', 'prom-client', 'marked', 'sanitize-html');
    expect(stderr).toBe(
      'plughub: plughub serve needs hono, prom-client, marked and sanitize-html, which are not installed (installing plughub brings only what a host needs): ' +
        `npm i ${all} in the project that has plughub, or npm i -g ${all} beside a global plughub\n`,
    );
    expect(existsSync(join(project, 'registry-data'))).toBe(false);
    const apiOnly = await plughub(['serve', '--port', '0', '--data', './registry-data', '--no-metrics', '--no-pages']);
    expect(apiOnly.stderr).toContain('plughub serve needs hono, which is not installed');
  });

  it('says what to install when plughub host needs hono and prom-client (for /metrics), before it listens', async () => {
    const { code, stderr } = await plughub(['host', '--dir', './plugins', '--port', '0']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'plughub: plughub host needs hono and prom-client, which are not installed (installing plughub brings only what a host needs): ' +
        `npm i ${specs('hono', 'prom-client')} in the project that has plughub, or npm i -g ${specs('hono', 'prom-client')} beside a global plughub\n`,
    );
    const withoutMetrics = await plughub(['host', '--dir', './plugins', '--port', '0', '--no-metrics']);
    expect(withoutMetrics.stderr).toContain('plughub host needs hono, which is not installed');
  });
  it('names an optional package that is installed but fails to load, with its error', async () => {
    const hono = join(project, 'node_modules/hono');
    await mkdir(hono);
    await writeFile(join(hono, 'package.json'), JSON.stringify({ name: 'hono', version: '4.13.19', type: 'module', exports: './index.js' }));
    await writeFile(join(hono, 'index.js'), "throw new Error('a broken install');\n");
    try {
      const { code, stderr } = await plughub(['serve', '--port', '0', '--data', './registry-data', '--no-metrics', '--no-pages']);
      expect(code).toBe(1);
      expect(stderr).toBe('plughub: plughub serve: hono is installed but failed to load: a broken install\n');
      expect(existsSync(join(project, 'registry-data'))).toBe(false);
    } finally {
      await rm(hono, { recursive: true, force: true });
    }
  });
});

describe('npm install of plughub with the build toolchain, for a plugin author', () => {
  let author: string;
  let measuredAuthor: Install;
  beforeAll(async () => {
    author = join(dir, 'author');
    measuredAuthor = await install('author');
  }, 120_000);

  it('costs what the README says under "## Install", within 10%', async () => {
    const section = await installSection();
    const stated = /\(([\d.]+) MB in (\d+) packages with plughub[;)]/.exec(section.slice(section.indexOf('A plugin author')));
    expect(stated, 'README "## Install" states "(N MB in N packages with plughub" for an author').not.toBeNull();
    const [, megabytes, packages] = stated ?? [];
    const actual = measuredAuthor.bytes / 1e6;
    expect(Math.abs(actual - Number(megabytes)) / actual, `README says ${megabytes} MB, the install measures ${actual.toFixed(1)} MB`).toBeLessThanOrEqual(0.1);
    expect(Number(packages)).toBe(measuredAuthor.count);
  });

  it('builds and runs a TypeScript plugin project', async () => {
    expect((await plughub(['init', 'typed', './typed'], author)).code).toBe(0);
    const build = await plughub(['build', './typed'], author);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const run = await plughub(['run', './typed', '--set', 'who=author'], author);
    expect(JSON.parse(run.stdout)).toEqual({ greeting: 'hello, author!', plugin: 'typed@0.1.0' });
  });
});
