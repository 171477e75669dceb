/**
 * Several `plughub serve` processes on one storage (a data directory or a
 * PostgreSQL URL), optionally behind nginx with the example configuration:
 * the harness of the scale tests. Every process and nginx is stopped after
 * the test.
 */
import { onCleanup, pluginPackage, publishRequest } from '../helpers.js';
import { kill, spawnTypeScript, type Child } from '../processes.js';
import { startNginx, type RunningNginx } from '../../support/nginx.js';

/** A `plughub serve` child that listens. */
export type ServerProcess = Child & { url: string };

/** Options every server of a cluster gets: behind nginx every client has one address, and the tests publish dozens at once with one token. */
const SERVE_OPTIONS = ['--max-connections-per-address', '1000', '--uploads-per-token', '100', '--no-metrics'];

/** `plughub serve --port 0 --storage STORAGE` in a child, once it listens (a data directory goes to --data). */
export async function startStorageServer(storage: string, options: string[] = []): Promise<ServerProcess> {
  const where = storage.startsWith('postgres') ? ['--storage', storage] : ['--data', storage];
  const child = spawnTypeScript('src/node/cli/main.ts', ['serve', '--port', '0', ...where, ...SERVE_OPTIONS, ...options]);
  const [, url] = await child.waitForLine(/^listening on (http:\/\/\S+)$/);
  return { ...child, url: url! };
}

/** A cluster: its servers (the first created the admin token), the admin token, and nginx when asked for. */
export interface Cluster {
  servers: ServerProcess[];
  token: string;
  nginx?: RunningNginx;
}

/**
 * Starts `count` servers on `storage`, the first alone (it creates the admin
 * token and the signing key, the others find them), then nginx in front when
 * `nginx` is true.
 */
export async function startCluster(storage: string, options: { count?: number; nginx?: boolean; serveOptions?: string[] } = {}): Promise<Cluster> {
  const count = options.count ?? 3;
  const first = await startStorageServer(storage, options.serveOptions);
  const token = /shown only this once\):\n(\S+)\n/.exec(first.output())?.[1];
  if (token === undefined) throw new Error(`the first server printed no admin token:\n${first.output()}`);
  const others = await Promise.all(Array.from({ length: count - 1 }, () => startStorageServer(storage, options.serveOptions)));
  const servers = [first, ...others];
  if (options.nginx !== true) return { servers, token };
  const nginx = await startNginx(servers.map((server) => server.url));
  onCleanup(() => nginx.stop());
  return { servers, token, nginx };
}

/** Stops a server for good (SIGKILL). */
export { kill };

/** PUTs `name@version` to `base` (a server or nginx); resolves to the status. */
export async function publishTo(base: string, token: string, name: string, version: string, salt = ''): Promise<number> {
  const { bytes } = await pluginPackage(name, version, { salt });
  const response = await fetch(publishRequest(name, version, bytes, { token, origin: base }));
  await response.arrayBuffer();
  return response.status;
}

/** GET `path` of `base` as JSON, bypassing caches (`Cache-Control: no-cache`). */
export async function getJson(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${base}${path}`, { headers: { 'cache-control': 'no-cache', ...headers } });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}
