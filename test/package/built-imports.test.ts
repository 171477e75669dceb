/**
 * Checks what the built entries import, so that a host pays only for what it
 * uses: dist/cli.js, node.js, core.js and browser.js (with every chunk they
 * import statically) name no package of the build toolchain and not hono,
 * which are optional peer dependencies loaded on demand; the dependencies are
 * exactly what those entries import; the CLI's table of optional packages
 * agrees with package.json; and esbuild bundles each entry without a warning
 * (a bare `import 'zod'` in a `"sideEffects": false` package is one). Needs
 * `npm run build` (npm test builds first).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Platform } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { OPTIONAL_PACKAGES } from '../../src/node/cli/optional-packages.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const hostDependencies = ['@noble/ed25519', 'idb-keyval', 'ky', 'semver', 'zod'];
const toolchain = ['@rollup/plugin-commonjs', '@rollup/plugin-node-resolve', 'esbuild', 'rollup', 'rollup-plugin-esbuild'];
/** What plughub serve and plughub host need besides the library: the web framework, the metrics library, the pages' Markdown renderer and sanitizer, the PostgreSQL client. */
const serverPackages = ['hono', 'prom-client', 'marked', 'postgres', 'sanitize-html'];

/** The package a module specifier names (`@scope/name` or `name`), or undefined for a relative or `node:` one. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The packages a built file loads when it is imported: its static imports and those of the chunks it imports, not its import() calls. */
function staticPackages(file: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  const statements = /^(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]/gm;
  for (const [, specifier = ''] of code.matchAll(statements)) {
    const name = packageOf(specifier);
    if (name !== undefined) packages.add(name);
    else if (specifier.startsWith('.')) for (const inner of staticPackages(resolve(dirname(file), specifier), seen)) packages.add(inner);
  }
  return packages;
}

describe('the built entries', () => {
  it.each(['cli', 'node', 'core', 'browser'])('dist/%s.js loads neither the build toolchain nor hono', (entry) => {
    const packages = [...staticPackages(join(root, 'dist', `${entry}.js`))];
    expect(packages.filter((name) => toolchain.includes(name) || name === 'hono' || name.startsWith('@rollup/'))).toEqual([]);
    expect(packages.filter((name) => !hostDependencies.includes(name) && name !== 'plughub')).toEqual([]);
  });

  it('dist/server.js loads hono, which its users install', () => {
    expect(staticPackages(join(root, 'dist/server.js'))).toContain('hono');
  });

  it('the plugin host service, which imports hono, is a chunk the CLI loads only for plughub host', () => {
    const chunks = readdirSync(join(root, 'dist/chunks')).filter((name) => /^host-service-.*\.js$/.test(name));
    expect(chunks).toHaveLength(1);
    expect(staticPackages(join(root, 'dist/chunks', chunks[0]!))).toContain('hono');
    expect(readFileSync(join(root, 'dist/cli.js'), 'utf8')).toContain(`import('./chunks/${chunks[0]}')`);
  });

  it('the CLI imports the toolchain and hono only when a command needs them', () => {
    const cli = readFileSync(join(root, 'dist/cli.js'), 'utf8');
    for (const name of [...toolchain, 'hono']) expect(cli).toContain(`import('${name}')`);
  });
});

describe('package.json', () => {
  it('depends on what a host needs and nothing else', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(hostDependencies);
  });

  it("lists the toolchain and the servers' packages as optional peers at the ranges the CLI asks for, and as devDependencies", () => {
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([...toolchain, ...serverPackages].sort());
    for (const [name, range] of Object.entries(pkg.peerDependencies)) {
      expect(pkg.peerDependenciesMeta[name], name).toEqual({ optional: true });
      expect(pkg.devDependencies[name], name).toBe(range);
    }
    const asked = Object.fromEntries(Object.entries(OPTIONAL_PACKAGES).map(([name, { range }]) => [name, range]));
    expect(asked).toEqual(pkg.peerDependencies);
    expect(
      Object.entries(OPTIONAL_PACKAGES)
        .filter(([, { dev }]) => !dev)
        .map(([name]) => name),
    ).toEqual(serverPackages);
  });
});

describe('bundling the built entries with esbuild', () => {
  const cases: Array<[string, Platform, string[]]> = [
    ['browser', 'browser', []],
    ['core', 'neutral', []],
    ['node', 'node', []],
    ['server', 'node', ['hono']],
  ];
  it.each(cases)('dist/%s.js bundles for platform %s without a warning', async (entry, platform, external) => {
    const result = await build({
      entryPoints: [join(root, 'dist', `${entry}.js`)],
      bundle: true,
      platform,
      format: 'esm',
      write: false,
      logLevel: 'silent',
      external,
      ...(platform === 'neutral' ? { mainFields: ['module', 'main'] } : {}),
    });
    expect(result.warnings.map((warning) => `${warning.location?.file}:${warning.location?.line}: ${warning.text}`)).toEqual([]);
    expect(result.errors).toEqual([]);
  });
});
