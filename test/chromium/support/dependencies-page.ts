/**
 * The page script of the Chromium ctx.plugins test, bundled by esbuild from
 * the sources: a core host with the browser worker spawner and blob: loader loads a
 * dependency and a dependent from bundles, each in the page's realm or in a
 * module Web Worker, and `window.dependencies.run(…)` returns what the
 * dependent's call returned, or its error, as plain data.
 */
import { createBlobUrlLoader, createBrowserWorkerSpawner, createHost, type Isolation } from '../../../src/browser/index.js';

/** What the page exposes. */
export interface DependenciesPage {
  /** Loads `dependency` and `dependent` (each a module's source) where asked, runs the dependent once with `values`, and closes the host. */
  run(
    plugins: { dependency: string; dependent: string },
    isolation: { dependency: Isolation; dependent: Isolation },
    values: Record<string, unknown>,
  ): Promise<{ ok: true; value: unknown } | { ok: false; name: string; message: string }>;
}

declare global {
  interface Window {
    dependencies: DependenciesPage;
  }
}

const encoder = new TextEncoder();
const bundle = (name: string, code: string, dependencies?: Record<string, string>) => ({
  manifest: { name, version: '1.0.0', source: { mode: 'esm', path: 'index.js' }, ...(dependencies ? { dependencies } : {}) },
  bytes: encoder.encode(code),
  location: `page/${name}`,
});

window.dependencies = {
  async run(plugins, isolation, values) {
    const host = createHost({ workers: createBrowserWorkerSpawner(), loader: createBlobUrlLoader() });
    try {
      await host.loadBundle(bundle('md-render', plugins.dependency), { isolation: isolation.dependency });
      await host.loadBundle(bundle('app', plugins.dependent, { 'md-render': '^1' }), { isolation: isolation.dependent });
      return { ok: true, value: await host.execute('app', { values }) };
    } catch (error) {
      const { name, message } = error as Error;
      return { ok: false, name, message };
    } finally {
      await host.close();
    }
  },
};
