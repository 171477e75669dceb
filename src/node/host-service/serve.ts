/**
 * Running the plugin host service: `startHostService(config)` binds the
 * port first (a busy port fails before anything loads, with the registry's
 * ListenError), then loads the plugin directory (watched when asked) and the
 * registry plugins into a Node plugin host, and serves the service app
 * (app.ts; with /metrics, metrics.ts, loaded only when the configuration
 * does not turn metrics off, as it needs prom-client, and counting every
 * answer by status class) through the registry's node:http bridge (timeouts, header and
 * body bounds, connection caps, send deadline). Requests that arrive while
 * plugins load wait for them. `close()` is the graceful stop: no new
 * connections, requests in flight finish within the grace period and are
 * then aborted (their `signal` fires), the plugins are deactivated
 * (`host.close()`), the access log is flushed (it writes its lines in
 * batches, access-log.ts; a process that exits without a graceful stop
 * writes its last batch on `exit`). The management API
 * (api/index.ts) is mounted at `/api/v1`, on or off as the listen address
 * and the token directory allow; it answers at once, also while the first
 * plugins load (`/api/v1/ready` is a 503 until they are), and its event
 * streams end when the service stops. The management page (ui/index.ts)
 * is mounted at `/ui`, following the API's access rules.
 */
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { format } from 'node:util';
import { PlughubError } from '../../core/errors/index.js';
import { serveNode, type NodeServer, type ServedRequest } from '../../../registry-server/node/index.js';
import { createPluginHost, type NodePluginHost } from '../host.js';
import type { DirChange } from '../discover/index.js';
import { AccessLogWriter, servedLogLine } from './access-log.js';
import { createHostApp, type MountedPart } from './app.js';
import {
  API_PATH,
  apiAvailability,
  apiOffPart,
  createManagementApi,
  pluginMetricsOf,
  type ManagementApi,
  type PluginMetricsSource,
  type ServiceState,
} from './api/index.js';
import type { EventStreamLimits } from './api/events.js';
import { createHostUi } from './ui/index.js';
import type { HostConfig } from './config.js';

/** Where the service reports what it does (besides the access log). */
export interface HostServiceLog {
  /** Startup, plugin loads, watch passes, shutdown. */
  info(message: string): void;
  /** Plugins that failed to load, listener errors. */
  error(message: string): void;
}

/** What startHostService needs besides the configuration. */
export interface HostServiceOptions {
  log: HostServiceLog;
  /** Where access log lines go when the configuration names no file (default process.stdout). */
  accessLogStream?: { write(chunk: string): unknown };
  /** The environment for the host's defaults (PLUGHUB_REGISTRY, PLUGHUB_CACHE_DIR). */
  env?: Record<string, string | undefined>;
  /** Parts mounted before the plugin routes (see app.ts). */
  mounts?: MountedPart[];
  /** The figures of a plugin version the management API shows as its `metrics` (default: the host's metrics, summarized). */
  pluginMetrics?: PluginMetricsSource;
  /** Bounds of the management API's event stream (heartbeat, clients …). */
  apiEvents?: Partial<EventStreamLimits>;
}

/** A running service. */
export interface HostService {
  /** `http://HOST:PORT`, with the real port. */
  url: string;
  host: NodePluginHost;
  /** The graceful stop (see the module comment); resolves when everything is closed. */
  close(): Promise<void>;
}

