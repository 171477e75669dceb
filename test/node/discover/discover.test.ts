/** host.loadDir: discovery of plugin folders and .plg files, validation, dependencies and failure reports. */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPluginLoadError } from '../../../src/core/errors/index.js';
import { manifest, nodeHost, plgBytes, pluginSource, tempDir, writeTree } from '../helpers.js';

/** A plugin folder: plugin.json plus files. */
function folder(name: string, json: unknown, files: Record<string, string> = {}) {
  const tree: Record<string, string> = { [`${name}/plugin.json`]: typeof json === 'string' ? json : JSON.stringify(json) };
  for (const [path, content] of Object.entries(files)) tree[`${name}/${path}`] = content;
  return tree;
}

const host = () => nodeHost();

/** Each failure as `basename → message`, for readable assertions. */
function reasons(failed: Array<{ location: string; error: Error }>) {
  return Object.fromEntries(failed.map((f) => [f.location.split('/').pop()!, f.error.message]));
}

describe('host.loadDir', () => {
  it('loads the good plugins of a mixed directory and reports each bad one with its reason', async () => {
    const base = await tempDir();
    await writeTree(base, {
      ...folder('good', manifest('good'), { 'dist/index.js': pluginSource('good') }),
      ...folder('broken-manifest', { name: 'Bad Name', source: { mode: 'esm', path: '../x.js' } }),
      ...folder('not-json', '{ "name": "x",'),
      ...folder('syntax', manifest('syntax'), { 'dist/index.js': 'export default {' }),
      ...folder('throws', manifest('throws'), { 'dist/index.js': 'throw new Error("missing API key");\nexport default {};' }),
      ...folder('missing-bundle', manifest('missing-bundle')),
      ...folder('no-execute', manifest('no-execute'), { 'dist/index.js': 'export const version = 1;' }),
      'unrelated/readme.md': 'not a plugin folder',
      'notes.txt': 'not a plugin',
      '.hidden/plugin.json': '{}',
    });
    await writeFile(join(base, 'packed.plg'), await plgBytes({ 'plugin.json': JSON.stringify(manifest('packed')), 'dist/index.js': pluginSource('packed') }));
    await writeFile(join(base, 'garbage.plg'), 'this is not gzip');

    const h = await host();
    const { loaded, failed } = await h.loadDir(base);

    expect(loaded.map((p) => p.name)).toEqual(['good', 'packed']);
    expect(loaded[0]!.origin).toEqual({ kind: 'local', location: join(base, 'good') });
    expect(await h.execute('good', { values: { who: 'dir' } })).toEqual({ tag: 'good', who: 'dir', count: 1 });
    expect(await h.get('packed')!.execute()).toMatchObject({ tag: 'packed' });

    for (const f of failed) expect(isPluginLoadError(f.error)).toBe(true);
    const why = reasons(failed);
    expect(Object.keys(why).sort()).toEqual(['broken-manifest', 'garbage.plg', 'missing-bundle', 'no-execute', 'not-json', 'syntax', 'throws']);
    expect(why['broken-manifest']).toMatch(/plugin\.json is invalid .*name: .*version: is required.*source\.path/);
    expect(why['not-json']).toMatch(/not-json\/plugin\.json is not valid JSON/);
    expect(why.syntax).toMatch(/syntax: syntax@1\.0\.0: import failed/);
    expect(why.throws).toMatch(/throws@1\.0\.0: import failed.*missing API key/);
    expect(why['missing-bundle']).toMatch(/missing-bundle@1\.0\.0: the bundle dist\/index\.js named by plugin\.json is missing/);
    expect(why['no-execute']).toMatch(/no-execute@1\.0\.0.*no execute function/);
    expect(why['garbage.plg']).toMatch(/garbage\.plg: .*not gzip-compressed/);
    const syntax = failed.find((f) => f.location.endsWith('syntax'))!.error;
    expect([syntax.plugin, syntax.version]).toEqual(['syntax', '1.0.0']);
    expect(h.get('syntax')).toBeUndefined();
    await h.close();
  });

  it('refuses bundles and manifests that escape their folder through links, and links in the base directory', async () => {
    const base = await tempDir();
    const outside = await tempDir();
    await writeTree(outside, { 'evil.js': pluginSource('evil'), 'plugin.json': JSON.stringify(manifest('outside')) });
    await writeTree(base, folder('escape', manifest('escape')));
    await mkdir(join(base, 'escape', 'dist'));
    await symlink(join(outside, 'evil.js'), join(base, 'escape', 'dist', 'index.js'));
    await mkdir(join(base, 'manifest-link'));
    await symlink(join(outside, 'plugin.json'), join(base, 'manifest-link', 'plugin.json'));
    await symlink(outside, join(base, 'linked-folder'));

    const h = await host();
    const { loaded, failed } = await h.loadDir(base);
    expect(loaded).toEqual([]);
    const why = reasons(failed);
    expect(why.escape).toMatch(/escape@1\.0\.0: the bundle .* resolves to .*evil\.js, outside the plugin folder/);
    expect(why['manifest-link']).toMatch(/is a link to .*, outside the plugin folder/);
    expect(why['linked-folder']).toMatch(/is a symbolic link; loadDir does not follow links/);
  });

  it('loads local dependencies first and reports cycles, missing and failed dependencies', async () => {
    const base = await tempDir();
    const dep = (name: string, deps: Record<string, string>) =>
      folder(name, manifest(name, '1.0.0', { dependencies: deps }), { 'dist/index.js': pluginSource(name) });
    await writeTree(base, {
      ...dep('a-user', { 'z-lib': '^1.0.0' }),
      ...folder('z-lib', manifest('z-lib', '1.2.0'), { 'dist/index.js': pluginSource('z-lib') }),
      ...dep('wants-newer', { 'z-lib': '^2.0.0' }),
      ...dep('wants-remote', { 'not-here': '^1.0.0' }),
      ...dep('on-broken', { broken: '*' }),
      ...folder('broken', manifest('broken'), { 'dist/index.js': 'export default {' }),
      ...dep('x-cycle', { 'y-cycle': '*' }),
      ...dep('y-cycle', { 'x-cycle': '*' }),
    });
    const h = await host();
    const order: string[] = [];
    h.on('loaded', ({ plugin }) => order.push(plugin.name));
    const { loaded, failed } = await h.loadDir(base);
    expect(loaded.map((p) => p.name)).toEqual(['a-user', 'z-lib']);
    expect(order).toEqual(['z-lib', 'a-user']);
    const why = reasons(failed);
    expect(why['wants-newer']).toMatch(/depends on z-lib@\^2\.0\.0, but z-lib@1\.2\.0 is loaded/);
    expect(why['wants-remote']).toMatch(/depends on not-here@\^1\.0\.0, which is not in .* and no registry is configured/);
    expect(why['on-broken']).toMatch(/its dependency broken .* failed to load/);
    expect(why['x-cycle']).toMatch(/dependency cycle x-cycle -> y-cycle -> x-cycle/);
    expect(why['y-cycle']).toMatch(/dependency cycle/);
    expect(why.broken).toMatch(/import failed/);
  });

  it('reports a second plugin of the same name and leaves the first one loaded', async () => {
    const base = await tempDir();
    await writeTree(base, {
      ...folder('one', manifest('same'), { 'dist/index.js': pluginSource('one') }),
      ...folder('two', manifest('same', '2.0.0'), { 'dist/index.js': pluginSource('two') }),
    });
    const h = await host();
    const { loaded, failed } = await h.loadDir(base);
    expect(loaded.map((p) => p.origin)).toEqual([{ kind: 'local', location: join(base, 'one') }]);
    expect(reasons(failed).two).toMatch(/same@2\.0\.0: same is also in .*one; only that one is loaded/);
  });

  it('applies size limits to bundles in folders and to .plg files', async () => {
    const base = await tempDir();
    await writeTree(base, folder('big', manifest('big'), { 'dist/index.js': `${pluginSource('big')}// ${'x'.repeat(2000)}` }));
    await writeFile(
      join(base, 'big-package.plg'),
      await plgBytes({ 'plugin.json': JSON.stringify(manifest('big-package')), 'dist/index.js': pluginSource('x') }),
    );
    const h = await host();
    const { loaded, failed } = await h.loadDir(base, { maxBundleBytes: 1000, plgLimits: { maxPackageBytes: 100 } });
    expect(loaded).toEqual([]);
    const why = reasons(failed);
    expect(why.big).toMatch(/big@1\.0\.0: the bundle .*dist\/index\.js has \d+ bytes, more than 1000/);
    expect(why['big-package.plg']).toMatch(/big-package\.plg: .*100/);
    expect((failed.find((f) => f.location.endsWith('.plg'))!.error.cause as Error).name).toBe('SizeLimitError');
  });

  it('throws when the directory itself cannot be read', async () => {
    const h = await host();
    await expect(h.loadDir(join(await tempDir(), 'nope'))).rejects.toThrow(/ENOENT/);
  });
});
