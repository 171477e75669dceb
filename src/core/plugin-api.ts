/**
 * What a plugin's source may import from `plughub`: `definePlugin` and the
 * types of what a host hands a plugin (its context, logger and manifest).
 * `plughub build` replaces the import with an inline `definePlugin`; `plughub
 * init` writes the declarations of this file, bundled into one file that
 * imports nothing (scripts/build-plugin-types.mjs), into a new project, so
 * that the project type-checks with no install. Anything the context gains
 * reaches new projects through here.
 */
export { definePlugin, type PluginDefinition } from './plugin/definition.js';
export type { ContextPlugin, Logger, PluginContext } from './plugin/context.js';
