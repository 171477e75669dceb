/**
 * A plugin's document holds at most MAX_DOCUMENT_VERSIONS versions (yanked
 * ones count, since a published version never goes away): the next publish
 * is refused 413 E_TOO_LARGE before anything is stored, naming the plugin
 * and the bound. Every version costs each publish a share of the document's
 * parse and serialization, and hosts a comparison on every resolve.
 */
import { describe, expect, it } from 'vitest';
import { addVersion } from '../../registry-server/index.js';
import { MAX_DOCUMENT_VERSIONS } from '../../registry-server/publish.js';
import type { PluginDocument, VersionEntry } from '../../src/core/registry/document.js';
import { errorOf, storedFingerprint, pluginPackage, publishRequest, sha256Hex, testRegistry } from './helpers.js';

function entryOf(name: string, version: string): VersionEntry {
  const hex = sha256Hex(new TextEncoder().encode(`${name}@${version}`));
  return {
    manifest: { name, version, source: { mode: 'esm', path: 'dist/index.js' } },
    dist: { integrity: `sha256-${Buffer.from(hex, 'hex').toString('base64')}`, size: 1, url: `/v1/blobs/sha256/${hex}` },
    publishedAt: new Date(0).toISOString(),
    yanked: false,
  } as VersionEntry;
}

describe('versions per document', () => {
  it(`refuses version ${MAX_DOCUMENT_VERSIONS + 1} of a plugin with 413, storing nothing`, { timeout: 60_000 }, async () => {
    expect(MAX_DOCUMENT_VERSIONS).toBe(1000);
    const registry = await testRegistry();
    await registry.storage.updateDocument('many', () => {
      const versions: PluginDocument['versions'] = {};
      for (let i = 0; i < MAX_DOCUMENT_VERSIONS - 1; i++) versions[`0.0.${i}`] = { ...entryOf('many', `0.0.${i}`), yanked: i % 2 === 0 };
      return addVersion({ name: 'many', distTags: {}, modified: '', versions }, 'many', '0.1.0', entryOf('many', '0.1.0'), Date.now());
    });
    const before = await storedFingerprint(registry);
    const { bytes } = await pluginPackage('many', '1.0.0');
    const response = await registry.fetch(publishRequest('many', '1.0.0', bytes, { token: registry.adminToken }));
    const error = await errorOf(response);
    expect([response.status, error.code]).toEqual([413, 'E_TOO_LARGE']);
    expect(error.message).toMatch(/many already has 1000 versions, the most one plugin may have/);
    expect(error.limit).toBe(MAX_DOCUMENT_VERSIONS);
    expect(await storedFingerprint(registry)).toEqual(before);
  });
});
