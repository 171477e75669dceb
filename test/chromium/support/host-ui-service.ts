/**
 * A real `plughub host` for the management page's browser tests: a real
 * registry (support/registry.ts) with route-serving plugins, a plugin
 * directory with a local plugin, a token directory with an admin token, and
 * the service started in-process on 127.0.0.1 port 0, loading `hello@^1`
 * from the registry. `close` stops the service and the registry and
 * removes their directories.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileTokenStore } from '../../../registry-server/tokens/file.js';
import type { HostConfig } from '../../../src/node/host-service/config.js';
import { startHostService, type HostService } from '../../../src/node/host-service/serve.js';
import { startRegistry, type TestRegistry } from './registry.js';

/** The running service and what tests need of it. */
export interface HostUiService {
  url: string;
  registry: TestRegistry;
  service: HostService;
  adminToken: string;
  /** A valid token without the admin scope. */
  readerToken: string;
  /** Publishes a route-serving plugin `name@version` whose answers carry `tag`. */
  publish(name: string, version: string, tag: string): Promise<void>;
  close(): Promise<void>;
}

/** A plugin module that answers its routes with its name and tag. */
function routeModule(name: string, tag: string): string {
  return `export default { async execute(ctx) { return { plugin: ${JSON.stringify(name)}, tag: ${JSON.stringify(tag)}, label: ctx.label }; } };\n`;
}

function routes(name: string) {
  return { http_services: { driver: 'fetch', routes: [{ route: `/${name}/:id`, method: 'GET', label: `${name}.get` }] } };
}

/** Starts the registry and the service; `readAccess` as the API's configuration says. */
export async function startHostUiService(options: { readAccess?: 'open' | 'token'; isolation?: HostConfig['isolation'] } = {}): Promise<HostUiService> {
  const root = await mkdtemp(join(tmpdir(), 'plughub-host-ui-'));
  const registry = await startRegistry();
  const publish = async (name: string, version: string, tag: string) => {
    await registry.publish(name, version, routeModule(name, tag), routes(name));
  };
  try {
    await publish('hello', '1.0.0', 'h1');
    const plugins = join(root, 'plugins');
    await mkdir(join(plugins, 'local-tool'), { recursive: true });
    await writeFile(
      join(plugins, 'local-tool', 'plugin.json'),
      JSON.stringify({ name: 'local-tool', version: '0.3.0', source: { mode: 'esm', path: 'index.js' }, ...routes('local-tool') }),
    );
    await writeFile(join(plugins, 'local-tool', 'index.js'), routeModule('local-tool', 'l1'));
    const tokenDir = join(root, 'tokens');
    const store = createFileTokenStore(tokenDir);
    const adminToken = (await store.create({ admin: true, publish: [] })).token;
    const readerToken = (await store.create({ admin: false, publish: [] })).token;
    const config: HostConfig = {
      dir: plugins,
      watch: false,
      registry: registry.url,
      load: ['hello@^1'],
      port: 0,
      listen: '127.0.0.1',
      graceMs: 1000,
      accessLog: undefined,
      cacheDir: join(root, 'cache'),
      isolation: options.isolation ?? 'none',
      maxBodyBytes: 1024 * 1024,
      api: { tokens: tokenDir, readAccess: options.readAccess ?? 'open', allowLoadFrom: [] },
    };
    const service = await startHostService(config, { log: { info: () => {}, error: () => {} }, accessLogStream: { write: () => true }, env: {} });
    return {
      url: service.url,
      registry,
      service,
      adminToken,
      readerToken,
      publish,
      async close() {
        await service.close();
        await registry.remove();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await registry.remove();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
