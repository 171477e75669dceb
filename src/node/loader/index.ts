/**
 * Node module loading: the file loader imports verified bytes from the blob
 * cache's file: URLs (data: URLs when it cannot), and module-dir.ts gives a
 * plugin a node_modules of its own. On the load path they own import.
 */
export { createFileLoader, type FileLoaderOptions } from './file-loader.js';
