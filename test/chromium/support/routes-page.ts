/**
 * The page script of the Chromium route tests, bundled by esbuild from the
 * sources (plughub/browser's public exports): createPluginHost, whose
 * plugins run in the page or in module Web Workers, and
 * `window.routes` for the tests to load plugins with routes and call
 * `host.fetch` through page.evaluate. Answers come back as plain data.
 */
import { createPluginHost, type Isolation } from '../../../src/browser/index.js';

/** A response as data. */
export interface RouteAnswer {
  status: number;
  contentType: string | null;
  allow: string | null;
  body: string;
}

/** What the page exposes. */
export interface RoutesPage {
  /** Loads a bundle with `routes`; resolves to the error's name and message when refused. */
  load(
    name: string,
    version: string,
    code: string,
    routes: Array<{ route: string; method: string; label: string }>,
    isolation: Isolation,
  ): Promise<string | undefined>;
  fetch(path: string, init?: { method?: string; body?: string }): Promise<RouteAnswer>;
  unload(name: string): Promise<void>;
}

declare global {
  interface Window {
    routes: RoutesPage;
  }
}

// The browser host: blob: module URLs in the page and in its module Web Workers, IndexedDB caches of a database of its own.
const host = createPluginHost({ database: `routes-${crypto.randomUUID()}` });

window.routes = {
  async load(name, version, code, routes, isolation) {
    const manifest = { name, version, source: { mode: 'esm', path: 'index.js' }, http_services: { routes } };
    try {
      await host.loadBundle({ manifest, bytes: new TextEncoder().encode(code), location: `/plugins/${name}` }, { isolation });
      return undefined;
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  },
  async fetch(path, init = {}) {
    const response = await host.fetch(new Request(new URL(path, location.href), init));
    return { status: response.status, contentType: response.headers.get('content-type'), allow: response.headers.get('allow'), body: await response.text() };
  },
  unload: (name) => host.unload(name),
};
