#!/usr/bin/env node
/**
 * Measures what plughub/browser costs a web app: dist/browser.js bundled with
 * all its dependencies by esbuild (browser platform, ESM, minified, tree-shaken
 * as an app importing `createPluginHost` only would be, and as one importing
 * everything), then gzip -9. Prints the sizes and the share of each package;
 * `--json` prints them as JSON, with the dependency modules bundled
 * (test/chromium/bundle-size.test.ts uses it to keep the README's figure
 * honest, and to check that zod and semver come in by their small entry
 * points). Run `npm run build` first.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const entry = `${root}dist/browser.js`;

/** Bundles `contents` (an ES module importing dist/browser.js) and measures it. */
async function measure(contents) {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: 'app.js', loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0].contents;
  const packages = {};
  const modules = [];
  for (const [input, { bytesInOutput }] of Object.entries(Object.values(result.metafile.outputs)[0].inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const name = match ? match[1] : 'plughub';
    packages[name] = (packages[name] ?? 0) + bytesInOutput;
    if (match && bytesInOutput > 0) modules.push(input.slice(match.index + 'node_modules/'.length));
  }
  return { minified: bytes.byteLength, gzipped: gzipSync(bytes, { level: 9 }).byteLength, packages, modules: modules.sort() };
}

/** Sizes of plughub/browser for an app using only createPluginHost, and for one using every export. */
export async function browserSize() {
  if (!existsSync(entry)) throw new Error('dist/browser.js is missing: run `npm run build` first');
  const path = JSON.stringify(entry);
  return {
    createPluginHost: await measure(`import { createPluginHost } from ${path}; globalThis.plughub = createPluginHost;`),
    everything: await measure(`import * as plughub from ${path}; globalThis.plughub = plughub;`),
  };
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await browserSize();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(sizes));
  } else {
    for (const [name, size] of Object.entries(sizes)) {
      console.log(`plughub/browser (${name}): ${kib(size.minified)} minified, ${kib(size.gzipped)} minified + gzipped`);
      const shares = Object.entries(size.packages).sort((a, b) => b[1] - a[1]);
      console.log(`  minified share: ${shares.map(([pkg, bytes]) => `${pkg} ${kib(bytes)}`).join(', ')}`);
    }
  }
}
