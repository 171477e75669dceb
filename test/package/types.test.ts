/**
 * Checks the packed package the way its users get it: `npm pack` into a temp
 * folder, then publint and Are the Types Wrong on the tarball (ESM only, so
 * attw's CommonJS resolution modes are not checked), and small consumer
 * projects, with the tarball unpacked into their node_modules (its
 * dependencies linked from this repository's), type-checked by tsc:
 *
 * - node16: a Node project without the DOM lib (ES2023 + @types/node) imports
 *   `plughub` (the node condition), `plughub/node`, `plughub/server` and
 *   `plughub/core`.
 * - bundler: a browser app (ES2023 + DOM, customConditions ["browser"] as a
 *   bundler for the web resolves) imports `plughub`, `plughub/browser` and
 *   `plughub/core`.
 * - bundler-neutral: a worker without DOM or Node types and no custom
 *   condition gets the core types for `plughub`, as the runtime gets core.js.
 * - service-worker: a service worker (ES2023 + WebWorker, no DOM) passes its
 *   `self` to `servePluginRoutes` of `plughub/browser`.
 *
 * Needs `npm run build` (npm test builds first).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; license: string };
let dir: string;
let tarball: string;

/** The file a devDependency's `bin` names, run with this Node. */
async function binOf(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const [file] = Object.values(manifest.bin);
  if (!file) throw new Error(`${name} has no bin`);
  return join(root, 'node_modules', name, file);
}

/** Runs a Node script and returns its exit code with everything it printed. */
async function runNode(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

const base = {
  strict: true,
  target: 'ES2022',
  noEmit: true,
  skipLibCheck: false,
  isolatedModules: true,
  verbatimModuleSyntax: true,
};

const consumers: Record<string, { compilerOptions: Record<string, unknown>; source: string }> = {
  node16: {
    compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16', lib: ['ES2023'], types: ['node'] },
    source: `import { createPluginHost, definePlugin } from 'plughub';
import { createPluginHost as createNodeHost, loadDir } from 'plughub/node';
import { createFsStorage, createRegistry, serveNode } from 'plughub/server';
import { createHost } from 'plughub/core';
import { importPublicKey, type SigningKey } from 'plughub/node';
import type { webcrypto } from 'node:crypto';

// Under the node condition, plughub is plughub/node.
export const sameHost: typeof createNodeHost = createPluginHost;
export const host = createNodeHost({ registry: 'http://127.0.0.1:4873' });
export const plugin = definePlugin({ execute: () => 'ok' });
// The keys are Node's Web Crypto keys, both ways.
export const publicKey: Promise<webcrypto.CryptoKey> = importPublicKey('');
export const privateKey = (key: webcrypto.CryptoKey): SigningKey['privateKey'] => key;
export { createFsStorage, createHost, createRegistry, loadDir, serveNode };
`,
  },
  bundler: {
    compilerOptions: {
      ...base,
      module: 'preserve',
      moduleResolution: 'bundler',
      customConditions: ['browser'],
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      types: [],
    },
    source: `import { createPluginHost, definePlugin } from 'plughub';
import { connectServiceWorker, createPluginHost as createBrowserHost, createIndexedDbBlobCache } from 'plughub/browser';
import { createHost, importPublicKey, type SigningKey } from 'plughub/core';

// Under the browser condition, plughub is plughub/browser.
export const sameHost: typeof createBrowserHost = createPluginHost;
export const host = createBrowserHost({ registry: 'https://plugins.example', database: 'my-app' });
// A page's host answers what the app's service worker relays.
export const connection = connectServiceWorker(host);
export const plugin = definePlugin({ execute: () => 'ok' });
// The keys are the DOM's CryptoKey, both ways.
export const publicKey: Promise<CryptoKey> = importPublicKey('');
export const privateKey = (key: CryptoKey): SigningKey['privateKey'] => key;
export { createHost, createIndexedDbBlobCache };
`,
  },
  'bundler-neutral': {
    compilerOptions: { ...base, module: 'preserve', moduleResolution: 'bundler', lib: ['ES2023', 'WebWorker'], types: [] },
    source: `import { createHost, definePlugin } from 'plughub';
import * as core from 'plughub/core';
// @ts-expect-error without the browser or node condition, plughub is the core, which has no createPluginHost
import { createPluginHost } from 'plughub';

export const sameCore: typeof core.createHost = createHost;
export const plugin = definePlugin({ execute: () => 'ok' });
export { createPluginHost };
`,
  },
  'service-worker': {
    compilerOptions: {
      ...base,
      module: 'preserve',
      moduleResolution: 'bundler',
      customConditions: ['browser'],
      lib: ['ES2023', 'WebWorker'],
      types: [],
    },
    source: `import { servePluginRoutes } from 'plughub/browser';

declare const self: ServiceWorkerGlobalScope;
export const routes = servePluginRoutes(self, { paths: ['/api/plugin/'], timeoutMs: 5000 });
`,
  },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plughub-types-'));
  const { stdout } = await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  if (!packed) throw new Error(`npm pack printed no package: ${stdout}`);
  tarball = join(dir, packed.filename);

  // node_modules shared by the consumers: the unpacked tarball, and its
  // dependencies and @types/node linked from this repository.
  const modules = join(dir, 'node_modules');
  await mkdir(join(modules, 'plughub'), { recursive: true });
  await mkdir(join(modules, '@types'), { recursive: true });
  await exec('tar', ['-xzf', tarball, '-C', join(modules, 'plughub'), '--strip-components=1']);
  for (const name of [...Object.keys(pkg.dependencies), '@types/node']) {
    await mkdir(join(modules, name, '..'), { recursive: true });
    await symlink(join(root, 'node_modules', name), join(modules, name), 'dir');
  }
  for (const [name, { compilerOptions, source }] of Object.entries(consumers)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }));
    await writeFile(join(dir, name, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['index.ts'] }, null, 2));
    await writeFile(join(dir, name, 'index.ts'), source);
  }
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('carries the MIT license text its package.json names', async () => {
    expect(pkg.license).toBe('MIT');
    const license = await readFile(join(dir, 'node_modules', 'plughub', 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n/);
    expect(license).toContain('Permission is hereby granted, free of charge');
  });

  it('passes publint with nothing to report', async () => {
    const { code, output } = await runNode([await binOf('publint'), 'run', tarball, '--strict'], dir);
    expect(output).toContain('All good!');
    expect(code, output).toBe(0);
  }, 30_000);

  it('passes Are the Types Wrong in node16 (ESM) and bundler resolution, for every entry', async () => {
    // ESM only: the node10 and node16-from-CommonJS resolutions are expected to fail.
    const { code, output } = await runNode([await binOf('@arethetypeswrong/cli'), tarball, '--profile', 'esm-only', '--format', 'json'], dir);
    const report = JSON.parse(output) as {
      analysis: { entrypoints: Record<string, unknown>; problems: Array<{ kind: string; entrypoint: string; resolutionKind?: string }> };
    };
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(['.', './browser', './core', './node', './package.json', './server']);
    const ignored = new Set(['node10', 'node16-cjs']);
    expect(report.analysis.problems.filter((problem) => !ignored.has(problem.resolutionKind ?? ''))).toEqual([]);
    expect(code, output).toBe(0);
  }, 30_000);

  for (const name of Object.keys(consumers)) {
    it(`type-checks the ${name} consumer against it`, async () => {
      const { code, output } = await runNode([join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, name)], dir);
      expect(output).toBe('');
      expect(code).toBe(0);
    }, 30_000);
  }
});
