// Builds one ESM output per public entry (see package.json "exports" and "bin"),
// each with a bundled type declaration. Dependencies stay external.
//
// Each entry's declarations need only its platform's lib: the types of
// src/core go into one shared chunk (ES2023 plus the DOM, WebWorker or Node
// types), which core.d.ts re-exports; browser.d.ts (which needs the DOM lib
// for IndexedDB) is imported by no other entry, and node.d.ts and server.d.ts
// need only ES2023 and @types/node. test/package/types.test.ts checks this
// with consumer projects type-checked against the packed package.
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import esbuild from 'rollup-plugin-esbuild';
import { dts } from 'rollup-plugin-dts';
import { writePluginTypes } from './scripts/build-plugin-types.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

// `plughub init` writes the plugin API's declarations into new projects (src/node/cli/plugin-types.ts): regenerate them from the sources first.
await writePluginTypes();

/** Entry name (dist/<name>.js) → source file. */
export const entries = {
  core: 'src/core/index.ts',
  node: 'src/node/index.ts',
  browser: 'src/browser/index.ts',
  server: 'registry-server/index.ts',
  cli: 'src/node/cli/main.ts',
};

const dependencies = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
const external = (id) => id.startsWith('node:') || dependencies.some((dep) => id === dep || id.startsWith(`${dep}/`));

const root = fileURLToPath(new URL('.', import.meta.url));

/** Puts the declarations of src/core into one chunk of their own, which core.d.ts re-exports. */
function typeChunkOf(id) {
  return relative(root, id).split(sep).join('/').startsWith('src/core/') ? 'shared' : undefined;
}

/**
 * The registry's request handler: registry-server/registry.ts and its routes,
 * the only modules that import hono. They go into a chunk of their own, which
 * dist/server.js imports and the CLI loads only for `plughub serve`, so that
 * the other commands, which import storage and token helpers from the same
 * index, run without hono installed. Loading them has no side effects (they
 * define constants and functions), which rollup is told: else it would keep a
 * bare import of their chunk in dist/cli.js for `new TextEncoder()`.
 */
function isRegistryHandler(id) {
  return /^registry-server\/(registry\.ts$|routes\/)/.test(relative(root, id).split(sep).join('/'));
}

/**
 * The running plugin host service (src/node/host-service/serve.ts and the
 * web app it serves, app.ts, which imports hono): a chunk of its own that the
 * CLI loads only for `plughub host`, once it has checked that hono is
 * installed. The configuration and signal modules stay in dist/cli.js.
 */
function isHostService(id) {
  return /^src\/node\/host-service\/(serve|app|access-log)\.ts$/.test(relative(root, id).split(sep).join('/'));
}

/** The chunk a module goes into, for the modules that must stay out of the entries (they import hono). */
function onDemandChunk(id) {
  if (isRegistryHandler(id)) return 'registry';
  if (isHostService(id)) return 'host-service';
  return undefined;
}

/** Which entries' declarations an entry's declarations may import: only those of its own platform. */
const typeHosts = { core: [], browser: ['core'], node: ['core', 'server'], server: ['core', 'node'] };

/**
 * rollup-plugin-dts imports a shared type through any public entry that
 * re-exports it (so that consumers' declaration emit can name it), and it may
 * pick another platform's entry: server.d.ts took PluginDocument from
 * browser.d.ts, which needs the DOM lib. This moves every such import to
 * core.d.ts, which exports the same names, and fails the build if a name
 * cannot be taken from an entry of the importer's platform.
 */
const typesStayOnTheirPlatform = {
  name: 'types-stay-on-their-platform',
  generateBundle(_options, bundle) {
    const core = bundle['core.d.ts'];
    if (core?.type !== 'chunk') this.error('core.d.ts was not built');
    const coreExports = new Set(core.exports);
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk' || !chunk.isEntry) continue;
      const name = chunk.fileName.replace(/\.d\.ts$/, '');
      chunk.code = chunk.code.replace(/^import (type )?\{([^}]*)\} from '\.\/(\w+)\.js';$/gm, (statement, type = '', names, host) => {
        if (host === 'core' || !(host in typeHosts)) return statement;
        const imported = names.split(',').map((part) => part.trim().split(/\s+as\s+/)[0]);
        if (imported.every((binding) => coreExports.has(binding))) return `import ${type}{${names}} from './core.js';`;
        if (typeHosts[name]?.includes(host)) return statement;
        this.error(`${chunk.fileName} imports ${names.trim()} from ${host}.d.ts, another platform's types`);
      });
    }
  },
};

/**
 * The shared types name `CryptoKey`, a global of the DOM and WebWorker libs that
 * @types/node (before 22) only declares as `webcrypto.CryptoKey`. Each chunk that
 * uses it gets a module-local alias: the global type where a lib declares one,
 * else its Web Crypto shape (assignable both ways with Node's webcrypto.CryptoKey).
 */
const cryptoKeyAlias = `/** The Web Crypto key: the global CryptoKey where the DOM or WebWorker lib declares it, else its shape (as Node's webcrypto.CryptoKey). */
type CryptoKey = typeof globalThis extends { CryptoKey: { prototype: infer Key } }
  ? Key
  : {
      readonly algorithm: { name: string };
      readonly extractable: boolean;
      readonly type: 'private' | 'public' | 'secret';
      readonly usages: Array<'decrypt' | 'deriveBits' | 'deriveKey' | 'encrypt' | 'sign' | 'unwrapKey' | 'verify' | 'wrapKey'>;
    };
`;
const platformNeutralCryptoKey = {
  name: 'platform-neutral-crypto-key',
  renderChunk(code) {
    if (!/\bCryptoKey\b/.test(code) || /\btype CryptoKey\b/.test(code)) return null;
    return { code: `${cryptoKeyAlias}${code}`, map: null };
  },
};

export default [
  {
    input: entries,
    external,
    // The dependencies have no side effects on import: an import of one whose
    // bindings are all shaken off is dropped, not left as `import 'zod'`.
    treeshake: { moduleSideEffects: (id, external) => !external && !isRegistryHandler(id) },
    plugins: [
      esbuild({
        target: 'es2022',
        tsconfig: 'tsconfig.json',
        define: { __PLUGHUB_VERSION__: JSON.stringify(pkg.version) },
      }),
    ],
    output: {
      dir: 'dist',
      format: 'esm',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      // No bare `import './chunks/x.js'` for a chunk's own imports: the package
      // is "sideEffects": false, so bundlers would warn that they ignore them.
      hoistTransitiveImports: false,
      manualChunks: onDemandChunk,
      onlyExplicitManualChunks: true,
      banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
  },
  {
    input: Object.fromEntries(Object.entries(entries).filter(([name]) => name !== 'cli')),
    external,
    plugins: [dts({ tsconfig: 'tsconfig.json' }), platformNeutralCryptoKey, typesStayOnTheirPlatform],
    output: {
      dir: 'dist',
      format: 'esm',
      entryFileNames: '[name].d.ts',
      chunkFileNames: 'chunks/[name]-[hash].d.ts',
      manualChunks: typeChunkOf,
    },
  },
];
