/**
 * `plughub build --minify / --sourcemap` and what `plughub pack` puts in a
 * package: the size before and after minification, a source map beside the
 * bundle and packed only on request, README.md, CHANGELOG.md and LICENSE
 * packed when the project has them and refused over their limit.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesToStream, readPlg } from '../../../src/core/plg/index.js';
import { bundleSizeNotes } from '../../../src/node/cli/bundle-size.js';
import { cli, inProcessRegistry } from '../../e2e/cli-harness.js';
import { tempDir, writeTree } from '../helpers.js';

const SOURCE = `import { definePlugin } from 'plughub';

/** A greeting, with names long enough for a minifier to shorten. */
function composeTheGreeting(personToGreet: string): string {
  const introductoryWord = 'hello';
  return \`\${introductoryWord}, \${personToGreet}!\`;
}

export default definePlugin({
  execute(ctx: { get(key: string): unknown }) {
    return { greeting: composeTheGreeting(String(ctx.get('who') ?? 'world')) };
  },
});
`;

async function project(files: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir('plughub-cli-');
  await writeTree(dir, {
    'plugin.json': JSON.stringify({ name: 'demo', version: '1.0.0', source: { mode: 'esm', path: 'dist/index.js' } }),
    'src/index.ts': SOURCE,
    ...files,
  });
  return dir;
}

async function packageFiles(path: string): Promise<Map<string, Uint8Array>> {
  return (await readPlg(bytesToStream(new Uint8Array(await readFile(path))))).files;
}

describe('plughub build --minify', () => {
  it('makes the bundle smaller, says how large it was, and the plugin still runs', async () => {
    const dir = await project();
    const plain = await cli(['build', '--json'], { cwd: dir });
    const before = JSON.parse(plain.stdout) as { bytes: number; limit: number };
    expect(before.limit).toBe(10 * 1024 * 1024);
    const minified = await cli(['build', '--minify', '--json'], { cwd: dir });
    const after = JSON.parse(minified.stdout) as { bytes: number; unminifiedBytes: number };
    expect(after.unminifiedBytes).toBe(before.bytes);
    expect(after.bytes).toBeLessThan(before.bytes * 0.8);
    const text = await cli(['build', '--minify'], { cwd: dir });
    expect(text.stdout).toMatch(/^built demo@1\.0\.0: dist\/index\.js \(\d+ B, \d+ B before --minify\)\n$/);
    expect(await readFile(join(dir, 'dist/index.js'), 'utf8')).not.toContain('composeTheGreeting');
    const ran = await cli(['run', '.', '--set', 'who=Ada', '--cache-dir', join(dir, 'cache')], { cwd: dir });
    expect(ran.stdout).toBe('{"greeting":"hello, Ada!"}\n');
  });

  it('warns near and over the registry limit for one file', () => {
    const limit = 10 * 1024 * 1024;
    expect(bundleSizeNotes({ bytes: 1000 }).warnings).toEqual([]);
    expect(bundleSizeNotes({ bytes: limit * 0.9 }).warnings).toEqual([
      "the bundle is near the size a registry accepts: 9.0 MB of the registry's default limit of 10.0 MB for one file (try --minify)",
    ]);
    expect(bundleSizeNotes({ bytes: limit + 1, unminifiedBytes: limit * 2 }).warnings).toEqual([
      "the bundle is too large to publish: 10.0 MB of the registry's default limit of 10.0 MB for one file",
    ]);
  });
});

describe('source maps', () => {
  it('writes <bundle>.map beside the bundle, packs it only with pack --sourcemap, and removes a stale one', async () => {
    const dir = await project();
    const built = await cli(['build', '--sourcemap'], { cwd: dir });
    expect(built.stdout).toMatch(/^built demo@1\.0\.0: dist\/index\.js and dist\/index\.js\.map \(\d+ B\)\n$/);
    const map = JSON.parse(await readFile(join(dir, 'dist/index.js.map'), 'utf8')) as { sources: string[]; sourcesContent: string[] };
    expect(map.sources).toEqual(['../src/index.ts']);
    expect(map.sourcesContent[0]).toBe(SOURCE);
    expect(await readFile(join(dir, 'dist/index.js'), 'utf8')).toMatch(/\/\/# sourceMappingURL=index\.js\.map\n?$/);

    expect((await cli(['pack'], { cwd: dir })).code).toBe(0);
    expect([...(await packageFiles(join(dir, 'demo-1.0.0.plg'))).keys()]).toEqual(['plugin.json', 'dist/index.js']);
    const packed = await cli(['pack', '--sourcemap', '--out', 'with-map.plg'], { cwd: dir });
    expect(packed.stdout).toContain('plugin.json, dist/index.js, dist/index.js.map)');
    expect(new TextDecoder().decode((await packageFiles(join(dir, 'with-map.plg'))).get('dist/index.js.map'))).toBe(
      await readFile(join(dir, 'dist/index.js.map'), 'utf8'),
    );

    expect((await cli(['build'], { cwd: dir })).code).toBe(0);
    expect(await readdir(join(dir, 'dist'))).toEqual(['index.js']);
    const rebuilt = await cli(['pack', '--sourcemap', '--out', 'again.plg'], { cwd: dir });
    expect(rebuilt.stdout).toContain('(built dist/index.js)');
    expect((await packageFiles(join(dir, 'again.plg'))).has('dist/index.js.map')).toBe(true);
  });

  it('keeps --out, --allow-branch and --pack-sourcemap for builds from git', async () => {
    const dir = await project();
    const refused = await cli(['build', '--out', 'x'], { cwd: dir });
    expect(refused).toEqual({ code: 1, stdout: '', stderr: 'plughub: build: --out is for a build from git+<url>#<ref> (see plughub build --help)\n' });
  });
});

describe('README.md, CHANGELOG.md and LICENSE in a package', () => {
  it('packs those the project has (LICENSE.txt as LICENSE), byte for byte', async () => {
    const dir = await project({ 'README.md': '# demo\n', 'CHANGELOG.md': '## 1.0.0\n', 'LICENSE.txt': 'MIT\n', 'NOTES.md': 'not packed\n' });
    const packed = await cli(['pack', '--json'], { cwd: dir });
    expect(JSON.parse(packed.stdout).files).toEqual(['plugin.json', 'CHANGELOG.md', 'LICENSE', 'README.md', 'dist/index.js']);
    const files = await packageFiles(join(dir, 'demo-1.0.0.plg'));
    expect(new TextDecoder().decode(files.get('LICENSE'))).toBe('MIT\n');
    expect(new TextDecoder().decode(files.get('CHANGELOG.md'))).toBe('## 1.0.0\n');
  });

  it('refuses a CHANGELOG over 512 KiB and a LICENSE that is not UTF-8, writing no package', async () => {
    const dir = await project({ 'CHANGELOG.md': 'x'.repeat(512 * 1024 + 1) });
    const big = await cli(['pack'], { cwd: dir });
    expect(big.code).toBe(1);
    expect(big.stderr).toBe(
      `plughub: demo@1.0.0: ${join(dir, 'CHANGELOG.md')} has 524289 bytes, more than the 524288 a package's CHANGELOG.md may have: shorten it\n`,
    );
    await writeFile(join(dir, 'CHANGELOG.md'), '## 1.0.0\n');
    await writeFile(join(dir, 'LICENSE'), new Uint8Array([0x4c, 0x69, 0x63, 0xe9, 0x6e, 0x63, 0x65, 0x0a]));
    const latin1 = await cli(['pack'], { cwd: dir });
    expect(latin1).toMatchObject({ code: 1, stderr: "plughub: LICENSE is not UTF-8 text: a package's LICENSE must be\n" });
    expect(await readdir(dir)).not.toContain('demo-1.0.0.plg');
  });
});

describe('plughub publish --minify / --sourcemap', () => {
  it('publishes the folder built minified, with the map in the package only when asked; refuses them with a .plg', async () => {
    const registry = await inProcessRegistry();
    const env = { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: registry.token };
    const dir = await project();
    const plain = JSON.parse((await cli(['build', '--json'], { cwd: dir })).stdout) as { bytes: number };
    const published = await cli(['publish', '--minify', '--sourcemap', '--json'], { cwd: dir, env });
    expect(published.stderr).toBe('');
    const { url } = JSON.parse(published.stdout) as { url: string };
    const bundle = new Uint8Array(await (await fetch(url)).arrayBuffer());
    expect(bundle.byteLength).toBeLessThan(plain.bytes * 0.8);
    expect(new TextDecoder().decode(bundle)).not.toContain('composeTheGreeting');
    expect(await readFile(join(dir, 'dist/index.js.map'), 'utf8')).toContain('composeTheGreeting');
    const packed = await cli(['pack', '--json'], { cwd: dir });
    expect(JSON.parse(packed.stdout).files).toEqual(['plugin.json', 'dist/index.js']);
    const refused = await cli(['publish', 'demo-1.0.0.plg', '--minify'], { cwd: dir, env });
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: `plughub: ${join(dir, 'demo-1.0.0.plg')} is a package already built: --minify and --sourcemap apply to a folder\n`,
    });
    await registry.close();
  });
});
