/**
 * The management API's OpenAPI document against its real routes: every
 * route documented and every documented operation routed; the document is
 * served at /api/v1/openapi.json as it is in the source.
 */
import { describe, expect, it } from 'vitest';
import { createManagementApi, MANAGEMENT_OPENAPI } from '../../../src/node/host-service/api/index.js';
import { compareOpenApiToRoutes } from '../../contracts/openapi-routes.js';
import { nodeHost } from '../helpers.js';
import { apiCaller, startService, testConfig } from './api-fixture.js';
import { tempDir, writeTree } from '../helpers.js';
import { routePlugin } from './fixtures.js';

describe('the management API OpenAPI document', () => {
  it('documents every route of the API, and no route it does not have', async () => {
    const host = await nodeHost();
    const api = createManagementApi({ host, config: await testConfig({}), state: () => 'ready', log: () => {} });
    try {
      expect(api.routes.routes.length).toBeGreaterThan(10);
      expect(compareOpenApiToRoutes(MANAGEMENT_OPENAPI, api.routes.routes)).toEqual({ undocumented: [], unrouted: [] });
    } finally {
      api.close();
    }
  });

  it('is an OpenAPI 3.1 document served at /api/v1/openapi.json', async () => {
    const dir = await tempDir();
    await writeTree(dir, routePlugin('alpha', '1.0.0', 'a1', []));
    const service = await startService({ dir });
    const { status, body, headers } = await apiCaller(service.url)('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('application/json');
    expect(body).toEqual(JSON.parse(JSON.stringify(MANAGEMENT_OPENAPI)));
    expect(body.openapi).toBe('3.1.0');
    expect(body.servers).toEqual([{ url: '/api/v1' }]);
  });
});
