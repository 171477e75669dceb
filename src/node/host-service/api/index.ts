/**
 * The management API of `plughub host`, mounted at `/api/v1`: a hono app of
 * its own (routes by concern: plugins.ts, lifecycle.ts, events.ts,
 * status.ts, openapi.ts) behind one access check (auth.ts) and one error
 * shape (errors.ts). Whether it is on at all depends on where the service
 * listens: on a loopback address always; on any other address only with a
 * token directory, since a change needs an admin token and reads may be
 * protected too (`apiAvailability`). Off, `/api/v1` answers 403
 * `E_API_OFF` to everything, and plugins still cannot serve under it.
 */
import { Hono } from 'hono';
import { createFileTokenStore } from '../../../../registry-server/tokens/file.js';
import type { TokenVerifier } from '../../../../registry-server/tokens/types.js';
import type { NodePluginHost } from '../../host.js';
import type { MountedPart } from '../app.js';
import type { ApiConfig, HostConfig } from '../config.js';
import { checkAccess, isLoopback, isRead, type ApiAccess } from './auth.js';
export { isLoopback } from './auth.js';
import type { ApiContext, ServiceState } from './context.js';
import { ApiError, errorAnswer, jsonAnswer } from './errors.js';
import { EVENT_STREAM_HEADERS, EventHub, type EventStreamLimits } from './events.js';
import { lifecycleRoutes } from './lifecycle.js';
import { MANAGEMENT_OPENAPI } from './openapi.js';
import { pluginRoutes } from './plugins.js';
import { statusRoutes } from './status.js';
import { RetiringVersions, type PluginMetricsSource } from './views.js';

export type { ServiceState } from './context.js';
export type { PluginMetricsSource } from './views.js';
export { MANAGEMENT_OPENAPI } from './openapi.js';
export { pluginMetricsOf } from './plugin-metrics.js';

/** Where the API is mounted. */
export const API_PATH = '/api/v1';

/** The defaults of the API's configuration. */
export const API_DEFAULTS: ApiConfig = { tokens: undefined, readAccess: 'open', allowLoadFrom: [] };

/** What the management API needs. */
export interface ManagementApiOptions {
  host: NodePluginHost;
  config: HostConfig;
  /** Where the service is: `starting` and `stopping` make `/ready` a 503 and refuse changes. */
  state(): ServiceState;
  /** The tokens (default: the token directory of the configuration, if any). */
  tokens?: TokenVerifier;
  /** The figures of a plugin version shown as its `metrics` (default: none, shown as null). */
  pluginMetrics?: PluginMetricsSource;
  /** Bounds of the event stream. */
  events?: Partial<EventStreamLimits>;
  /** Where unexpected errors are reported. */
  log(message: string): void;
}

/** The mounted API: its part for the service app, its own hono app (for its routes), and its stop. */
export interface ManagementApi extends MountedPart {
  /** The API's routes, relative to `/api/v1`. */
  readonly routes: Hono;
  /** Ends the event streams and stops following the host. */
  close(): void;
}

/** Whether the API is on for this configuration, and if not, why (a sentence for the log and for the 403). */
export function apiAvailability(config: HostConfig): { on: true } | { on: false; reason: string } {
  const api = config.api ?? API_DEFAULTS;
  if (isLoopback(config.listen) || api.tokens !== undefined) return { on: true };
  return {
    on: false,
    reason: `the management API (${API_PATH}) is off: the service listens on ${config.listen}, not a loopback address, and no token directory is configured (api.tokens, --api-tokens DIR)`,
  };
}

/** The part that answers for an API that is off: 403 E_API_OFF, whatever is asked. */
export function apiOffPart(reason: string): MountedPart {
  return { path: API_PATH, fetch: () => jsonAnswer(403, { error: { code: 'E_API_OFF', message: reason } }) };
}

/**
 * The management API over `host`.
 * @example const api = createManagementApi({ host, config, state: () => 'ready', log: console.error }); createHostApp({ plugins: host, mounts: [api] });
 */
export function createManagementApi(options: ManagementApiOptions): ManagementApi {
  const { host, config } = options;
  const apiConfig = config.api ?? API_DEFAULTS;
  const tokens = options.tokens ?? (apiConfig.tokens === undefined ? undefined : createFileTokenStore(apiConfig.tokens));
  const access: ApiAccess = { tokens, readAccess: apiConfig.readAccess, loopbackOnly: isLoopback(config.listen) };
  const retiring = new RetiringVersions(host);
  const events = new EventHub(host, options.events);
  const context: ApiContext = {
    host,
    config,
    retiring,
    metrics: options.pluginMetrics ?? (() => null),
    allowLoadFrom: apiConfig.allowLoadFrom,
    state: options.state,
  };
  const log = options.log;

  const routes = new Hono();
  routes.use('*', async (c, next) => {
    await checkAccess(c.req.raw, access);
    if (!isRead(c.req.method) && options.state() !== 'ready') {
      const why = options.state() === 'starting' ? 'the host is still loading its first plugins' : 'the host is stopping';
      throw new ApiError(503, 'E_UNAVAILABLE', `${c.req.method} ${new URL(c.req.url).pathname} is refused: ${why}`);
    }
    await next();
  });
  pluginRoutes(routes, context);
  lifecycleRoutes(routes, context);
  statusRoutes(routes, context);
  // A HEAD gets the headers only: opening a stream whose body nobody reads would hold a client's place.
  routes.get('/events', (c) => (c.req.raw.method === 'HEAD' ? new Response(null, { headers: EVENT_STREAM_HEADERS }) : events.open(c.req.raw)));
  routes.get('/openapi.json', () => jsonAnswer(200, MANAGEMENT_OPENAPI));
  routes.onError((error) => errorAnswer(error, log));

  const app = new Hono();
  app.route(API_PATH, routes);
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const scoped = /^\/api\/v1\/plugins\/(@[^/]+)\/([^/]+)/.exec(path);
    const hint = scoped === null ? '' : ` (a scoped name's slash is encoded in a path: ${scoped[1]}%2F${scoped[2]})`;
    return jsonAnswer(404, { error: { code: 'E_NOT_FOUND', message: `no such route: ${c.req.method} ${path.slice(0, 300)}${hint}` } });
  });
  app.onError((error) => errorAnswer(error, log));

  return {
    path: API_PATH,
    routes,
    fetch: (request) => app.fetch(request),
    close() {
      events.close();
      retiring.close();
    },
  };
}
