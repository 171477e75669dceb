/**
 * The registry-side commands in process against a real registry on 127.0.0.1
 * port 0: publish (folder and .plg, a .plg refused before upload, refusals
 * with the registry's message),
 * info, search, yank, run from the registry, and the cache commands.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, inProcessRegistry } from '../../e2e/cli-harness.js';
import { plgBytes, tempDir, writeTree } from '../helpers.js';

/** A plugin project `name@version` whose execute returns `{ version, who }`. */
async function project(name: string, version: string, description = `The ${name} plugin.`): Promise<string> {
  const dir = await tempDir('plughub-cli-');
  await writeTree(dir, {
    'plugin.json': JSON.stringify({ name, version, description, source: { mode: 'esm', path: 'dist/index.js' } }),
    'src/index.js': `export const plugin = ${JSON.stringify(name)};\nexport async function execute(ctx) { return { version: ${JSON.stringify(version)}, who: ctx.get('who') ?? null }; }\n`,
  });
  return dir;
}

async function setup() {
  const registry = await inProcessRegistry();
  const cwd = await tempDir();
  const env = { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: registry.token, PLUGHUB_CACHE_DIR: join(cwd, 'cache') };
  return { registry, cwd, env };
}

describe('plughub publish', () => {
  it('builds, packs and uploads a folder; prints name@version, integrity and URL', async () => {
    const { registry, env } = await setup();
    const dir = await project('hello', '1.0.0');
    const published = await cli(['publish'], { cwd: dir, env });
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(
      new RegExp(
        `^published hello@1\\.0\\.0 to ${registry.url}\\n  integrity  sha256-[A-Za-z0-9+/]+=*\\n  size       \\d+ B \\(package \\d+ B\\)\\n` +
          `  bundle     ${registry.url}/v1/blobs/sha256/[0-9a-f]{64}\\n  document   ${registry.url}/v1/plugins/hello\\n$`,
      ),
    );
    const json = await cli(['publish', dir, '--json', '--registry', registry.url], { cwd: dir, env: { ...env, PLUGHUB_REGISTRY: 'http://127.0.0.1:9' } });
    expect(json.code).toBe(1);
    expect(json.stderr).toContain('hello@1.0.0 is already published');
  });

  it('uploads a .plg file as it is, under a scoped name', async () => {
    const { env, registry } = await setup();
    const dir = await project('@acme/tool', '2.0.0');
    expect((await cli(['pack'], { cwd: dir })).code).toBe(0);
    const published = await cli(['publish', 'acme-tool-2.0.0.plg', '--json'], { cwd: dir, env });
    expect(published.code).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ name: '@acme/tool', version: '2.0.0', document: `${registry.url}/v1/plugins/@acme%2Ftool` });
    const ran = await cli(['run', '@acme/tool@^2', '--set', 'who=you'], { cwd: dir, env });
    expect(ran.stdout).toBe('{"version":"2.0.0","who":"you"}\n');
  });

  it('says why the registry refused: no token (401), a token for another plugin (403), a republish (409)', async () => {
    const { registry, env } = await setup();
    const dir = await project('hello', '1.0.0');
    const base = `${registry.url}/v1/plugins/hello/1.0.0`;
    const noToken = await cli(['publish'], { cwd: dir, env: { ...env, PLUGHUB_TOKEN: undefined } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(
      new RegExp(
        `^plughub: cannot publish hello@1\\.0\\.0 to ${registry.url}: PUT ${base} failed: 401 Unauthorized \\(.+\\); pass --token TOKEN or set PLUGHUB_TOKEN .+\\n$`,
      ),
    );
    const wrong = await cli(['publish', '--token', registry.otherToken], { cwd: dir, env });
    expect(wrong.stderr).toMatch(/failed: 403 Forbidden \(.+\); this token may not publish or yank that plugin\n$/);
    expect((await cli(['publish'], { cwd: dir, env })).code).toBe(0);
    const again = await cli(['publish'], { cwd: dir, env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/failed: 409 Conflict \(E_VERSION_EXISTS: [^)]+\); raise "version" in plugin\.json to publish a new one\n$/);
    expect(again.stderr.split('\n')).toHaveLength(2);
    // The advice is given once: the registry says why, the CLI says what to do.
    expect(again.stderr.match(/never changes/g)).toHaveLength(1);
    expect(again.stderr.match(/raise/g)).toHaveLength(1);
  });

  it('says when the package is larger than the registry accepts (413)', async () => {
    const small = await inProcessRegistry({ maxPackageBytes: 64 });
    const dir = await project('hello', '1.0.0');
    const refused = await cli(['publish', '--registry', small.url, '--token', small.token], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/failed: 413 [A-Za-z ]+ \(E_TOO_LARGE: .+\); the package is larger than the registry accepts\n$/);
  });

  it('refuses a missing registry, a file that is not a package, and an unreachable registry', async () => {
    const { env, cwd } = await setup();
    const dir = await project('hello', '1.0.0');
    expect((await cli(['publish'], { cwd: dir, env: {} })).stderr).toBe('plughub: no registry given: pass --registry URL or set PLUGHUB_REGISTRY\n');
    await writeFile(join(cwd, 'notes.txt'), 'x');
    expect((await cli(['publish', 'notes.txt'], { cwd, env })).stderr).toBe(
      `plughub: ${join(cwd, 'notes.txt')} is not a .plg file (give a plugin project folder or a .plg file)\n`,
    );
    await writeFile(join(cwd, 'broken.plg'), 'not gzip');
    expect((await cli(['publish', 'broken.plg'], { cwd, env })).stderr).toMatch(new RegExp(`^plughub: ${join(cwd, 'broken.plg')}: .+\\n$`));
    const closed = await inProcessRegistry();
    await closed.close();
    const down = await cli(['publish', '--registry', closed.url], { cwd: dir, env });
    expect(down.stderr).toMatch(new RegExp(`^plughub: PUT ${closed.url}/v1/plugins/hello/1\\.0\\.0 failed: registry unreachable .+\\n$`));
  });

  it('checks a .plg locally and uploads nothing when its plugin.json or its bundle is wrong', async () => {
    const { env, cwd } = await setup();
    const source = { mode: 'esm', path: 'index.js' };
    await writeFile(
      join(cwd, 'bad-version.plg'),
      await plgBytes({ 'plugin.json': JSON.stringify({ name: 'hello', version: 'one', source }), 'index.js': 'export default {};' }),
    );
    await writeFile(join(cwd, 'no-bundle.plg'), await plgBytes({ 'plugin.json': JSON.stringify({ name: 'hello', version: '1.0.0', source }) }));
    expect(await cli(['publish', 'bad-version.plg'], { cwd, env })).toEqual({
      code: 1,
      stdout: '',
      stderr: `plughub: ${join(cwd, 'bad-version.plg')}: hello: plugin.json is invalid: version: "one" is not a valid semver version (such as 1.2.3)\n`,
    });
    expect((await cli(['publish', 'no-bundle.plg'], { cwd, env })).stderr).toBe(
      `plughub: ${join(cwd, 'no-bundle.plg')}: hello@1.0.0: plugin.json names the bundle "index.js", which the package does not hold\n`,
    );
    expect((await cli(['search', 'hello'], { cwd, env })).stdout).toMatch(/^no plugins match "hello"/);
  });

  it('shows a progress bar on a terminal only', async () => {
    const { env } = await setup();
    const tty = await cli(['publish'], { cwd: await project('bar', '1.0.0'), env, tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/uploading bar@1\.0\.0 \[#+\] 100%/);
    const piped = await cli(['publish'], { cwd: await project('quiet', '1.0.0'), env });
    expect(piped.stderr).toBe('');
  });
});

describe('plughub info, search and yank', () => {
  async function published() {
    const context = await setup();
    for (const version of ['1.0.0', '1.1.0', '2.0.0-beta.1']) {
      expect((await cli(['publish'], { cwd: await project('hello', version, `Hello ${version}.`), env: context.env })).code).toBe(0);
    }
    expect((await cli(['publish'], { cwd: await project('other-thing', '0.1.0'), env: context.env })).code).toBe(0);
    return context;
  }

  it('info lists versions and tags and resolves a range', async () => {
    const { env, cwd, registry } = await published();
    const text = await cli(['info', 'hello@~1.0'], { cwd, env });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('hello — Hello 1.0.0.\ntags: latest=1.1.0\n');
    expect(text.stdout).toMatch(/VERSION +TAGS +YANKED +PUBLISHED +SIZE\n2\.0\.0-beta\.1 +\S+ +\d+ B\n1\.1\.0 +latest +\S+ +\d+ B\n1\.0\.0 +\S+/);
    expect(text.stdout).toMatch(
      /hello@~1\.0 resolves to 1\.0\.0\n {2}integrity {2}sha256-\S+\n {2}size {7}\d+ B\n {2}published {2}\S+\n {2}bundle {5}http:\/\/127\.0\.0\.1:\d+\/v1\/blobs\/sha256\/[0-9a-f]{64}\n {2}engines {4}any host\n {2}depends on nothing\n$/,
    );
    const json = JSON.parse((await cli(['info', 'hello', '--json'], { cwd, env })).stdout);
    expect(json).toMatchObject({ name: 'hello', range: 'latest', distTags: { latest: '1.1.0' }, resolved: { version: '1.1.0', yanked: false } });
    expect(json.versions.map((v: { version: string }) => v.version)).toEqual(['2.0.0-beta.1', '1.1.0', '1.0.0']);
    const missing = await cli(['info', 'nope'], { cwd, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(new RegExp(`^plughub: nope is not published on ${registry.url} \\(.*404.*\\)\\n$`));
  });

  it('search finds by name and description, with --limit', async () => {
    const { env, cwd } = await published();
    const found = await cli(['search', 'hello'], { cwd, env });
    expect(found.stdout).toMatch(/^NAME +LATEST +DESCRIPTION\nhello +1\.1\.0 +Hello 1\.1\.0\.\n\n1 of 1 matching "hello"\n$/);
    const limited = JSON.parse((await cli(['search', 'plugin', '--limit', '1', '--json'], { cwd, env })).stdout);
    expect(limited.plugins).toHaveLength(1);
    expect((await cli(['search', 'zzz'], { cwd, env })).stdout).toMatch(/^no plugins match "zzz" on /);
    expect((await cli(['search', 'x', '--limit', '0'], { cwd, env })).stderr).toBe('plughub: --limit "0" is not a whole number of at least 1\n');
  });

  it('yank hides a version from ranges, --undo brings it back; an exact version still runs', async () => {
    const { env, cwd } = await published();
    expect((await cli(['yank', 'hello@1.1.0'], { cwd, env })).stdout).toBe('yanked hello@1.1.0: ranges no longer resolve to it\n');
    expect(JSON.parse((await cli(['info', 'hello@^1', '--json'], { cwd, env })).stdout).resolved.version).toBe('1.0.0');
    expect((await cli(['run', 'hello@^1'], { cwd, env })).stdout).toBe('{"version":"1.0.0","who":null}\n');
    expect((await cli(['run', 'hello@1.1.0'], { cwd, env: { ...env, PLUGHUB_CACHE_DIR: join(cwd, 'other-cache') } })).stdout).toBe(
      '{"version":"1.1.0","who":null}\n',
    );
    expect(JSON.parse((await cli(['yank', 'hello@1.1.0', '--undo', '--json'], { cwd, env })).stdout)).toEqual({
      name: 'hello',
      version: '1.1.0',
      yanked: false,
    });
    expect(JSON.parse((await cli(['info', 'hello@^1', '--json'], { cwd, env })).stdout).resolved.version).toBe('1.1.0');
    expect((await cli(['yank', 'hello@^1'], { cwd, env })).stderr).toBe('plughub: "hello@^1" does not name one exact version (write hello@1.2.3)\n');
    expect((await cli(['yank', 'hello@1.0.0'], { cwd, env: { ...env, PLUGHUB_TOKEN: undefined } })).stderr).toMatch(/401 Unauthorized .*; pass --token/);
  });
});

describe('plughub run (registry) and plughub cache', () => {
  it('downloads into the cache, runs offline from it, and the cache commands see it', async () => {
    const { env, cwd, registry } = await setup();
    expect((await cli(['publish'], { cwd: await project('hello', '1.0.0'), env })).code).toBe(0);
    expect((await cli(['run', 'hello', '--set', 'who=Ada'], { cwd, env })).stdout).toBe('{"version":"1.0.0","who":"Ada"}\n');
    await registry.close();
    expect((await cli(['run', 'hello@^1'], { cwd, env })).stdout).toBe('{"version":"1.0.0","who":null}\n');
    const never = await cli(['run', 'never-published'], { cwd, env });
    expect(never.code).toBe(1);
    expect(never.stderr).toMatch(/^plughub: never-published: the registry at http:\/\/127\.0\.0\.1:\d+ is unreachable and this plugin is not cached .+\n$/);

    const ls = await cli(['cache', 'ls'], { cwd, env });
    expect(ls.stdout).toMatch(/^INTEGRITY +SIZE +LAST USED +PLUGIN\nsha256-\S+ +\d+ B +\S+ +hello@1\.0\.0\n\n1 bundle, \d+ B in /);
    const blobs = JSON.parse((await cli(['cache', 'ls', '--json'], { cwd, env })).stdout) as { blobs: Array<{ integrity: string; path?: string }> };
    expect(blobs.blobs).toHaveLength(1);
    expect((await cli(['cache', 'verify'], { cwd, env })).stdout).toBe(`checked 1 bundle in ${join(cwd, 'cache')}: 0 corrupt\n`);

    const dir = join(cwd, 'cache', 'blobs', 'sha256');
    const [file] = await readdir(dir);
    await writeFile(join(dir, file!), `${await readFile(join(dir, file!), 'utf8')}// altered\n`);
    const verified = JSON.parse((await cli(['cache', 'verify', '--json'], { cwd, env })).stdout) as { corrupt: unknown[] };
    expect(verified.corrupt).toHaveLength(1);
    expect((await cli(['cache', 'ls'], { cwd, env })).stdout).toBe(`0 bundles, 0 B in ${join(cwd, 'cache')}\n`);
  });

  it('prunes to a size', async () => {
    const { env, cwd } = await setup();
    for (const name of ['one', 'two']) {
      expect((await cli(['publish'], { cwd: await project(name, '1.0.0'), env })).code).toBe(0);
      expect((await cli(['run', name], { cwd, env })).code).toBe(0);
    }
    expect((await cli(['cache', 'prune'], { cwd, env })).stderr).toBe(
      'plughub: prune needs exactly one of --max-size SIZE (such as 50MB) or --max-bytes N (see plughub cache --help)\n',
    );
    expect((await cli(['cache', 'prune', '--max-size', 'lots'], { cwd, env })).stderr).toBe(
      'plughub: --max-size "lots" is not a size (examples: 1048576, 512KB, 50MB, 1GB)\n',
    );
    expect((await cli(['cache', 'prune', '--max-size', '1MB'], { cwd, env })).stdout).toMatch(/^removed 0 bundles \(0 B\); \d+ B left in /);
    const pruned = JSON.parse((await cli(['cache', 'prune', '--max-bytes', '0', '--json'], { cwd, env })).stdout);
    expect(pruned).toMatchObject({ maxBytes: 0, remainingBytes: 0 });
    expect(pruned.removed).toHaveLength(2);
  });
});
