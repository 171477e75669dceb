/**
 * What the management API's routes share: the host, what they show of it,
 * where local plugins may come from, the service's state, and the checks of
 * a plugin name given in a path.
 */
import { validatePluginName } from '../../../core/plugin/index.js';
import type { LoadedPlugin } from '../../../core/host/index.js';
import type { NodePluginHost } from '../../host.js';
import type { HostConfig } from '../config.js';
import { ApiError } from './errors.js';
import type { PluginMetricsSource, RetiringVersions } from './views.js';

/** Where the service is in its life: loading its first plugins, serving, or stopping. */
export type ServiceState = 'starting' | 'ready' | 'stopping';

/** What the routes work with. */
export interface ApiContext {
  host: NodePluginHost;
  config: HostConfig;
  retiring: RetiringVersions;
  metrics: PluginMetricsSource;
  /** Directories (absolute) under which local plugins may be loaded. */
  allowLoadFrom: string[];
  state(): ServiceState;
}

/** The plugin name of a path parameter (a scoped name's slash percent-encoded: `@acme%2Fhello`); a 400 ApiError when it is not a name. */
export function nameParam(text: string): string {
  const problem = validatePluginName(text);
  if (problem !== undefined) throw new ApiError(400, 'E_BAD_REQUEST', `invalid plugin name ${JSON.stringify(text.slice(0, 300))}: ${problem}`);
  return text;
}

/** The loaded plugin `name`; a 404 ApiError (E_NOT_LOADED) when none is. */
export function loadedPlugin(host: NodePluginHost, name: string): LoadedPlugin {
  const plugin = host.get(name);
  if (plugin === undefined) throw new ApiError(404, 'E_NOT_LOADED', `${name} is not loaded in this host`);
  return plugin;
}
