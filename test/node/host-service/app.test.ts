/**
 * The service's hono app: a mounted part answers its own path and the paths
 * under it, and every other path goes to the plugin routes, request intact.
 */
import { describe, expect, it } from 'vitest';
import { createHostApp } from '../../../src/node/host-service/app.js';

describe('createHostApp', () => {
  it('sends a mounted part its paths and the plugin routes everything else', async () => {
    const seen: string[] = [];
    const app = createHostApp({
      plugins: {
        fetch: async (request) => {
          seen.push(`${request.method} ${request.url}`);
          return new Response('plugins');
        },
      },
      mounts: [{ path: '/metrics', fetch: () => new Response('metrics') }],
    });
    const answer = async (path: string, init?: RequestInit) => (await app.fetch(new Request(`http://service${path}`, init))).text();
    expect(await answer('/metrics')).toBe('metrics');
    expect(await answer('/metrics/plugins')).toBe('metrics');
    expect(await answer('/metricsx')).toBe('plugins');
    expect(await answer('/api/plugin/a/1?x=2', { method: 'PUT', body: 'b' })).toBe('plugins');
    expect(seen).toEqual(['GET http://service/metricsx', 'PUT http://service/api/plugin/a/1?x=2']);
  });
});
