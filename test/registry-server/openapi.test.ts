/**
 * The registry's OpenAPI document against its real routes: every hono route
 * documented and every documented operation routed, and the document served
 * at /v1/openapi.json over a socket as it is in the code.
 */
import { describe, expect, it } from 'vitest';
import { REGISTRY_OPENAPI } from '../../registry-server/openapi.js';
import { compareOpenApiToRoutes } from '../contracts/openapi-routes.js';
import { servedRegistry } from './socket-helpers.js';

describe('registry OpenAPI document', () => {
  it('documents every route the registry has, and nothing else', async () => {
    const { registry } = await servedRegistry({ driver: 'memory' });
    expect(registry.routes.length).toBeGreaterThan(10);
    expect(compareOpenApiToRoutes(REGISTRY_OPENAPI as unknown as Parameters<typeof compareOpenApiToRoutes>[0], registry.routes)).toEqual({
      undocumented: [],
      unrouted: [],
    });
  });

  it('is served at /v1/openapi.json as OpenAPI 3.1, with every reference resolving', async () => {
    const { url } = await servedRegistry({ driver: 'memory' });
    const response = await fetch(`${url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const document = (await response.json()) as typeof REGISTRY_OPENAPI;
    expect(document).toEqual(JSON.parse(JSON.stringify(REGISTRY_OPENAPI)));
    expect(document.openapi).toBe('3.1.0');
    const text = JSON.stringify(document);
    const references = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThan(0);
    for (const name of references) expect(Object.keys(document.components.schemas), name).toContain(name);
    for (const [path, item] of Object.entries(document.paths)) {
      const parameters = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const operation of Object.values(item) as { parameters?: { name: string; in: string }[] }[]) {
        const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name);
        expect(declared.sort(), path).toEqual([...parameters].sort());
      }
    }
  });
});
