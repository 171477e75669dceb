/**
 * The author-side commands in process, without a registry: init, build, pack
 * and run of a folder or a .plg, plus the dispatcher's bad inputs.
 */
import { readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesToStream, readPlg } from '../../../src/core/plg/index.js';
import { cli } from '../../e2e/cli-harness.js';
import { tempDir, writeTree } from '../helpers.js';

async function project(files: Record<string, string>, name = 'demo'): Promise<string> {
  const dir = await tempDir('plughub-cli-');
  await writeTree(dir, {
    'plugin.json': JSON.stringify({ name, version: '1.0.0', source: { mode: 'esm', path: 'dist/index.js' } }),
    ...files,
  });
  return dir;
}

describe('dispatcher', () => {
  it('lists the commands on --help and refuses an unknown one in one line', async () => {
    const cwd = await tempDir();
    const help = await cli(['--help'], { cwd });
    expect(help.code).toBe(0);
    for (const name of ['init', 'build', 'pack', 'publish', 'info', 'search', 'yank', 'run', 'cache']) expect(help.stdout).toContain(`  ${name} `);
    const unknown = await cli(['frobnicate'], { cwd });
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'plughub: unknown command "frobnicate" (see plughub --help)\n' });
  });

  it("prints each command's usage on --help", async () => {
    const cwd = await tempDir();
    for (const name of ['init', 'build', 'pack', 'publish', 'info', 'search', 'yank', 'run', 'cache']) {
      const result = await cli([name, '--help'], { cwd });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^usage: plughub ${name}`));
    }
  });

  it('names the missing argument', async () => {
    const cwd = await tempDir();
    expect((await cli(['init'], { cwd })).stderr).toBe('plughub: missing <name> (see plughub init --help)\n');
    expect((await cli(['run'], { cwd })).stderr).toBe('plughub: missing <name>[@range], <dir> or <file.plg> (see plughub run --help)\n');
    expect((await cli(['info'], { cwd })).stderr).toBe('plughub: missing <name>[@range] (see plughub info --help)\n');
    expect((await cli(['yank'], { cwd })).stderr).toBe('plughub: missing <name>@<version> (see plughub yank --help)\n');
    expect((await cli(['cache'], { cwd })).stderr).toBe('plughub: missing ls, verify or prune (see plughub cache --help)\n');
    expect((await cli(['build', 'a', 'b'], { cwd })).stderr).toBe('plughub: unexpected argument "b" for plughub build (see plughub build --help)\n');
  });
});

describe('plughub init', () => {
  it('creates a TypeScript project that builds and runs', async () => {
    const cwd = await tempDir();
    const created = await cli(['init', 'hello'], { cwd });
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('created hello in hello');
    const dir = join(cwd, 'hello');
    expect((await readdir(dir)).sort()).toEqual(['.gitignore', 'README.md', 'package.json', 'plugin.json', 'src', 'tsconfig.json', 'types']);
    expect(JSON.parse(await readFile(join(dir, 'plugin.json'), 'utf8'))).toMatchObject({
      name: 'hello',
      version: '0.1.0',
      source: { mode: 'esm', path: 'dist/index.js' },
    });
    expect(await readFile(join(dir, 'src/index.ts'), 'utf8')).toContain("import { definePlugin } from 'plughub';");
    const ran = await cli(['run', '.', '--set', 'who=Ada', '--cache-dir', join(cwd, 'cache')], { cwd: dir });
    expect(ran).toMatchObject({ code: 0, stdout: '{"greeting":"hello, Ada!","plugin":"hello@0.1.0"}\n' });
  });

  it('creates a JavaScript project with --js, a scoped name going to a folder without the scope', async () => {
    const cwd = await tempDir();
    expect((await cli(['init', '@acme/greet', '--js', '--json'], { cwd })).code).toBe(0);
    const dir = join(cwd, 'greet');
    expect(await readdir(join(dir, 'src'))).toEqual(['index.js']);
    expect(await readdir(dir)).not.toContain('tsconfig.json');
    expect((await cli(['build'], { cwd: dir })).stdout).toBe('built @acme/greet@0.1.0: dist/index.js (314 B)\n');
    const ran = await cli(['run', './greet', '--set', 'who="42"'], { cwd, env: { PLUGHUB_CACHE_DIR: join(cwd, 'cache') } });
    expect(ran.stdout).toBe('{"greeting":"hello, 42!","plugin":"@acme/greet@0.1.0"}\n');
  });

  it('refuses an invalid name and a non-empty folder', async () => {
    const cwd = await tempDir();
    expect(await cli(['init', 'Hello'], { cwd })).toEqual({ code: 1, stdout: '', stderr: 'plughub: invalid plugin name "Hello": must be lowercase\n' });
    expect((await cli(['init', 'my plugin'], { cwd })).stderr).toBe('plughub: invalid plugin name "my plugin": must not contain spaces\n');
    await writeTree(cwd, { 'full/file.txt': 'x' });
    const full = await cli(['init', 'hello', 'full'], { cwd });
    expect(full.code).toBe(1);
    expect(full.stderr).toBe(`plughub: ${join(cwd, 'full')} is not empty (1 entries); choose another folder: plughub init hello <dir>\n`);
  });
});

describe('plughub build', () => {
  it('inlines npm dependencies (CommonJS ones too) and JSON into one ES module', async () => {
    const dir = await project({
      'src/index.ts': [
        "import leftPad from 'left-pad';",
        "import { shout } from 'shout';",
        "import { suffix } from './suffix';",
        "import config from './config.json';",
        'export async function execute(ctx: { get(key: string): unknown }) {',
        "  return shout(leftPad(String(ctx.get('n')), config.width, '0')) + suffix;",
        '}',
      ].join('\n'),
      'src/suffix.ts': "export const suffix: string = '!';",
      'src/config.json': '{ "width": 4 }',
      'node_modules/left-pad/package.json': JSON.stringify({ name: 'left-pad', main: 'index.js' }),
      'node_modules/left-pad/index.js': 'module.exports = function (s, n, c) { while (s.length < n) s = c + s; return s; };',
      'node_modules/shout/package.json': JSON.stringify({ name: 'shout', type: 'module', exports: { '.': './shout.js' } }),
      'node_modules/shout/shout.js': 'export const shout = (s) => `<${s}>`;',
    });
    const built = await cli(['build', dir, '--json'], { cwd: dir });
    expect(built.code).toBe(0);
    const report = JSON.parse(built.stdout) as { path: string; bytes: number };
    expect(report.path).toBe(join(dir, 'dist/index.js'));
    const bundle = await readFile(report.path, 'utf8');
    expect(bundle).not.toMatch(/\bimport\b|require\(/);
    const ran = await cli(['run', dir, '--set', 'n=7'], { cwd: dir, env: { PLUGHUB_CACHE_DIR: join(dir, '.cache') } });
    expect(ran.stdout).toBe('"<0007>!"\n');
  });

  it('names the file and module of an unresolved import, and the line of a syntax error', async () => {
    const missing = await project({ 'src/index.js': "import x from 'not-installed';\nexport const execute = () => x;" });
    expect((await cli(['build'], { cwd: missing })).stderr).toBe(
      `plughub: demo@1.0.0: build failed: src/index.js imports "not-installed", which cannot be resolved (install it in ${missing}: npm install not-installed)\n`,
    );
    const broken = await project({ 'src/index.ts': 'export const execute = () => {\n  return ;;\n  const = 1;\n};' });
    expect((await cli(['build'], { cwd: broken })).stderr).toMatch(/^plughub: demo@1\.0\.0: build failed: src\/index\.ts:3:9: .+\n$/);
    const host = await project({ 'src/index.ts': "import { createHost } from 'plughub';\nexport const execute = () => createHost;" });
    expect((await cli(['build'], { cwd: host })).stderr).toContain('"createHost" is not available to a plugin bundle');
  });

  it('refuses a folder without plugin.json, an invalid plugin.json and a project without source', async () => {
    const empty = await tempDir();
    expect((await cli(['build'], { cwd: empty })).stderr).toBe(`plughub: ${empty} has no plugin.json (create a plugin project with: plughub init <name>)\n`);
    const invalid = await project({ 'plugin.json': JSON.stringify({ name: 'demo', version: '1.0', source: { mode: 'esm', path: '../x.js' } }) });
    expect((await cli(['build'], { cwd: invalid })).stderr).toBe(
      `plughub: demo: plugin.json is invalid (${join(invalid, 'plugin.json')}): version: "1.0" is not a valid semver version (such as 1.2.3); source.path: must not contain ".." segments\n`,
    );
    const notJson = await project({ 'plugin.json': '{ nope' });
    expect((await cli(['build'], { cwd: notJson })).stderr).toMatch(new RegExp(`^plughub: ${join(notJson, 'plugin.json')} is not valid JSON: `));
    const noSource = await project({});
    expect((await cli(['build'], { cwd: noSource })).stderr).toBe(
      `plughub: demo@1.0.0: ${noSource} has no src/index.ts, src/index.mts, src/index.js or src/index.mjs to build\n`,
    );
  });
});

describe('plughub pack', () => {
  it('builds when the bundle is missing and writes <name>-<version>.plg with plugin.json, bundle and README', async () => {
    const dir = await project({ 'src/index.js': 'export const execute = () => 1;', 'README.md': '# demo\n' });
    const packed = await cli(['pack'], { cwd: dir });
    expect(packed.stdout).toMatch(/^packed demo@1\.0\.0 \(built dist\/index\.js\): demo-1\.0\.0\.plg \(\d+ B; plugin\.json, README\.md, dist\/index\.js\)\n$/);
    const pkg = await readPlg(bytesToStream(new Uint8Array(await readFile(join(dir, 'demo-1.0.0.plg')))));
    expect([...pkg.files.keys()]).toEqual(['plugin.json', 'README.md', 'dist/index.js']);
    expect(new TextDecoder().decode(pkg.bundle)).toContain('const execute = () => 1;');
  });

  it('names a scoped package without @ and /, and writes to --out', async () => {
    const dir = await project({ 'src/index.js': 'export const execute = () => 1;' }, '@acme/hello');
    expect((await cli(['pack', '--json'], { cwd: dir })).stdout).toContain(`"path": "${join(dir, 'acme-hello-1.0.0.plg')}"`);
    expect((await cli(['pack', '--out', 'out.plg'], { cwd: dir })).code).toBe(0);
    expect((await readdir(dir)).filter((file) => file.endsWith('.plg')).sort()).toEqual(['acme-hello-1.0.0.plg', 'out.plg']);
  });

  it('packs a prebuilt bundle without sources, and says which bundle is missing', async () => {
    const prebuilt = await project({ 'dist/index.js': 'export const execute = () => "prebuilt";' });
    expect((await cli(['pack'], { cwd: prebuilt })).code).toBe(0);
    const ran = await cli(['run', './demo-1.0.0.plg'], { cwd: prebuilt, env: { PLUGHUB_CACHE_DIR: join(prebuilt, '.cache') } });
    expect(ran.stdout).toBe('"prebuilt"\n');
    const nothing = await project({});
    expect((await cli(['pack'], { cwd: nothing })).stderr).toBe(
      `plughub: demo@1.0.0: the bundle ${join(nothing, 'dist/index.js')} is missing (no src/index.ts or src/index.js to build it from)\n`,
    );
  });
});

describe('plughub run (local)', () => {
  const source = [
    'export async function execute(ctx) {',
    "  if (ctx.get('fail')) throw new Error('asked to fail');",
    "  if (ctx.get('wait')) await new Promise((resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));",
    "  ctx.log.info('running with', ctx.get('n'));",
    "  return { n: ctx.get('n'), s: ctx.get('s'), o: ctx.get('o'), label: ctx.label ?? null };",
    '}',
  ].join('\n');

  it('parses --set values as JSON when they are JSON, passes --label, logs to stderr', async () => {
    const dir = await project({ 'src/index.js': source });
    const env = { PLUGHUB_CACHE_DIR: join(dir, '.cache') };
    const ran = await cli(['run', '.', '--set', 'n=3', '--set', 's=three', '--set', 'o={"a":[1]}', '--label', 'GET /x'], { cwd: dir, env });
    expect(ran).toMatchObject({ code: 0, stdout: '{"n":3,"s":"three","o":{"a":[1]},"label":"GET /x"}\n' });
    expect(ran.stderr).toMatch(/^\[+demo@1\.0\.0\]+ running with 3\n$/);
  });

  it('exits 1 with the plugin error, a timeout, or a bad --set', async () => {
    const dir = await project({ 'src/index.js': source });
    const env = { PLUGHUB_CACHE_DIR: join(dir, '.cache') };
    expect(await cli(['run', '.', '--set', 'fail=true'], { cwd: dir, env })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'plughub: demo@1.0.0: execute failed: asked to fail\n',
    });
    const timedOut = await cli(['run', '.', '--set', 'wait=1', '--timeout', '50'], { cwd: dir, env });
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toMatch(/^plughub: .*deadline.*\n$/i);
    expect((await cli(['run', '.', '--set', 'novalue'], { cwd: dir, env })).stderr).toBe('plughub: --set "novalue" is not key=value\n');
    expect((await cli(['run', '.', '--timeout', 'soon'], { cwd: dir, env })).stderr).toBe('plughub: --timeout "soon" is not a whole number of at least 1\n');
  });

  it('rebuilds a folder whose sources are newer than its bundle', async () => {
    const dir = await project({ 'src/index.js': 'export const execute = () => "old";' });
    const env = { PLUGHUB_CACHE_DIR: join(dir, '.cache') };
    expect((await cli(['run', '.'], { cwd: dir, env })).stdout).toBe('"old"\n');
    await writeFile(join(dir, 'src/index.js'), 'export const execute = () => "new";');
    const later = new Date(Date.now() + 60_000);
    await utimes(join(dir, 'src/index.js'), later, later);
    expect((await cli(['run', '.'], { cwd: dir, env })).stdout).toBe('"new"\n');
  });

  it('refuses a missing folder or .plg, and a registry spec without a registry', async () => {
    const cwd = await tempDir();
    expect((await cli(['run', './nowhere'], { cwd })).stderr).toBe(`plughub: ${join(cwd, 'nowhere')} does not exist\n`);
    expect((await cli(['run', 'gone.plg'], { cwd })).stderr).toBe(`plughub: ${join(cwd, 'gone.plg')} does not exist\n`);
    await writeFile(join(cwd, 'bad.plg'), 'not a package');
    expect((await cli(['run', './bad.plg'], { cwd })).stderr).toMatch(new RegExp(`^plughub: ${join(cwd, 'bad.plg')}: .+\n$`));
    expect((await cli(['run', 'hello'], { cwd })).stderr).toBe(
      'plughub: cannot run hello: no registry given: pass --registry URL or set PLUGHUB_REGISTRY (or run a folder: plughub run ./hello)\n',
    );
    expect((await cli(['run', 'Hello@1'], { cwd })).stderr).toBe('plughub: invalid plugin spec "Hello@1": plugin name must be lowercase\n');
  });
});
