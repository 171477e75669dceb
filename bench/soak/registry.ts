/**
 * The registry of the soak benchmark, in a process of its own so that its
 * memory is its own: filesystem storage and a file token store under
 * `--data`, served by the node:http bridge on 127.0.0.1, port 0. It tells the
 * parent its URL and an admin token, then answers the parent's samples
 * (child.ts). Errors the registry logs are counted and reported at `stop`.
 */
import { parseArgs } from 'node:util';
import { createFileTokenStore, createFsStorage, createRegistry, serveNode } from '../../registry-server/index.js';
import { serveParent, tell } from './child.js';

const { values } = parseArgs({ options: { data: { type: 'string' } } });
if (!values.data) throw new Error('--data is required');

const loggedErrors: string[] = [];
const storage = createFsStorage(values.data);
const tokens = createFileTokenStore(values.data);
const { token } = await tokens.create({ admin: true, publish: [] });
const registry = createRegistry({
  storage,
  tokens,
  log: (entry) => {
    if (entry.level === 'error') loggedErrors.push(`${entry.message}: ${String(entry.error)}`);
  },
});
const server = await serveNode(registry, { port: 0, host: '127.0.0.1' });

serveParent({
  stop: async () => {
    await server.close();
    await registry.close();
    return { loggedErrors };
  },
});
tell({ type: 'ready', url: server.url, token });
