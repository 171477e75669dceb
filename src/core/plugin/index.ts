/**
 * What a plugin is: its manifest (plugin.json, read with bounds) and name
 * rules, semver resolution of the versions a registry offers, the context a
 * call runs in, the plugin module's shape (definePlugin), the calls in flight
 * on one version, and the data: URL module loader. On the load path it owns
 * resolve (versions.ts), the manifest checks, import (loader.ts,
 * definition.ts) and the context execute hands a plugin (context.ts).
 */
export * from './manifest.js';
export { MANIFEST_FIELD_LIMITS } from './manifest-limits.js';
export * from './versions.js';
export * from './context.js';
export * from './dependencies.js';
export * from './definition.js';
export {
  createDataUrlLoader,
  importFailure,
  labelledModule,
  type ModuleLabel,
  memoizeByIntegrity,
  moduleBlobUrl,
  moduleDataUrl,
  moduleSourceUrl,
} from './loader.js';
export { InFlight } from './in-flight.js';
