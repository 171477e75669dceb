/**
 * host.loadDir reads a folder's plugin.json on the read path: a plugin made
 * before the publish bounds (a 301-character description, 40 maintainers,
 * 10 KiB of unknown fields) loads, while one nested past 16 levels is still
 * reported as a failure.
 */
import { describe, expect, it } from 'vitest';
import { LEGACY_FIELDS } from '../core/plugin/legacy-manifest.js';
import { manifest, nodeHost, tempDir, writeTree } from './helpers.js';

describe('host.loadDir and the manifest bounds', () => {
  it('loads a folder whose plugin.json breaks only the publish bounds, and still refuses a deep one', async () => {
    const base = await tempDir();
    let deep: unknown = 'end';
    for (let i = 0; i < 16; i++) deep = [deep];
    await writeTree(base, {
      'legacy/plugin.json': JSON.stringify(manifest('legacy', '1.0.0', LEGACY_FIELDS)),
      'legacy/dist/index.js': 'export function execute() { return "legacy"; }',
      'deep/plugin.json': JSON.stringify(manifest('deep', '1.0.0', { extra: deep })),
      'deep/dist/index.js': 'export function execute() { return "deep"; }',
    });
    const host = await nodeHost();
    const { loaded, failed } = await host.loadDir(base);
    expect(loaded.map((plugin) => plugin.name)).toEqual(['legacy']);
    expect(await host.execute('legacy')).toBe('legacy');
    expect(failed.map((failure) => [failure.location.split('/').pop(), failure.error.message])).toEqual([
      ['deep', expect.stringContaining('is nested deeper than 16 levels')],
    ]);
  });
});
