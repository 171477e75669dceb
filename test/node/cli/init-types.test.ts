/**
 * A project `plughub init` creates type-checks as written, with no install,
 * no node_modules and no network: it carries the plugin API's declarations
 * (types/plughub.d.ts), generated from plughub's own types by
 * scripts/build-plugin-types.mjs into src/node/cli/plugin-types.ts, and its
 * tsconfig maps `plughub` to them. Checked with the repository's TypeScript
 * in a temporary folder outside the repository.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PLUGIN_TYPES } from '../../../src/node/cli/plugin-types.js';
import { cli } from '../../e2e/cli-harness.js';
import { tempDir } from '../helpers.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../scripts/build-plugin-types.mjs', import.meta.url));
const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));

/** Runs the repository's tsc on a project; resolves to its exit code and output. */
async function typeCheck(dir: string, ...args: string[]): Promise<{ code: number; output: string }> {
  return run(process.execPath, [tsc, '--noEmit', '-p', dir, ...args]).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
  );
}

async function initProject(...args: string[]): Promise<string> {
  const cwd = await tempDir('plughub-init-');
  expect((await cli(['init', 'typed', ...args], { cwd })).code).toBe(0);
  return join(cwd, 'typed');
}

describe('the plugin API declarations', () => {
  it('are up to date with the sources', { timeout: 60_000 }, async () => {
    const check = run(process.execPath, [script, '--check']);
    await expect(check, 'src/node/cli/plugin-types.ts is stale: run `node scripts/build-plugin-types.mjs`').resolves.toBeDefined();
  });

  it('import nothing and export definePlugin with the context types', () => {
    expect(PLUGIN_TYPES).not.toMatch(/^import |\bfrom ['"]|\brequire\(|\/\/\/ <reference/m);
    expect(PLUGIN_TYPES).toContain('declare function definePlugin<');
    expect(PLUGIN_TYPES).toMatch(/^export type \{ ContextPlugin, Logger, PluginContext, PluginDefinition \};$/m);
  });
});

describe('a project plughub init creates', () => {
  it('type-checks as written, with no node_modules, and the declarations are sound themselves', { timeout: 60_000 }, async () => {
    const dir = await initProject();
    expect(await readdir(join(dir, 'types'))).toEqual(['plughub.d.ts']);
    expect(await readFile(join(dir, 'types/plughub.d.ts'), 'utf8')).toContain(PLUGIN_TYPES);
    expect(await readdir(dir)).not.toContain('node_modules');
    expect(await typeCheck(dir)).toEqual({ code: 0, output: '' });
    expect(await typeCheck(dir, '--skipLibCheck', 'false')).toEqual({ code: 0, output: '' });
  });

  it('reports a misuse of the context, so the types are real and not any', { timeout: 60_000 }, async () => {
    const dir = await initProject();
    const source = join(dir, 'src/index.ts');
    const text = await readFile(source, 'utf8');
    await writeFile(source, text.replace('ctx.throwIfAborted();', 'ctx.throwIfAborted();\n    ctx.log.shout(who);\n    const late: string = ctx.deadline;'));
    const { code, output } = await typeCheck(dir);
    expect(code).not.toBe(0);
    expect(output).toContain("Property 'shout' does not exist on type 'Logger'");
    expect(output).toContain("Type 'number | undefined' is not assignable to type 'string'");
  });

  it('says in its README how to type-check it and how to get plughub and its bundler, not npm install plughub', async () => {
    const readme = await readFile(join(await initProject(), 'README.md'), 'utf8');
    expect(readme).not.toMatch(/npm install (--save-dev )?plughub\b/);
    expect(readme).toContain('npx tsc --noEmit');
    expect(readme).toContain('`npm ci && npm run build && npm link` puts the `plughub` command on your\nPATH');
    const peers = JSON.parse(await readFile(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')).peerDependencies as Record<
      string,
      string
    >;
    const toolchain = ['rollup', '@rollup/plugin-node-resolve', '@rollup/plugin-commonjs', 'rollup-plugin-esbuild', 'esbuild'].map(
      (name) => `${name}@${peers[name]}`,
    );
    expect(readme).toContain(`npm install --save-dev ${toolchain.join(' ')}`);
  });

  it('with --js, carries no declarations and no tsconfig', async () => {
    const dir = await initProject('--js');
    expect((await readdir(dir)).sort()).toEqual(['.gitignore', 'README.md', 'package.json', 'plugin.json', 'src']);
  });
});
