/**
 * Serves the Service Worker example (examples/service-worker) the way a web
 * app would: main.js bundled with the built plughub/browser (dist/, so `npm
 * run build` must have run) into app.js, sw.js bundled into one classic
 * script, index.html; plus a text file outside the plugin paths and a page
 * without a plugin host, for the tests of what the worker leaves alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleForBrowser } from './bundle.js';
import { startStaticServer, type StaticServer } from './static-server.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = `${root}examples/service-worker/`;

/** The example plugin: its plugin.json and its bundle. */
export const EXAMPLE_PLUGIN = {
  manifest: JSON.parse(readFileSync(`${example}plugin/plugin.json`, 'utf8')) as { name: string; version: string } & Record<string, unknown>,
  code: readFileSync(`${example}plugin/index.js`, 'utf8'),
};

/** The body of /hello.txt, a path the worker does not claim. */
export const HELLO_TEXT = 'hello from the network\n';

/** Bundles sw.js as one classic script (an IIFE), as its comment says. */
async function bundleServiceWorker(): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [`${example}sw.js`],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['browser'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.contents;
}

/** The bundled app script and service worker. */
export async function bundleServiceWorkerApp(): Promise<{ app: Uint8Array; worker: Uint8Array }> {
  if (!existsSync(`${root}dist/browser.js`)) throw new Error('dist/browser.js is missing: run `npm run build` first');
  const [app, worker] = await Promise.all([bundleForBrowser(`${example}main.js`), bundleServiceWorker()]);
  return { app, worker };
}

/** A page of the app's origin that fetches but runs no plugin host. */
const PLAIN_PAGE = '<!doctype html><meta charset="utf-8"><title>no host</title><p>no plugin host here</p>\n';

/** Starts a static server with the example app (bundled by bundleServiceWorkerApp). */
export async function serveServiceWorkerApp(bundles: { app: Uint8Array; worker: Uint8Array }): Promise<StaticServer> {
  const script = 'text/javascript; charset=utf-8';
  const html = 'text/html; charset=utf-8';
  const index = readFileSync(`${example}index.html`, 'utf8');
  return startStaticServer({
    '/': { body: index, type: html },
    '/index.html': { body: index, type: html },
    '/app.js': { body: bundles.app, type: script },
    '/sw.js': { body: bundles.worker, type: script },
    '/hello.txt': { body: HELLO_TEXT, type: 'text/plain; charset=utf-8' },
    '/plain.html': { body: PLAIN_PAGE, type: html },
  });
}