/** Starts the service; rejects (and leaves nothing open) when it cannot listen or a registry plugin cannot load. */
export async function startHostService(config: HostConfig, options: HostServiceOptions): Promise<HostService> {
  const { log } = options;
  const metricsModule = config.metrics === false ? undefined : await import('./metrics.js');
  const accessFile = config.accessLog === undefined ? undefined : await openAppend(config.accessLog, log);
  const accessLog = new AccessLogWriter(accessFile ?? options.accessLogStream ?? process.stdout);
  // A process that exits at once (a second SIGTERM) still writes the lines of its last batch to stdout.
  const flushAtExit = () => accessLog.flush();
  process.on('exit', flushAtExit);
  const host = createPluginHost({
    ...(config.registry !== undefined ? { registry: config.registry } : {}),
    ...(config.cacheDir !== undefined ? { cacheDir: config.cacheDir } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    isolation: config.isolation,
    maxRouteBodyBytes: config.maxBodyBytes,
    // The bridge writes a route's text, bytes or JSON as they are: no body stream is made for them.
    preparedResponses: true,
    log: {
      debug: () => {},
      info: (...args) => log.info(format(...args)),
      warn: (...args) => log.error(format(...args)),
      error: (...args) => log.error(format(...args)),
    },
  });
  let state: ServiceState = 'starting';
  let api: ManagementApi | undefined;
  const availability = apiAvailability(config);
  try {
    if (availability.on) {
      api = createManagementApi({
        host,
        config,
        state: () => state,
        log: log.error,
        pluginMetrics: options.pluginMetrics ?? pluginMetricsOf(host),
        ...(options.apiEvents ? { events: options.apiEvents } : {}),
      });
    } else log.error(availability.reason);
  } catch (error) {
    process.off('exit', flushAtExit);
    await host.close();
    await closeStream(accessFile);
    throw error;
  }
  const apiPart = api ?? apiOffPart(availability.on ? '' : availability.reason);
  const ui = createHostUi({ host, config, availability });
  const metrics = metricsModule?.createServiceMetrics(host);
  const mounts = [apiPart, ui, ...(options.mounts ?? []), ...(metrics ? [metrics.part] : [])];
  const app = createHostApp({ plugins: host, maxBodyBytes: config.maxBodyBytes, mounts });
  let ready: (loaded: boolean) => void = () => {};
  const loaded = new Promise<boolean>((resolve) => {
    ready = resolve;
  });
  // Until the plugins are loaded requests wait for them; then they go straight to the app.
  let handle: (request: Request) => Response | Promise<Response> = async (request) =>
    isApiRequest(request) || (await loaded) ? app.fetch(request) : unavailable();
  let server: NodeServer;
  try {
    server = await serveNode(
      { fetch: (request) => handle(request) },
      {
        port: config.port,
        host: config.listen,
        closeGraceMs: config.graceMs,
        log: (entry) => log.error(entry.message),
        onResponse: (served: ServedRequest) => {
          metrics?.requests.count(served.status);
          accessLog.line(servedLogLine(served.request, served.status, served.bytes, served.startedAt));
        },
      },
    );
  } catch (error) {
    ui.close();
    api?.close();
    process.off('exit', flushAtExit);
    await host.close();
    await closeStream(accessFile);
    throw error;
  }
  if (api !== undefined) log.info(describeApi(`${server.url}${API_PATH}`, config));
  const offWatch = host.on('watch', (change) => log.info(describeChange(change)));
  let offError = () => {};
  try {
    await loadPlugins(host, config, log);
    // From now on (the first load reported its failures itself): what fails in a watched directory, or later.
    offError = host.on('error', (event) => log.error(event.error instanceof Error ? event.error.message : `${event.name}: ${String(event.error)}`));
    handle = (request) => app.fetch(request);
    state = 'ready';
    ready(true);
  } catch (error) {
    ready(false);
    state = 'stopping';
    api?.close();
    ui.close();
    offWatch();
    await server.close();
    await host.close();
    process.off('exit', flushAtExit);
    accessLog.flush();
    await closeStream(accessFile);
    throw error;
  }
  return {
    url: server.url,
    host,
    async close() {
      state = 'stopping';
      // Event streams never finish on their own: end them once the server stops accepting, so that the stop waits only for real requests.
      const closed = server.close();
      api?.close();
      await closed;
      ui.close();
      offWatch();
      await host.close();
      offError();
      process.off('exit', flushAtExit);
      accessLog.flush();
      await closeStream(accessFile);
    },
  };
}

async function loadPlugins(host: NodePluginHost, config: HostConfig, log: HostServiceLog): Promise<void> {
  if (config.dir !== undefined) {
    const result = config.watch ? await host.loadDir(config.dir, { watch: true }) : await host.loadDir(config.dir);
    for (const plugin of result.loaded) log.info(`loaded ${plugin.name}@${plugin.version} from ${config.dir}`);
    for (const { error } of result.failed) log.error(error.message);
    if (config.watch) log.info(`watching ${config.dir}`);
  }
  for (const spec of config.load) {
    const plugin = await host.load(spec);
    log.info(`loaded ${plugin.name}@${plugin.version} from the registry`);
  }
}

function describeChange(change: DirChange): string {
  const parts = [
    ...change.added.map((plugin) => `added ${plugin.name}@${plugin.version}`),
    ...change.reloaded.map((entry) => `reloaded ${entry.name} ${entry.from} -> ${entry.to}`),
    ...change.removed.map((entry) => `removed ${entry.name}@${entry.version}`),
    ...change.failed.map((entry) => `failed ${entry.location}`),
  ];
  return `${change.dir}: ${parts.join(', ')}`;
}

/** True for a request to the management API, which answers while the first plugins load. */
function isApiRequest(request: Request): boolean {
  const path = new URL(request.url).pathname;
  return path === API_PATH || path.startsWith(`${API_PATH}/`);
}

/** The start line about the management API: where it is and who may use it. */
function describeApi(url: string, config: HostConfig): string {
  const tokens = config.api?.tokens;
  const reads = config.api?.readAccess === 'token' ? 'reads need a token' : 'reads are open';
  const changes = tokens === undefined ? 'changes are refused (no token directory: --api-tokens DIR)' : `changes need an admin token of ${tokens}`;
  const empty = tokens !== undefined && !existsSync(join(tokens, 'tokens.json'));
  if (empty) return `management API at ${url}: ${reads}, ${changes}, which has no tokens yet (plughub token create --admin --data ${tokens})`;
  return `management API at ${url}: ${reads}, ${changes}`;
}

/** The answer to requests that arrived while a start failed. */
function unavailable(): Response {
  const body = { error: { code: 'E_UNAVAILABLE', message: 'the plugin host failed to start' } };
  return new Response(JSON.stringify(body), { status: 503, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}

/** Opens the access log for appending; a write that fails later (a full disk) is reported once, not thrown. */
async function openAppend(file: string, log: HostServiceLog): Promise<WriteStream> {
  const stream = createWriteStream(file, { flags: 'a' });
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new PlughubError(`cannot open the access log ${file}: ${(error as Error).message}`, { cause: error });
  }
  let reported = false;
  stream.on('error', (error) => {
    if (!reported) log.error(`cannot write the access log ${file}: ${error.message}`);
    reported = true;
  });
  return stream;
}

async function closeStream(stream: WriteStream | undefined): Promise<void> {
  if (stream === undefined) return;
  await new Promise<void>((resolve) => stream.end(resolve));
}
