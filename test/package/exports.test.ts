/**
 * Checks the published package against its build: every path in the exports
 * map and bin exists in dist/, every built entry is reachable through the
 * map, `types` comes first in each condition, and the browser entry bundles
 * for a browser platform without a single `node:` module.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { entries } from '../../rollup.config.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  exports: Record<string, unknown>;
  bin: Record<string, string>;
};

type Target = string | { [condition: string]: Target };

function leaves(target: Target, path: string[] = []): Array<{ path: string[]; file: string }> {
  if (typeof target === 'string') return [{ path, file: target }];
  return Object.entries(target).flatMap(([condition, inner]) => leaves(inner, [...path, condition]));
}

function conditionObjects(target: Target): Array<Record<string, Target>> {
  if (typeof target === 'string') return [];
  return [target, ...Object.values(target).flatMap(conditionObjects)];
}

describe('package exports', () => {
  it('has a built file for every path in exports and bin (run `npm run build` first)', () => {
    const missing = [
      ...Object.values(pkg.exports).flatMap((target) => leaves(target as Target)),
      ...Object.values(pkg.bin).map((file) => ({ path: ['bin'], file })),
    ]
      .map(({ file }) => file)
      .filter((file) => !existsSync(`${root}${file}`));
    expect(missing).toEqual([]);
  });

  it('maps every rollup entry and nothing else', () => {
    const mapped = new Set(
      [...Object.values(pkg.exports).flatMap((t) => leaves(t as Target)), ...Object.values(pkg.bin).map((file) => ({ file }))]
        .map(({ file }) => file.replace(/^\.\/dist\//, '').replace(/\.d\.ts$|\.js$/, ''))
        .filter((file) => file !== './package.json'),
    );
    expect([...mapped].sort()).toEqual(Object.keys(entries).sort());
    const built = readdirSync(`${root}dist`)
      .filter((file) => file.endsWith('.js'))
      .map((file) => file.slice(0, -3));
    expect(built.sort()).toEqual(Object.keys(entries).sort());
  });

  it('puts types first in every condition object that has them', () => {
    for (const target of Object.values(pkg.exports)) {
      for (const conditions of conditionObjects(target as Target)) {
        if ('types' in conditions) expect(Object.keys(conditions)[0]).toBe('types');
      }
    }
  });

  it('resolves "." to the browser, node and core builds by condition', () => {
    const dot = pkg.exports['.'] as Record<string, Record<string, string>>;
    expect(Object.keys(dot)).toEqual(['browser', 'node', 'default']);
    expect(dot.browser?.default).toBe('./dist/browser.js');
    expect(dot.node?.default).toBe('./dist/node.js');
    expect(dot.default?.default).toBe('./dist/core.js');
  });

  it('bundles plughub/browser for the browser platform without any node: module', async () => {
    const result = await build({
      entryPoints: [`${root}dist/browser.js`],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.startsWith('node:') || /(^|\/)node:/.test(input))).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(imports.filter((path) => path.startsWith('node:'))).toEqual([]);
  });
});

describe('core stays platform-neutral', () => {
  const coreDir = `${root}src/core`;
  const files = readdirSync(coreDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

  // tsconfig.core.json type-checks src/core against the WebWorker library without
  // Node types, which refuses window, document and every node: module; this adds
  // what that library still allows but core must not use.
  it.each(files)('src/core/%s imports no node: module, no package of an adapter and no IndexedDB', (file) => {
    const code = withoutComments(readFileSync(`${coreDir}/${file}`, 'utf8'));
    expect(code).not.toMatch(/from\s+['"]node:|import\(\s*['"]node:|\brequire\(/);
    expect(code).not.toMatch(/from\s+['"](idb-keyval|hono)['"]/);
    expect(code).not.toMatch(/\bindexedDB\b|\blocalStorage\b/);
  });
});
