/**
 * A plugin named `index.html` is a valid name, but `plughub export` writes
 * each document to `v1/plugins/<name>` and the signed list to
 * `v1/plugins/index.html`: the export would write that plugin's document and
 * then overwrite it with the list (or serve it as the list). The export
 * refuses such a registry before it writes anything, naming the plugin.
 */
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Signer, exportRegistry } from '../../registry-server/index.js';
import { validatePluginName } from '../../src/core/plugin/manifest.js';
import { publish, tempDir } from './helpers.js';
import { trustRegistry } from './trust-helpers.js';

describe('exportRegistry and the name index.html', () => {
  it('refuses to export a plugin named index.html, naming it, and writes nothing', async () => {
    expect(validatePluginName('index.html')).toBeUndefined();
    const registry = await trustRegistry({ driver: 'memory' });
    await publish(registry, 'plain', '1.0.0');
    await publish(registry, 'index.html', '1.0.0');
    const out = await tempDir();
    const exported = exportRegistry({ storage: registry.storage, signer: new Signer({ store: registry.trust }), out, ttlMs: 30 * 86_400_000 });
    await expect(exported).rejects.toMatchObject({
      code: 'E_EXPORT_NAME',
      plugin: 'index.html',
      message: expect.stringMatching(/index\.html.*v1\/plugins\/index\.html/),
    });
    expect(await readdir(out)).toEqual([]);
  });

  it('exports a scoped plugin whose name after the scope is index.html', async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    await publish(registry, '@acme/index.html', '1.0.0');
    const out = await tempDir();
    const result = await exportRegistry({ storage: registry.storage, signer: new Signer({ store: registry.trust }), out, ttlMs: 30 * 86_400_000 });
    expect(result.files).toEqual(expect.arrayContaining(['v1/plugins/index.html', 'v1/plugins/@acme/index.html']));
  });
});
