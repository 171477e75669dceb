/**
 * A ModuleLoader that needs nothing but `import()` of a `data:` URL, which
 * both Node and browsers support. Platform adapters use their own routes
 * (private file: copies in Node; data: URLs in browsers, or blob: where a
 * page's policy refuses data:). Modules are memoized by integrity, so the same bytes give
 * the same module instance and different bytes a new one.
 */
import { bytesToBase64 } from '../base64.js';
import { PluginLoadError } from '../errors/index.js';
import type { ModuleLoader, ModuleNamespace, ModuleSource } from '../ports.js';

/** Which plugin a module's bytes belong to, as its stack traces should name it. */
export interface ModuleLabel {
  name: string;
  version: string;
}

/**
 * The URL stack traces and debuggers show for a plugin's module:
 * `plughub:<name>@<version>`. Characters a name or version cannot hold are
 * replaced, so the label can never end the comment it is written in.
 */
export function moduleSourceUrl(label: ModuleLabel): string {
  return `plughub:${label.name}@${label.version}`.replace(/[^A-Za-z0-9@/._~+:-]/g, '_');
}

/**
 * The module's bytes followed by a `//# sourceURL=` comment naming the
 * plugin: a module imported from a data: or blob: URL otherwise appears in
 * every stack trace under that URL, the whole base64 module for data:, a
 * meaningless (and by then revoked) id for blob:. Appended after the last
 * line, it moves no line or column of the module's own code.
 */
export function labelledModule(bytes: Uint8Array, label: ModuleLabel): Uint8Array {
  const comment = labelComment(label);
  const labelled = new Uint8Array(bytes.length + comment.length);
  labelled.set(bytes);
  labelled.set(comment, bytes.length);
  return labelled;
}

/** The line labelledModule appends. */
function labelComment(label: ModuleLabel): Uint8Array {
  return new TextEncoder().encode(`\n//# sourceURL=${moduleSourceUrl(label)}\n`);
}

/**
 * A `blob:` URL of a module's bytes as JavaScript, labelled like
 * labelledModule when `label` is given (as a second part of the Blob: the
 * bytes are not copied). The caller revokes it once the import settles.
 */
export function moduleBlobUrl(bytes: Uint8Array, label?: ModuleLabel): string {
  const parts = label ? [bytes, labelComment(label)] : [bytes];
  return URL.createObjectURL(new Blob(parts as Uint8Array<ArrayBuffer>[], { type: 'text/javascript' }));
}

/**
 * A `data:text/javascript;base64,…` URL of a module's bytes; with a label,
 * of the labelled module (labelledModule), so stack traces name the plugin
 * rather than repeat the URL.
 */
export function moduleDataUrl(bytes: Uint8Array, label?: ModuleLabel): string {
  return `data:text/javascript;base64,${bytesToBase64(label ? labelledModule(bytes, label) : bytes)}`;
}

/** Wraps an import failure into a PluginLoadError naming the plugin, version and cause. */
export function importFailure(source: ModuleSource, url: string | undefined, cause: unknown): PluginLoadError {
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  const where = url && !url.startsWith('data:') && !url.startsWith('blob:') ? ` from ${url}` : '';
  return new PluginLoadError(`${source.name}@${source.version}: import failed${where}: ${reason}`, {
    plugin: source.name,
    version: source.version,
    ...(where ? { url } : {}),
    cause,
  });
}

/**
 * Memoizes imports by integrity: concurrent imports of the same bytes share
 * one promise; a failed import is forgotten so that it can be retried.
 */
export function memoizeByIntegrity(importer: (source: ModuleSource) => Promise<ModuleNamespace>): ModuleLoader {
  const modules = new Map<string, Promise<ModuleNamespace>>();
  return {
    import(source) {
      let pending = modules.get(source.integrity);
      if (!pending) {
        pending = importer(source);
        modules.set(source.integrity, pending);
        pending.catch(() => modules.delete(source.integrity));
      }
      return pending;
    },
    release(integrity) {
      modules.delete(integrity);
    },
  };
}

/**
 * A loader that imports verified bytes through a data: URL. The same bytes
 * always make the same URL, and runtimes keep a module per URL for the life
 * of the realm: `release()` forgets the memo but neither frees that module
 * nor yields a fresh instance on the next import. Isolating a plugin in a
 * worker is what truly frees it.
 */
export function createDataUrlLoader(): ModuleLoader {
  return memoizeByIntegrity(async (source) => {
    try {
      return (await import(/* @vite-ignore */ moduleDataUrl(source.bytes, source))) as ModuleNamespace;
    } catch (error) {
      throw importFailure(source, undefined, error);
    }
  });
}
