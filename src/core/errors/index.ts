/**
 * The one error hierarchy of plughub, split by area: base.ts (PlughubError,
 * isPlughubError, registerErrorName, UsageError), manifest.ts, integrity.ts,
 * registry.ts, host.ts, context.ts (the reasons a call aborts), trust.ts,
 * cache.ts and routes.ts. Every step of the load path (resolve, fetch, verify, cache,
 * import, execute) throws one of these; the class names, codes and type
 * guards are public API. Other folders import errors from here.
 */
export { PlughubError, UsageError, isPlughubError, isUsageError, registerErrorName, type ErrorDetails } from './base.js';
export * from './manifest.js';
export * from './integrity.js';
export * from './registry.js';
export * from './host.js';
export * from './context.js';
export * from './trust.js';
export * from './cache.js';
export * from './routes.js';
