/**
 * A client that goes away aborts the plugin's `ctx.signal` over a real
 * socket: the route call reads the request's signal (which the node:http
 * bridge makes on first read) only once the call is raced against its
 * context or the plugin reads `ctx.signal`, and a client that closed its
 * connection still reaches the plugin, with the bridge's reason.
 */
import { EventEmitter, once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostConfig } from '../../../src/node/host-service/config.js';
import { startHostService, type HostService } from '../../../src/node/host-service/serve.js';
import { tempDir, writeTree } from '../helpers.js';
import { routeManifest } from './fixtures.js';

/** Waits for the client to go away, reading ctx.signal only after a step of its own. */
const WATCHER = `export default {
  async execute(ctx) {
    ctx.log.info('waits started');
    await null;
    const signal = ctx.signal;
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    ctx.log.info('aborted: ' + signal.reason.message);
    return 'too late';
  },
};
`;

let service: HostService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function startWatcher(): Promise<{ service: HostService; lines: EventEmitter }> {
  const dir = await tempDir();
  await writeTree(dir, {
    'watcher/plugin.json': routeManifest('watcher', '1.0.0', [{ route: '/waits', method: 'GET', label: 'waits' }]),
    'watcher/dist/index.js': WATCHER,
  });
  const lines = new EventEmitter();
  const config: HostConfig = {
    dir,
    watch: false,
    registry: undefined,
    load: [],
    port: 0,
    listen: '127.0.0.1',
    graceMs: 2000,
    accessLog: undefined,
    cacheDir: await tempDir(),
    maxBodyBytes: 1024,
    isolation: 'none',
  };
  const log = { info: (line: string) => lines.emit('line', line), error: (line: string) => lines.emit('line', `error: ${line}`) };
  service = await startHostService(config, { log, accessLogStream: { write: () => true }, env: {} });
  return { service, lines };
}

/** Resolves with the first line the service logs that contains `text`. */
async function logged(lines: EventEmitter, text: string): Promise<string> {
  for (;;) {
    const [line] = (await once(lines, 'line')) as [string];
    if (line.includes(text)) return line;
  }
}

describe('plughub host: a client that goes away', () => {
  it('aborts the ctx.signal of the call that answers it, with the reason the bridge gives', async () => {
    const { service, lines } = await startWatcher();
    const client = new AbortController();
    const started = logged(lines, 'waits started');
    const pending = fetch(`${service.url}/waits`, { signal: client.signal }).catch((error: unknown) => error);
    await started;
    const aborted = logged(lines, 'aborted:');
    client.abort();
    expect(await aborted).toContain('aborted: the client closed the connection');
    expect(await pending).toBeInstanceOf(Error);
  });
});
