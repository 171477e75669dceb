/**
 * plughub/browser: plughub for web apps. It re-exports the core; the browser
 * adapters (IndexedDB cache, blob-URL loader) compose with it in
 * `createPluginHost`.
 */
export * from '../core/index.js';
