/**
 * `plughub build git+<url>#<ref>` against real repositories the tests make
 * with git (init, commit, tag, a lockfile with no dependencies, so npm ci
 * works offline): a tag or a full commit builds and packs with `origin`
 * recorded, a branch is refused without --allow-branch, bad refs and a
 * missing lockfile are refused clearly, the temporary folder is removed on
 * success, failure and SIGINT, and the origin reaches the registry's document.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bytesToStream, readPlg } from '../../../src/core/plg/index.js';
import { cli, inProcessRegistry } from '../../e2e/cli-harness.js';
import { tempDir, writeTree } from '../helpers.js';

const SOURCE = `import { definePlugin } from 'plughub';
export default definePlugin({ execute: (ctx) => ({ greeting: \`hello, \${ctx.get('who') ?? 'world'}!\` }) });
`;
const LOCKFILE = JSON.stringify({
  name: 'hello',
  version: '0.1.0',
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name: 'hello', version: '0.1.0' } },
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();
}

/** A repository holding the plugin hello@0.1.0 (tag v0.1.0, annotated) on branch main; returns its folder and the tagged commit. */
async function repository(files: Record<string, string> = {}): Promise<{ dir: string; commit: string }> {
  const dir = await tempDir('plughub-git-repo-');
  await writeTree(dir, {
    'plugin.json': JSON.stringify({ name: 'hello', version: '0.1.0', description: 'Says hello.', source: { mode: 'esm', path: 'dist/index.js' } }),
    'package.json': JSON.stringify({ name: 'hello', version: '0.1.0', private: true, type: 'module' }),
    'package-lock.json': LOCKFILE,
    'src/index.js': SOURCE,
    'README.md': '# hello\n',
    LICENSE: 'MIT\n',
    ...files,
  });
  git(dir, 'init', '--quiet');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--message', 'hello 0.1.0');
  git(dir, 'tag', '--annotate', 'v0.1.0', '--message', 'v0.1.0');
  return { dir, commit: git(dir, 'rev-parse', 'HEAD') };
}

/** The environment the CLI (and so git and npm) runs in: no network for npm, a home of its own. */
async function environment(): Promise<Record<string, string | undefined>> {
  const home = await tempDir('plughub-git-home-');
  return { PATH: process.env.PATH, HOME: home, npm_config_offline: 'true', npm_config_cache: join(home, 'npm-cache'), GIT_CONFIG_NOSYSTEM: '1' };
}

/** Whether a process runs: `gone` once reaped, `zombie` when killed but not yet reaped (its parent ended). */
async function processState(pid: number): Promise<'running' | 'zombie' | 'gone'> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return 'gone';
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z') ? 'zombie' : 'running';
}

async function gitTemps(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('plughub-git-') && !/^plughub-git-(repo|home)-/.test(name));
}

