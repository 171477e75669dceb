/**
 * What the management API shows of the host: a loaded plugin as JSON (its
 * facts, its routes, its state and its metrics), the versions still
 * finishing calls after a swap (followed from the host's `upgraded` and
 * `retired` events, as the host keeps them to itself), and a thrown error
 * as `{ code, message }` (never a stack).
 */
import { isPlughubError } from '../../../core/errors/index.js';
import type { LoadedPlugin } from '../../../core/host/index.js';
import type { NodePluginHost } from '../../host.js';

/** The figures of one plugin version, from the host's metrics (what the function returns is shown as it is). */
export type PluginMetricsSource = (name: string, version: string) => unknown;

/** A route of a plugin as the API lists it. */
export interface RouteView {
  method: string;
  pattern: string;
  label: string;
}

/** A version replaced by an upgrade or reload that still finishes its calls in flight. */
export interface RetiringView {
  version: string;
  /** When it was replaced (ISO 8601). */
  since: string;
}

/** A loaded plugin as the API shows it. */
export interface PluginView {
  name: string;
  version: string;
  isolation: string;
  origin: LoadedPlugin['origin'];
  routes: RouteView[];
  /** `serving`: the version that takes new calls (the only state a listed plugin is in). */
  state: 'serving';
  /** Older versions still finishing calls after a swap. */
  retiring: RetiringView[];
  /** ISO 8601. */
  loadedAt: string;
  integrity: string;
  metrics: unknown;
}

/** The versions replaced by swaps and not yet retired, by plugin name, kept from the host's events. */
export class RetiringVersions {
  readonly #byName = new Map<string, RetiringView[]>();
  readonly #off: Array<() => void>;

  constructor(host: Pick<NodePluginHost, 'on'>) {
    this.#off = [
      host.on('upgraded', ({ name, from }) => {
        const list = this.#byName.get(name) ?? [];
        list.push({ version: from, since: new Date().toISOString() });
        this.#byName.set(name, list);
      }),
      host.on('retired', ({ name, version }) => {
        const list = (this.#byName.get(name) ?? []).filter((entry) => entry.version !== version);
        if (list.length === 0) this.#byName.delete(name);
        else this.#byName.set(name, list);
      }),
    ];
  }

  /** The versions of `name` still finishing calls, oldest first. */
  of(name: string): RetiringView[] {
    return [...(this.#byName.get(name) ?? [])];
  }

  /** Stops following the host. */
  close(): void {
    for (const off of this.#off) off();
    this.#byName.clear();
  }
}

/** The routes a plugin's manifest declares (`http_services.routes`). */
export function routesOf(plugin: LoadedPlugin): RouteView[] {
  const routes = (plugin.manifest as { http_services?: { routes?: Array<{ route: string; method: string; label: string }> } }).http_services?.routes ?? [];
  return routes.map((route) => ({ method: route.method, pattern: route.route, label: route.label }));
}

/** The JSON view of a loaded plugin. */
export function pluginView(plugin: LoadedPlugin, retiring: RetiringVersions, metrics: PluginMetricsSource): PluginView {
  return {
    name: plugin.name,
    version: plugin.version,
    isolation: plugin.isolation,
    origin: plugin.origin,
    routes: routesOf(plugin),
    state: 'serving',
    retiring: retiring.of(plugin.name),
    loadedAt: new Date(plugin.loadedAt).toISOString(),
    integrity: plugin.integrity,
    metrics: metrics(plugin.name, plugin.version) ?? null,
  };
}

/** A plugin as an event names it: who, which version, where from. */
export function pluginSummary(plugin: LoadedPlugin): { name: string; version: string; isolation: string; origin: LoadedPlugin['origin'] } {
  return { name: plugin.name, version: plugin.version, isolation: plugin.isolation, origin: plugin.origin };
}

/** An error as the API shows it: its stable code and its message, never its stack. */
export function errorView(error: unknown): { code: string; message: string } {
  if (isPlughubError(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'E_INTERNAL', message: error.message };
  return { code: 'E_INTERNAL', message: String(error) };
}
