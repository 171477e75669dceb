/**
 * The README walkthrough, executed as written: its `sh` blocks run line by
 * line through DocShell (the CLI through tsx from the sources, servers on
 * free ports instead of 4873 and 8080, `npm link plughub` replaced by a
 * package pointing at the sources), and the files it says to save
 * (`host.mjs`, the page's `main.js` and `index.html`) are taken from the
 * README itself. The outputs the README shows are checked too, and the page
 * it bundles is served. Then the CLI's bad inputs, as a user meets them: one
 * line on stderr, exit code 1.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocShell } from './docs-interpreter.js';
import { parseDoc, type Fence } from './docs-markdown.js';
import { ROOT, childEnv, plughub, startServer, type RunningServer } from './spawn.js';

/** The fences of the README's "## Walkthrough" section, in order. */
async function walkthrough(): Promise<Fence[]> {
  const readme = parseDoc('README.md', await readFile(join(ROOT, 'README.md'), 'utf8'));
  const fences = readme.fences.filter((fence) => fence.section === 'Walkthrough');
  expect(fences.length, 'README.md has a "## Walkthrough" section with blocks').toBeGreaterThan(0);
  return fences;
}

describe('the README walkthrough', () => {
  let root: string;
  let shell: DocShell | undefined;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'plughub-walkthrough-'));
  });

  afterAll(async () => {
    await shell?.close();
    await rm(root, { recursive: true, force: true });
  }, 30_000);

  it('runs word for word: serve, token, init, build, publish, run, a Node host, a plugin serving routes and a page, in TypeScript and JavaScript', {
    timeout: 180_000,
  }, async () => {
    const fences = await walkthrough();
    shell = new DocShell(root);
    for (const fence of fences) {
      if (fence.saveAs) await shell.save(fence.saveAs, fence.body);
      else if (fence.language === 'sh') await shell.runBlock(fence.body);
    }
    const { outputs, variables } = shell;
    const section = fences.map((fence) => fence.body).join('\n');
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const shown = fences.filter((fence) => fence.language === 'json' && !fence.saveAs).map((fence) => fence.body.trim());
    const registry = shell.server(4873)!;

    expect(registry.banner[0]).toMatch(/^created admin token [0-9a-f]+ for .+plughub-data \(shown only this once\):$/);
    expect(registry.banner[1]).toMatch(/^plh_/);
    expect(registry.banner[2]).toMatch(/^created signing key [0-9a-f]{64} for .+plughub-data \(registry plughub:[0-9a-f]{64}\)$/);
    expect(registry.banner[3]).toBe(`listening on http://127.0.0.1:${registry.port}`);
    expect(section).toMatch(/^created admin token .+\nplh_…\ncreated signing key .+\nlistening on http:\/\/127\.0\.0\.1:4873$/m);
    expect(variables.get('PLUGHUB_TOKEN')).toMatch(/^plh_[A-Za-z0-9_-]{43}$/);
    expect(variables.get('PLUGHUB_REGISTRY')).toBe(`http://127.0.0.1:${registry.port}`);

    expect(outputs.get('plughub init hello')!.stdout).toContain(
      'created hello in hello: plugin.json, package.json, README.md, .gitignore, src/index.ts, tsconfig.json',
    );
    expect(outputs.get('plughub init greet --js')!.stdout).toContain('created greet in greet: plugin.json, package.json, README.md, .gitignore, src/index.js');
    expect(outputs.get('plughub build')!.stdout).toBe('built greet@0.1.0: dist/index.js (314 B)\n');
    expect(readme).toContain('`built hello@0.1.0: dist/index.js (314 B)`');
    expect(outputs.get('plughub publish')!.stdout).toMatch(
      new RegExp(`^published greet@0\\.1\\.0 to http://127\\.0\\.0\\.1:${registry.port}\\n  integrity  sha256-`),
    );

    const hello = outputs.get('plughub run hello --set who=Ada')!.stdout.trim();
    const greet = outputs.get('plughub run greet@^0.1 --set who=Grace')!.stdout.trim();
    const host = outputs.get('node host.mjs')!.stdout.trim();
    expect(hello).toBe('{"greeting":"hello, Ada!","plugin":"hello@0.1.0"}');
    expect(greet).toBe('{"greeting":"hello, Grace!","plugin":"greet@0.1.0"}');
    expect(host).toBe('{"hello":{"greeting":"hello, Node!","plugin":"hello@0.1.0"},"greet":{"greeting":"hello, a host!","plugin":"greet@0.1.0"}}');
    const service = shell.server(8081)!;
    const route = outputs.get(`curl http://127.0.0.1:${service.port}/api/plugin/notes/7`)!.stdout.trim();
    expect(route).toBe('{"note":"7","label":"notes.get"}');
    expect(service.banner[0]).toBe(`listening on http://127.0.0.1:${service.port}`);
    expect(service.banner[1]).toMatch(/^127\.0\.0\.1 - - \[.+\] "GET \/api\/plugin\/notes\/7 HTTP\/1\.1" 200 32 "-" "curl\/[^"]+"$/);
    expect(shown).toEqual([hello, greet, host, route]);

    const info = await plughub(['info', 'hello'], { cwd: root, env: shell.env });
    expect(info.stdout).toMatch(/\n0\.1\.0 +latest +\S+ +314 B\n/);

    const page = `http://127.0.0.1:${shell.server(8080)!.port}`;
    expect(await (await fetch(`${page}/`)).text()).toBe(`${fences.find((fence) => fence.saveAs === 'index.html')!.body}\n`);
    const app = await (await fetch(`${page}/app.js`)).text();
    expect(app).toContain('createPluginHost');
    expect(app, 'the page bundle imports nothing from Node').not.toMatch(/from\s*["']node:/);
    expect(readme).toContain('`{"greeting":"hello, a page!","plugin":"hello@0.1.0"}`');
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
    await fails(
      ['publish'],
      /^plughub: cannot publish solo@0\.1\.0 to http:\/\/127\.0\.0\.1:\d+: PUT \S+\/v1\/plugins\/solo\/0\.1\.0 failed: 401 Unauthorized \(E_UNAUTHORIZED: .+\); pass --token TOKEN or set PLUGHUB_TOKEN/,
      { PLUGHUB_TOKEN: undefined },
      dir,
    );
    expect((await plughub(['publish'], { cwd: dir, env })).code).toBe(0);
    await fails(
      ['publish'],
      /^plughub: cannot publish solo@0\.1\.0 .+ 409 Conflict \(E_VERSION_EXISTS: solo@0\.1\.0 is already published, and a published version never changes\); raise "version" in plugin\.json to publish a new one\n$/,
      {},
      dir,
    );
    await fails(['run', 'missing-plugin'], /^plughub: GET http:\/\/127\.0\.0\.1:\d+\/v1\/plugins\/missing-plugin failed: 404 Not Found \(E_NOT_FOUND: .+\)\n$/);
    await fails(['run', 'solo@^2'], 'plughub: solo: no version matches "^2" (available: 0.1.0)\n');
  });
});