describe('plughub build git+file://…#ref', () => {
  it('builds a tag into the current folder, records the origin, and removes its temporary folder', async () => {
    const { dir: repo, commit } = await repository();
    const cwd = await tempDir();
    const env = await environment();
    const temps = await gitTemps();
    const built = await cli(['build', `git+file://${repo}#v0.1.0`], { cwd, env });
    expect(built.stderr).toBe(
      `plughub build: fetching file://${repo}#v0.1.0\nplughub build: installing dependencies: npm ci --ignore-scripts\nplughub build: building hello@0.1.0 at ${commit.slice(0, 12)}\n`,
    );
    expect(built.stdout).toMatch(
      new RegExp(
        `^built hello@0\\.1\\.0 from file://${repo} at ${commit} \\(v0\\.1\\.0\\)\\n  bundle   hello-0\\.1\\.0\\.js \\(\\d+ B\\)\\n  package  hello-0\\.1\\.0\\.plg \\(\\d+ B; plugin\\.json, LICENSE, README\\.md, dist/index\\.js\\)\\n$`,
      ),
    );
    expect((await readdir(cwd)).sort()).toEqual(['hello-0.1.0.js', 'hello-0.1.0.plg']);
    const plg = await readPlg(bytesToStream(new Uint8Array(await readFile(join(cwd, 'hello-0.1.0.plg')))));
    expect(plg.manifestJson.origin).toEqual({ type: 'git', url: `file://${repo}`, commit, ref: 'v0.1.0' });
    expect(plg.manifestJson.description).toBe('Says hello.');
    expect(new TextDecoder().decode(plg.bundle)).toBe(await readFile(join(cwd, 'hello-0.1.0.js'), 'utf8'));
    expect(await gitTemps()).toEqual(temps);
    const ran = await cli(['run', 'hello-0.1.0.plg', '--set', 'who=Ada', '--cache-dir', join(cwd, 'cache')], { cwd });
    expect(ran.stdout).toBe('{"greeting":"hello, Ada!"}\n');
  });

  it('builds a full commit hash into --out with --minify and a source map, packed on request', async () => {
    const { dir: repo, commit } = await repository();
    const cwd = await tempDir();
    const built = await cli(['build', `git+file://${repo}#${commit}`, '--out', 'out', '--minify', '--pack-sourcemap', '--json'], {
      cwd,
      env: await environment(),
    });
    expect(built.code).toBe(0);
    const result = JSON.parse(built.stdout);
    expect(result).toMatchObject({
      name: 'hello',
      version: '0.1.0',
      origin: { type: 'git', url: `file://${repo}`, commit },
      path: resolve(cwd, 'out/hello-0.1.0.js'),
      sourcemap: resolve(cwd, 'out/hello-0.1.0.js.map'),
      package: { path: resolve(cwd, 'out/hello-0.1.0.plg'), files: ['plugin.json', 'LICENSE', 'README.md', 'dist/hello-0.1.0.js.map', 'dist/index.js'] },
    });
    expect(result.origin.ref).toBeUndefined();
    expect(result.bytes).toBeLessThan(result.unminifiedBytes);
    expect((await readdir(join(cwd, 'out'))).sort()).toEqual(['hello-0.1.0.js', 'hello-0.1.0.js.map', 'hello-0.1.0.plg']);
  });

  it('builds a commit that is no branch or tag tip from a server that will not send it alone (protocol v0)', async () => {
    const { dir: repo, commit: first } = await repository();
    await writeTree(repo, { 'README.md': '# hello, again\n' });
    git(repo, 'commit', '--quiet', '--all', '--message', 'a newer README');
    const cwd = await tempDir();
    const env = { ...(await environment()), GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'protocol.version', GIT_CONFIG_VALUE_0: '0' };
    const built = await cli(['build', `git+file://${repo}#${first}`, '--json'], { cwd, env });
    expect(built.code).toBe(0);
    expect(JSON.parse(built.stdout).origin).toEqual({ type: 'git', url: `file://${repo}`, commit: first });
    const plg = await readPlg(bytesToStream(new Uint8Array(await readFile(join(cwd, 'hello-0.1.0.plg')))));
    expect(new TextDecoder().decode(plg.files.get('README.md'))).toBe('# hello\n');
  });

  it('refuses a branch unless --allow-branch, and says so when it builds one', async () => {
    const { dir: repo, commit } = await repository();
    const cwd = await tempDir();
    const env = await environment();
    const refused = await cli(['build', `git+file://${repo}#main`], { cwd, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `plughub: file://${repo}#main: main is a branch, which moves, so this build could not be repeated: give a tag or a full commit hash, or pass --allow-branch\n`,
    );
    expect(await readdir(cwd)).toEqual([]);
    const allowed = await cli(['build', `git+file://${repo}#main`, '--allow-branch'], { cwd, env });
    expect(allowed.stdout).toContain(`at ${commit} (main) (a branch: this build may not be repeatable)\n`);
    const plg = await readPlg(bytesToStream(new Uint8Array(await readFile(join(cwd, 'hello-0.1.0.plg')))));
    expect(plg.manifestJson.origin).toEqual({ type: 'git', url: `file://${repo}`, commit, ref: 'main' });
  });

  it('refuses bad refs and URLs before running anything, and refs the repository lacks', async () => {
    const { dir: repo } = await repository();
    const cwd = await tempDir();
    const env = await environment();
    const temps = await gitTemps();
    const cases: [string, string][] = [
      [`git+file://${repo}`, `plughub: "git+file://${repo}": say which tag or commit to build: git+file://${repo}#v1.0.0 (or #<full commit hash>)\n`],
      [`git+file://${repo}#--upload-pack=touch pwned`, `plughub: "git+file://${repo}": the ref "--upload-pack=touch pwned" starts with "-"\n`],
      [`git+file://${repo}#v1..2`, `plughub: "git+file://${repo}": the ref "v1..2" is not a valid git ref name\n`],
      [`git+ext::sh -c touch% pwned#v1`, `plughub: "git+ext::sh -c touch% pwned": build from git+https://, git+ssh:// or git+file:// URLs\n`],
      [`git+ssh://-oProxyCommand=touch%20pwned/x#v1`, `plughub: "git+ssh://-oProxyCommand=touch%20pwned/x": the host is missing or invalid\n`],
      [`git+file://${repo}#v9.9.9`, `plughub: file://${repo}#v9.9.9: the repository has no tag or branch named v9.9.9\n`],
      [`git+file://${repo}#abc1234`, `plughub: file://${repo}#abc1234: give the full commit hash (40 hex digits), not an abbreviation\n`],
      [`git+file://${repo}#${'0'.repeat(40)}`, `plughub: file://${repo}#${'0'.repeat(40)}: the repository has no commit ${'0'.repeat(40)}\n`],
    ];
    for (const [spec, message] of cases) {
      const result = await cli(['build', spec], { cwd, env });
      expect(result.code, spec).toBe(1);
      expect(
        result.stderr
          .split('\n')
          .filter((line) => !line.startsWith('plughub build: '))
          .join('\n'),
        spec,
      ).toBe(message);
    }
    expect(await readdir(cwd)).toEqual([]);
    expect(await gitTemps()).toEqual(temps);
  });

  it('never prints the credentials of a URL, even when git fails on it', async () => {
    const cwd = await tempDir();
    const result = await cli(['build', 'git+https://ada:s3cret-token@127.0.0.1:9/acme/hello.git#v0.1.0'], { cwd, env: await environment() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('plughub: git ls-remote https://127.0.0.1:9/acme/hello.git: exited with code 128');
    expect(result.stderr).not.toContain('s3cret-token');
    expect(result.stderr).not.toContain('ada');
    const scp = await cli(['build', 'git+ssh://git@example.com:acme/hello.git#v1'], { cwd });
    expect(scp.stderr).toBe(
      'plughub: "git+ssh://git@example.com:acme/hello.git" is not a valid URL (write git+ssh://git@host/owner/repo.git, with a "/" where scp-like URLs have ":")\n',
    );
  });

  it('refuses a project with package.json but no lockfile, and one with no plugin.json', async () => {
    const cwd = await tempDir();
    const env = await environment();
    const { dir: noLock } = await repository();
    git(noLock, 'rm', '--quiet', 'package-lock.json');
    git(noLock, 'commit', '--quiet', '--message', 'no lockfile');
    git(noLock, 'tag', 'v0.1.1');
    const result = await cli(['build', `git+file://${noLock}#v0.1.1`], { cwd, env });
    expect(result.stderr).toContain(
      `plughub: file://${noLock}#v0.1.1: the project has a package.json but no package-lock.json: a build from git installs exactly what the lockfile says (commit one made by npm install)\n`,
    );
    git(noLock, 'rm', '--quiet', 'plugin.json');
    git(noLock, 'commit', '--quiet', '--message', 'no manifest');
    git(noLock, 'tag', 'v0.1.2');
    const none = await cli(['build', `git+file://${noLock}#v0.1.2`], { cwd, env });
    expect(none.stderr).toContain(`plughub: file://${noLock}#v0.1.2: the repository has no plugin.json at its root\n`);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('publishes a package built from git, and the registry document shows its origin', async () => {
    const { dir: repo, commit } = await repository();
    const cwd = await tempDir();
    const registry = await inProcessRegistry();
    const env = { ...(await environment()), PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: registry.token };
    expect((await cli(['build', `git+file://${repo}#v0.1.0`], { cwd, env })).code).toBe(0);
    expect((await cli(['publish', 'hello-0.1.0.plg'], { cwd, env })).code).toBe(0);
    const document = (await (await fetch(`${registry.url}/v1/plugins/hello`)).json()) as { versions: Record<string, any> };
    expect(document.versions['0.1.0'].manifest.origin).toEqual({ type: 'git', url: `file://${repo}`, commit, ref: 'v0.1.0' });
    expect(Object.keys(document.versions['0.1.0'].files)).toEqual(['README.md', 'LICENSE']);
    expect(await (await fetch(`${registry.url}/v1/plugins/hello/0.1.0/files/README.md`)).text()).toBe('# hello\n');
    const info = await cli(['info', 'hello'], { cwd, env });
    expect(info.stdout).toContain(`\n  built from file://${repo} at ${commit} (v0.1.0)\n`);
    const json = JSON.parse((await cli(['info', 'hello', '--json'], { cwd, env })).stdout);
    expect(json.resolved.origin).toEqual({ type: 'git', url: `file://${repo}`, commit, ref: 'v0.1.0' });
  });

  it('on SIGINT ends npm and removes its temporary folder', async () => {
    const { dir: repo } = await repository();
    const cwd = await tempDir();
    const temp = await tempDir('plughub-git-tmp-');
    const bin = await tempDir('plughub-git-bin-');
    const pidFile = join(bin, 'npm.pid');
    // An npm that hangs, so the build is interrupted while it installs.
    await writeTree(bin, { npm: `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n` });
    await chmod(join(bin, 'npm'), 0o755);
    const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, resolve('src/node/cli/main.ts'), 'build', `git+file://${repo}#v0.1.0`], {
      cwd,
      env: { ...(await environment()), PATH: `${bin}:${process.env.PATH}`, TMPDIR: temp },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    await new Promise<void>((done, fail) => {
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('installing dependencies')) done();
      });
      child.once('exit', () => fail(new Error(`the build ended before it installed: ${stderr}`)));
    });
    while (!(await readFile(pidFile, 'utf8').catch(() => '')).endsWith('\n')) await new Promise((done) => setImmediate(done));
    const npmPid = Number((await readFile(pidFile, 'utf8')).trim());
    expect((await readdir(temp)).filter((name) => name.startsWith('plughub-git-'))).toHaveLength(1);
    child.kill('SIGINT');
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect(signal ?? code).toBe('SIGINT');
    expect((await readdir(temp)).filter((name) => name.startsWith('plughub-git-'))).toEqual([]);
    expect(await processState(npmPid)).not.toBe('running');
  }, 30_000);
});
