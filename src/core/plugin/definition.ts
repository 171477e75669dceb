/**
 * The plugin module contract: what a plugin bundle exports and how the host
 * checks it. A plugin is an ES module whose default export (or whose named
 * exports) provide `execute(ctx)`, and optionally `activate` / `deactivate`.
 *
 * A plugin's exported API is its `api`: the `api` member of the default
 * export (`definePlugin({ execute, api })`), else a named export `api`; an
 * object (or function) whose methods the plugins that declare it in their
 * `dependencies` call through `ctx.plugins.get(name)`. Nothing else the
 * module exports is reachable by other plugins. A plugin that serves HTTP
 * routes may also have a `fetch(request, ctx)` handler, found the same way
 * (the default export's, else a named export `fetch`).
 */
import type { PluginContext } from './context.js';
import { PluginLoadError, type ErrorDetails } from '../errors/index.js';
import type { ModuleNamespace } from '../ports.js';

/** What a plugin provides. `Api` is the type of `ctx.host`. */
export interface PluginDefinition<Api = unknown, Result = unknown, State = unknown> {
  /** Required: go-plugin's Execute. */
  execute(ctx: PluginContext<Api>): Result | Promise<Result>;
  /** Called after load; receives the state a previous version's `deactivate` returned on upgrade. */
  activate?(ctx: PluginContext<Api>, state?: State): unknown;
  /** Called before unload or upgrade; what it returns is handed to the next version's `activate`. */
  deactivate?(ctx: PluginContext<Api>): State | Promise<State> | void | Promise<void>;
  /** What dependent plugins reach through `ctx.plugins.get(name)`: an object of methods (and data). */
  api?: object;
  /**
   * Answers the requests of the plugin's routes (`http_services`) in place
   * of `execute`: full control of the Response. `ctx` carries the route's
   * label, `ctx.get('params')`, `ctx.get('query')` and `ctx.request`.
   */
  fetch?(request: Request, ctx: PluginContext<Api>): unknown;
}

/**
 * Declares a plugin with type checking of its hooks; returns the definition unchanged.
 *
 * @example
 * export default definePlugin({
 *   async execute(ctx) { return `hello ${ctx.get('who') ?? 'world'}`; },
 * });
 */
export function definePlugin<Api = unknown, Result = unknown, State = unknown>(
  definition: PluginDefinition<Api, Result, State>,
): PluginDefinition<Api, Result, State> {
  return definition;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function hookOf(source: Record<string, unknown>, key: string, details: ErrorDetails, where: string) {
  const hook = source[key];
  if (hook === undefined) return undefined;
  if (typeof hook !== 'function') {
    throw new PluginLoadError(`${label(details)}: ${where}${key} is ${typeof hook}, expected a function`, details);
  }
  return (hook as (...args: unknown[]) => unknown).bind(source);
}

function label(details: ErrorDetails): string {
  return details.version ? `${details.plugin}@${details.version}` : String(details.plugin ?? 'plugin');
}

/**
 * Extracts the plugin definition from an imported module namespace: the
 * default export when it is an object with `execute`, otherwise the named
 * exports. Throws PluginLoadError when there is no `execute` function.
 */
export function pluginFromModule(namespace: ModuleNamespace, details: ErrorDetails = {}): PluginDefinition {
  const fromDefault = isObject(namespace.default) && 'execute' in namespace.default;
  const source = fromDefault ? (namespace.default as Record<string, unknown>) : namespace;
  const where = fromDefault ? 'default export ' : 'export ';
  const execute = hookOf(source, 'execute', details, where);
  if (!execute) {
    const exported = Object.keys(namespace).join(', ') || 'nothing';
    throw new PluginLoadError(
      `${label(details)}: the module has no execute function (it exports ${exported}); export default definePlugin({ execute }) or export function execute(ctx)`,
      details,
    );
  }
  const activate = hookOf(source, 'activate', details, where);
  const deactivate = hookOf(source, 'deactivate', details, where);
  const fetch = source.fetch !== undefined ? hookOf(source, 'fetch', details, where) : hookOf(namespace, 'fetch', details, 'export ');
  const api = apiOf(source.api !== undefined ? source.api : namespace.api, details, source.api !== undefined ? where : 'export ');
  return {
    execute: execute as PluginDefinition['execute'],
    ...(activate ? { activate: activate as NonNullable<PluginDefinition['activate']> } : {}),
    ...(deactivate ? { deactivate: deactivate as NonNullable<PluginDefinition['deactivate']> } : {}),
    ...(api ? { api } : {}),
    ...(fetch ? { fetch: fetch as NonNullable<PluginDefinition['fetch']> } : {}),
  };
}

/** The exported API: undefined when there is none; an object or function, else a PluginLoadError. */
function apiOf(api: unknown, details: ErrorDetails, where: string): object | undefined {
  if (api === undefined) return undefined;
  if (!isObject(api)) {
    throw new PluginLoadError(`${label(details)}: ${where}api is ${api === null ? 'null' : typeof api}, expected an object of functions`, details);
  }
  return api;
}

/** Where a loaded plugin came from. */
export type PluginOrigin = { kind: 'registry'; registry: string; range: string } | { kind: 'local'; location: string };
