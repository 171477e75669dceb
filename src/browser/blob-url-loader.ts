/**
 * A ModuleLoader for browsers: it imports verified bytes through a `blob:`
 * URL (`URL.createObjectURL(new Blob([bytes], { type: 'text/javascript' }))`),
 * revoked as soon as the import settles. Pages whose Content-Security-Policy
 * refuses `blob:` scripts get a `data:` URL instead: before the first plugin
 * the loader imports a one-line probe module to learn which scheme the page
 * allows, so a plugin is never evaluated twice and its own errors are never
 * mistaken for a refusal. With the native import(), the answer is learnt
 * once per page (the realm's first loader probes; later loaders, such as
 * the host of the next load, reuse it): a Content-Security-Policy holds for
 * the page's lifetime. Any failure (syntax error, a throw at import, both
 * schemes refused) is a PluginLoadError naming the plugin, its version and
 * the cause. Modules are memoized by integrity.
 */
import { importFailure, memoizeByIntegrity, moduleDataUrl } from '../core/plugin/index.js';
import { PluginLoadError } from '../core/errors/index.js';
import type { ModuleLoader, ModuleNamespace, ModuleSource } from '../core/ports.js';

/** Which URL scheme modules are imported through; `auto` probes blob: first, then data:. */
export type ModuleScheme = 'auto' | 'blob' | 'data';

/** Options of createBlobUrlLoader. */
export interface BlobUrlLoaderOptions {
  /** Default `auto`. Force `data` on pages that allow only `data:` (spares the probe). */
  scheme?: ModuleScheme;
  /** Imports a module URL; default the native dynamic `import()`. Injected by tests. */
  importUrl?: (url: string) => Promise<ModuleNamespace>;
  /** With `auto`, probe when the loader is created (default) rather than at the first import. */
  probeEagerly?: boolean;
}

const PROBE = new TextEncoder().encode('export const plughubProbe = true;\n');

/** What the page allows, learnt from the probe; `none` keeps the refusal to report it. */
type Detected = { scheme: 'blob' | 'data' } | { scheme: 'none'; refusal: unknown };

const nativeImport = (url: string) => import(/* @vite-ignore */ url) as Promise<ModuleNamespace>;

/** What the probe through the native import() learnt in this realm, shared by its loaders. */
let realmDetected: Promise<Detected> | undefined;

/** A `blob:` URL of the bytes as JavaScript. */
function moduleBlobUrl(bytes: Uint8Array): string {
  return URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'text/javascript' }));
}

/**
 * Creates the browser's module loader.
 *
 * @example
 * const loader = createBlobUrlLoader();
 * const namespace = await loader.import({ name: 'hello', version: '1.0.0', integrity, bytes });
 */
export function createBlobUrlLoader(options: BlobUrlLoaderOptions = {}): ModuleLoader {
  const importUrl = options.importUrl ?? nativeImport;
  const scheme = options.scheme ?? 'auto';
  let detected: Promise<Detected> | undefined;

  /** Imports `bytes` through the scheme; the blob: URL is revoked once the import settles. */
  async function importVia(via: 'blob' | 'data', bytes: Uint8Array): Promise<ModuleNamespace> {
    if (via === 'data') return importUrl(moduleDataUrl(bytes));
    const url = moduleBlobUrl(bytes);
    try {
      return await importUrl(url);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  async function probe(): Promise<Detected> {
    let refusal: unknown;
    for (const via of ['blob', 'data'] as const) {
      try {
        const namespace = await importVia(via, PROBE);
        if (namespace.plughubProbe === true) return { scheme: via };
      } catch (error) {
        refusal ??= error;
      }
    }
    return { scheme: 'none', refusal };
  }

  function choose(): Promise<Detected> {
    if (scheme !== 'auto') return Promise.resolve({ scheme });
    if (options.importUrl) {
      detected ??= probe();
      return detected;
    }
    // A refusal of both schemes is not kept for the realm: a later loader probes again.
    realmDetected ??= probe().then((found) => {
      if (found.scheme === 'none') realmDetected = undefined;
      return found;
    });
    return realmDetected;
  }

  // Probe right away, so that the answer is ready by the time the first bundle has downloaded.
  if (options.probeEagerly ?? true) void choose();

  return memoizeByIntegrity(async (source: ModuleSource) => {
    const chosen = await choose();
    if (chosen.scheme === 'none') {
      const reason = chosen.refusal instanceof Error ? `${chosen.refusal.name}: ${chosen.refusal.message}` : String(chosen.refusal);
      throw new PluginLoadError(
        `${source.name}@${source.version}: import failed: this page refuses modules from blob: and data: URLs ` +
          `(its Content-Security-Policy needs script-src blob: or data:): ${reason}`,
        { plugin: source.name, version: source.version, cause: chosen.refusal },
      );
    }
    try {
      return await importVia(chosen.scheme, source.bytes);
    } catch (error) {
      throw importFailure(source, undefined, error);
    }
  });
}
