/**
 * host.fetch with plugins in the host's realm (node and happy-dom): the
 * shared contract (test/contracts/route-serving.ts), plus what only the
 * in-process path shows.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/core/host/create.js';
import { describeRouteServing, ROUTE_ECHO, routeBundle } from '../../contracts/route-serving.js';
import { publish, setup } from './fixture.js';

describeRouteServing('host.fetch (in-process)', 'none', async (options) => createHost(options));

describe('host.fetch with registry plugins', () => {
  it('moves the routes with a registry upgrade', async () => {
    const { registry, host } = setup();
    const target = host();
    try {
      await publish(registry, 'sample', '1.0.0', ROUTE_ECHO, {
        http_services: { routes: [{ route: '/api/plugin/sample/:id', method: 'GET', label: 'plugin.get' }] },
      });
      await target.load('sample@^1');
      expect(await (await target.fetch(new Request('http://h/api/plugin/sample/1'))).json()).toMatchObject({ version: '1.0.0', label: 'plugin.get' });
      await publish(registry, 'sample', '1.1.0', ROUTE_ECHO, {
        http_services: { driver: 'fetch', routes: [{ route: '/api/plugin/sample/v2/:id', method: 'GET', label: 'plugin.get2' }] },
      });
      await target.upgrade('sample');
      expect((await target.fetch(new Request('http://h/api/plugin/sample/1'))).status).toBe(404);
      expect(await (await target.fetch(new Request('http://h/api/plugin/sample/v2/1'))).json()).toMatchObject({
        version: '1.1.0',
        label: 'plugin.get2',
        params: { id: '1' },
      });
    } finally {
      await target.close();
    }
  });

  it('a plugin without http_services serves no route', async () => {
    const target = createHost();
    try {
      await target.loadBundle({
        ...routeBundle('plain', '1.0.0', ROUTE_ECHO, []),
        manifest: { name: 'plain', version: '1.0.0', source: { mode: 'esm', path: 'index.js' } },
      });
      expect((await target.fetch(new Request('http://h/'))).status).toBe(404);
    } finally {
      await target.close();
    }
  });
});
