/**
 * Runs the built package the way a user does: `node dist/cli.js` scaffolds,
 * builds and runs a plugin, and a plain Node script imports `plughub/node`
 * from dist to load the same plugin folder. Needs `npm run build` (npm test
 * builds first).
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/cli.js');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plughub-built-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ ...process.env, PLUGHUB_CACHE_DIR: join(dir, 'cache'), PLUGHUB_REGISTRY: '' });

describe('the built CLI and library', () => {
  it('prints its commands', async () => {
    const { stdout } = await run(process.execPath, [cli, '--help']);
    for (const command of ['init', 'build', 'pack', 'publish', 'run', 'serve', 'token', 'keys', 'export', 'gc']) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it('scaffolds, builds, packs and runs a plugin, and plughub/node loads it from a script', async () => {
    await run(process.execPath, [cli, 'init', 'smoke', join(dir, 'smoke'), '--js'], { env: env() });
    const { stdout } = await run(process.execPath, [cli, 'run', './smoke', '--set', 'who=dist'], { cwd: dir, env: env() });
    expect(JSON.parse(stdout)).toEqual({ greeting: 'hello, dist!', plugin: 'smoke@0.1.0' });
    await run(process.execPath, [cli, 'pack', './smoke'], { cwd: dir, env: env() });
    const packed = await run(process.execPath, [cli, 'run', './smoke-0.1.0.plg', '--set', 'who=plg'], { cwd: dir, env: env() });
    expect(JSON.parse(packed.stdout)).toEqual({ greeting: 'hello, plg!', plugin: 'smoke@0.1.0' });

    await mkdir(join(dir, 'node_modules'), { recursive: true });
    await symlink(root, join(dir, 'node_modules', 'plughub'), 'dir');
    await cp(join(dir, 'smoke'), join(dir, 'plugins', 'smoke'), { recursive: true });
    await writeFile(
      join(dir, 'host.mjs'),
      `import { createPluginHost } from 'plughub/node';
const host = createPluginHost();
const { loaded, failed } = await host.loadDir('./plugins');
const answer = await host.execute('smoke', { values: { who: 'script' } });
console.log(JSON.stringify({ loaded: loaded.map((p) => p.name), failed: failed.length, answer }));
await host.close();
`,
    );
    const script = await run(process.execPath, ['host.mjs'], { cwd: dir, env: env() });
    expect(JSON.parse(script.stdout)).toEqual({ loaded: ['smoke'], failed: 0, answer: { greeting: 'hello, script!', plugin: 'smoke@0.1.0' } });
  });
});
