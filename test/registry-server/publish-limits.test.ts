/**
 * Bounds on what one publish may store and what one list page may carry:
 * an oversized description or a plugin.json nested 5,000 deep is a 422
 * (never a 500) and a publish that would grow the document past its bound a 413,
 * each leaving the data directory byte for byte as it was (no orphan blob);
 * a page of GET /v1/plugins stays under its byte bound whatever the
 * summaries hold, and descriptions stored before the bound are cut in lists.
 * A manifest that breaks only the publish bounds is refused by publish, and
 * still loads in a host when an older registry stored it.
 */
import { describe, expect, it } from 'vitest';
import { addVersion } from '../../registry-server/index.js';
import { MAX_LIST_PAGE_BYTES } from '../../registry-server/routes/read.js';
import { MAX_DOCUMENT_BYTES } from '../../registry-server/publish.js';
import { createHost } from '../../src/core/host/create.js';
import { MANIFEST_FIELD_LIMITS } from '../../src/core/plugin/manifest-limits.js';
import { createMemoryBlobCache, createMemoryDocumentCache } from '../../src/core/memory.js';
import { createRegistryClient } from '../../src/core/registry/client.js';
import { LEGACY_FIELDS } from '../core/plugin/legacy-manifest.js';
import {
  ORIGIN,
  bundleText,
  errorOf,
  storedFingerprint,
  get,
  manifest,
  pluginPackage,
  plg,
  publish,
  publishRequest,
  sha256Hex,
  testRegistry,
  type TestRegistry,
} from './helpers.js';

/** A version entry as an older registry may have stored it, with any manifest. */
function storedEntry(name: string, version: string, manifestFields: Record<string, unknown>) {
  const hex = sha256Hex(new TextEncoder().encode(`${name}@${version}`));
  return {
    manifest: { name, version, source: { mode: 'esm', path: 'dist/index.js' }, ...manifestFields },
    dist: { integrity: `sha256-${Buffer.from(hex, 'hex').toString('base64')}`, size: 1, url: `/v1/blobs/sha256/${hex}` },
    publishedAt: new Date(0).toISOString(),
    yanked: false,
  };
}

/** Stores a document directly, as data written before the bounds held. */
async function storeDirectly(registry: TestRegistry, name: string, manifestFields: Record<string, unknown>): Promise<void> {
  await registry.storage.updateDocument(name, (current) => addVersion(current, name, '1.0.0', storedEntry(name, '1.0.0', manifestFields), Date.now()));
}

async function expectNothingStored(registry: TestRegistry, request: Request, status: number, code: string): Promise<string> {
  const before = await storedFingerprint(registry);
  const response = await registry.fetch(request);
  const error = await errorOf(response);
  expect([response.status, error.code], error.message).toEqual([status, code]);
  expect(await storedFingerprint(registry)).toEqual(before);
  return error.message;
}

