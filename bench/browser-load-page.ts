/**
 * The page script of bench/browser-load.ts, bundled with the plughub/browser source by
 * esbuild and driven from Node through playwright-core. It times, inside the
 * page with performance.now(), one plughub load, one baseline load (plain
 * fetch of the same kind of bundle from the same registry + import() of a
 * blob: URL; the same through a data: URL as a reference) and the floor reference (the plugin's document fetched first),
 * and exposes them as `window.bench`.
 */
import { createPluginHost } from '../src/browser/index.js';

/** A fetch that skips the HTTP cache, so that a cold load really goes to the network. */
const noStoreFetch = (input: Request | string | URL, init?: RequestInit) => fetch(input, { ...init, cache: 'no-store' });

/** What the bench page offers to the benchmark. */
export interface BenchPage {
  /** Makes a new host on `database` and loads `spec`; resolves with the milliseconds both took. */
  plughub(registry: string, database: string, spec: string, cold: boolean): Promise<number>;
  /** Fetches `url` (from the network when `cold`, else through the HTTP cache) and imports it from a blob: URL (or `via` data:). */
  baseline(url: string, cold: boolean, via?: 'blob' | 'data'): Promise<number>;
  /** Fetches the document at `documentUrl`, then `url` from the network, imported through a data: URL (as plughub imports where the page allows it). */
  floor(documentUrl: string, url: string): Promise<number>;
}

const bench: BenchPage = {
  async plughub(registry, database, spec, cold) {
    // The host is made inside the timing: it opens its database as it is made.
    const start = performance.now();
    const host = createPluginHost({ registry, database, ...(cold ? { fetch: noStoreFetch } : {}) });
    const plugin = await host.load(spec);
    const elapsed = performance.now() - start;
    // The cache writes run after the load resolves: they are waited for here, outside the timing, so that they
    // never overlap the next measurement (a baseline's, say) and the warm case finds the plugin stored.
    await host.settled();
    await plugin.execute({ values: { who: 'bench' } });
    return elapsed;
  },
  async baseline(url, cold, via = 'blob') {
    return fetchAndImport(url, cold, performance.now(), via);
  },
  async floor(documentUrl, url) {
    const start = performance.now();
    const document = await fetch(documentUrl, { cache: 'no-store' });
    if (!document.ok) throw new Error(`GET ${documentUrl}: ${document.status}`);
    await document.arrayBuffer();
    return fetchAndImport(url, true, start, 'data');
  },
};

/** Fetches `url` and imports it from a blob: (or data:) URL; resolves with the milliseconds since `start`. */
async function fetchAndImport(url: string, cold: boolean, start: number, via: 'blob' | 'data' = 'blob'): Promise<number> {
  const response = await fetch(url, { cache: cold ? 'no-store' : 'default' });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  let namespace: { default?: { execute?: unknown } };
  if (via === 'data') {
    namespace = await import(/* @vite-ignore */ `data:text/javascript;base64,${(bytes as unknown as { toBase64(): string }).toBase64()}`);
  } else {
    const objectUrl = URL.createObjectURL(new Blob([bytes], { type: 'text/javascript' }));
    try {
      namespace = await import(/* @vite-ignore */ objectUrl);
    } finally {
      URL.revokeObjectURL(objectUrl);
    }
  }
  const elapsed = performance.now() - start;
  if (typeof namespace.default?.execute !== 'function') throw new Error(`${url} is not a plugin`);
  return elapsed;
}

(window as unknown as { bench: BenchPage }).bench = bench;
document.title = 'ready';
