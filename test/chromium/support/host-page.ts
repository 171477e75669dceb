/**
 * Serves the example host page (examples/browser-host) the way a web app
 * would: its main.js bundled with the built plughub/browser (dist/browser.js,
 * so `npm run build` must have run) and its dependencies into one ESM file,
 * app.js, by esbuild; index.html under a Content-Security-Policy that allows
 * scripts from 'self' and blob:, and connections to the registry's origin
 * only. Variants of the page differ only by policy, to show how the host
 * chooses its scheme (`?scheme=auto`) and a refusal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from './bundle.js';
import { startStaticServer, type StaticServer } from './static-server.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = `${root}examples/browser-host/`;

/** The script-src sources of each page variant (path → sources after 'self'). */
const PAGE_POLICIES = {
  '/index.html': 'blob:',
  '/data-only.html': 'data:',
  '/blob-and-data.html': 'blob: data:',
  '/strict.html': '',
} as const;

/** A page path with its policy. */
export type PagePath = keyof typeof PAGE_POLICIES;

/** The example page's Content-Security-Policy for a registry origin. */
function pagePolicy(registryOrigins: string[], scriptSources: string): string {
  return ["default-src 'none'", `script-src 'self' ${scriptSources}`.trim(), `connect-src ${registryOrigins.join(' ')}`, "style-src 'self'"].join('; ');
}

/** Bundles examples/browser-host/main.js with plughub/browser (resolved through package.json exports). */
async function bundleHostScript(): Promise<Uint8Array> {
  if (!existsSync(`${root}dist/browser.js`)) throw new Error('dist/browser.js is missing: run `npm run build` first');
  return bundleForBrowser(`${example}main.js`);
}

/**
 * Starts a static server with the example page under every policy variant,
 * allowing connections to `registryOrigins`; `url(path, params)` builds a page URL.
 */
export async function serveHostPage(registryOrigins: string[], script?: Uint8Array) {
  const app = script ?? (await bundleHostScript());
  const html = readFileSync(`${example}index.html`, 'utf8');
  const server: StaticServer = await startStaticServer({
    '/app.js': { body: app, type: 'text/javascript; charset=utf-8' },
    '/style.css': { body: readFileSync(`${example}style.css`), type: 'text/css; charset=utf-8' },
  });
  for (const [path, sources] of Object.entries(PAGE_POLICIES)) {
    server.set(path, {
      body: html,
      type: 'text/html; charset=utf-8',
      headers: { 'content-security-policy': pagePolicy(registryOrigins, sources) },
    });
  }
  return {
    server,
    url(path: PagePath, params: Record<string, string>) {
      return `${server.origin}${path}?${new URLSearchParams(params)}`;
    },
    close: () => server.close(),
  };
}