describe('what one publish may store', () => {
  it('refuses a 10 KB description with 422, so it never reaches a list page', async () => {
    const registry = await testRegistry();
    const { bytes } = await pluginPackage('bloat', '1.0.0', { manifestExtra: { description: 'x'.repeat(10_000) } });
    const message = await expectNothingStored(registry, publishRequest('bloat', '1.0.0', bytes, { token: registry.adminToken }), 422, 'E_MANIFEST');
    expect(message).toContain('description: must be at most 300 characters');
    expect(await (await get(registry, '/v1/plugins')).json()).toEqual({ total: 0, plugins: [] });
  });

  it('refuses a manifest that breaks only the publish bounds, which a host still loads when an older registry stored it', async () => {
    const registry = await testRegistry();
    const { bytes } = await pluginPackage('legacy', '1.0.0', { manifestExtra: LEGACY_FIELDS });
    const message = await expectNothingStored(registry, publishRequest('legacy', '1.0.0', bytes, { token: registry.adminToken }), 422, 'E_MANIFEST');
    expect(message).toMatch(/unknown fields \(notes\)/);
    // The same fields on a version stored before the bounds held (its bundle published as usual).
    await publish(registry, 'legacy', '1.0.0');
    await registry.storage.updateDocument('legacy', (current) => {
      const entry = current!.versions['1.0.0']!;
      return { ...current!, versions: { '1.0.0': { ...entry, manifest: { ...entry.manifest, ...LEGACY_FIELDS } } } };
    });
    const client = createRegistryClient({ url: ORIGIN, fetch: (input, init) => registry.fetch(new Request(input, init)), retry: 0 });
    const host = createHost({ registry: client, cache: createMemoryBlobCache(), documents: createMemoryDocumentCache() });
    const loaded = await host.load('legacy');
    expect(loaded.manifest.description).toHaveLength(301);
    expect(loaded.manifest.maintainers).toHaveLength(40);
    await host.close();
  });

  it('refuses a plugin.json nested 5,000 deep with 422 and leaves no blob behind', async () => {
    const registry = await testRegistry();
    const head = JSON.stringify(manifest('deep', '1.0.0')).slice(0, -1);
    const text = `${head},"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const bytes = await plg([
      { path: 'plugin.json', content: text },
      { path: 'dist/index.js', content: bundleText('deep', '1.0.0') },
    ]);
    const message = await expectNothingStored(registry, publishRequest('deep', '1.0.0', bytes, { token: registry.adminToken }), 422, 'E_MANIFEST');
    expect(message).toContain('is nested deeper than 16 levels');
  });

  it('refuses a raw __proto__ key in plugin.json with 422', async () => {
    const registry = await testRegistry();
    const text = JSON.stringify(manifest('proto', '1.0.0')).replace('{', '{"__proto__":{"admin":true},');
    const bytes = await plg([
      { path: 'plugin.json', content: text },
      { path: 'dist/index.js', content: bundleText('proto', '1.0.0') },
    ]);
    const message = await expectNothingStored(registry, publishRequest('proto', '1.0.0', bytes, { token: registry.adminToken }), 422, 'E_MANIFEST');
    expect(message).toContain('the key "__proto__" is not allowed');
  });

  it(`refuses with 413 a version that would grow the document past ${MAX_DOCUMENT_BYTES} bytes, before its blob is written`, async () => {
    const registry = await testRegistry();
    await storeDirectly(registry, 'grown', { description: 'y'.repeat(MAX_DOCUMENT_BYTES) });
    const { bytes } = await pluginPackage('grown', '2.0.0');
    const message = await expectNothingStored(registry, publishRequest('grown', '2.0.0', bytes, { token: registry.adminToken }), 413, 'E_TOO_LARGE');
    expect(message).toMatch(new RegExp(`grown@2\\.0\\.0: the document would take \\d+ bytes, more than ${MAX_DOCUMENT_BYTES}`));
  });
});

describe('GET /v1/plugins pages', () => {
  it(`stay under ${MAX_LIST_PAGE_BYTES} bytes however long the summaries, and a client can page on with offset`, async () => {
    const registry = await testRegistry({ driver: 'memory' });
    const description = '€'.repeat(MANIFEST_FIELD_LIMITS.description);
    const names = Array.from({ length: 250 }, (_, i) => `p${String(i).padStart(3, '0')}-${'n'.repeat(200)}`);
    for (const name of names) await storeDirectly(registry, name, { description });
    const response = await get(registry, '/v1/plugins?limit=250');
    const text = await response.text();
    expect(new TextEncoder().encode(text).byteLength).toBeLessThanOrEqual(MAX_LIST_PAGE_BYTES);
    const page = JSON.parse(text) as { total: number; plugins: { name: string }[] };
    expect(page.total).toBe(250);
    expect(page.plugins.length).toBeGreaterThan(100);
    expect(page.plugins.length).toBeLessThan(250);
    const seen = page.plugins.map((row) => row.name);
    while (seen.length < page.total) {
      const next = (await (await get(registry, `/v1/plugins?limit=250&offset=${seen.length}`)).json()) as typeof page;
      expect(next.plugins.length).toBeGreaterThan(0);
      seen.push(...next.plugins.map((row) => row.name));
    }
    expect(seen).toEqual(names);
  });

  it('cut descriptions stored before the bound, so an old 1 MB description does not bloat every page', async () => {
    for (const driver of ['memory', 'fs'] as const) {
      const registry = await testRegistry({ driver });
      await storeDirectly(registry, 'old', { description: 'z'.repeat(1_000_000) });
      await publish(registry, 'new', '1.0.0');
      const response = await get(registry, '/v1/plugins');
      const page = (await response.json()) as { plugins: { name: string; description?: string }[] };
      expect(page.plugins.map((row) => [row.name, row.description?.length])).toEqual([
        ['new', 'The new plugin'.length],
        ['old', MANIFEST_FIELD_LIMITS.description],
      ]);
    }
  });
});
