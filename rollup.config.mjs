// Builds one ESM output per public entry (see package.json "exports" and "bin"),
// each with a bundled type declaration. Dependencies stay external.
import { readFileSync } from 'node:fs';
import esbuild from 'rollup-plugin-esbuild';
import { dts } from 'rollup-plugin-dts';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

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

export default [
  {
    input: entries,
    external,
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
      banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
  },
  {
    input: Object.fromEntries(Object.entries(entries).filter(([name]) => name !== 'cli')),
    external,
    plugins: [dts({ tsconfig: 'tsconfig.json' })],
    output: { dir: 'dist', format: 'esm', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
  },
];
