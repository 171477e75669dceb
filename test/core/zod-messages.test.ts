/**
 * The messages plughub's errors quote from zod issues are zod's English ones
 * whatever the app configured: zod/mini loads no locale (its bare message is
 * "Invalid input"), and an app may set another locale or an error map of its
 * own globally. Covers the manifest, a registry document, a plugin list and
 * the version entry a publish answers with.
 */
import de from 'zod/v4/locales/de.js';
import * as z from 'zod/mini';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/core/plugin/manifest.js';
import { parsePluginDocument, parsePluginList } from '../../src/core/registry/document.js';
import { createRegistryClient } from '../../src/core/registry/client.js';

const saved = { ...z.config() };

afterEach(() => {
  z.config({ localeError: saved.localeError, customError: saved.customError });
});

/** The message of what `run` throws. */
function thrown(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

const settings = {
  'no locale (as zod/mini leaves it)': () => z.config({ localeError: undefined, customError: undefined }),
  'a German locale set by the app': () => z.config(de()),
  'an error map of the app': () => z.config({ customError: () => 'the app says no' }),
};

for (const [setting, configure] of Object.entries(settings)) {
  describe(`with ${setting}`, () => {
    beforeEach(configure);

    it('a manifest names what each field should have been', () => {
      const manifest = { name: 5, version: '1.0.0', source: { mode: 'esm', path: 'x.js' }, description: [], engines: 'soon' };
      expect(thrown(() => parseManifest(manifest))).toBe(
        'plugin.json is invalid: name: Invalid input: expected string, received number; description: Invalid input: expected string, received array; ' +
          'engines: Invalid input: expected object, received string',
      );
      expect(thrown(() => parseManifest({ name: 'a', version: '1.0.0' }))).toBe('a@1.0.0: plugin.json is invalid: source: is required');
    });

    it('a registry document and a plugin list name the bad fields', () => {
      const dist = { integrity: '', size: -2, url: 'u' };
      const document = { name: 'a', modified: 'm', versions: { '1.0.0': { manifest: { name: 'a', version: '1.0.0' }, dist, publishedAt: 1 } } };
      expect(thrown(() => parsePluginDocument(document, 'a'))).toBe(
        'a: invalid registry document: versions.1.0.0.dist.integrity: Too small: expected string to have >=1 characters; ' +
          'versions.1.0.0.dist.size: Too small: expected number to be >=0; ' +
          'versions.1.0.0.publishedAt: Invalid input: expected string, received number',
      );
      expect(thrown(() => parsePluginList({ total: 'many', plugins: {} }))).toBe(
        'invalid plugin list: total: Invalid input: expected number, received string; plugins: Invalid input: expected array, received object',
      );
    });

    it('the version entry a publish is answered with names the bad fields', async () => {
      const fetch = async () => Response.json({ manifest: { name: 'a', version: '1.0.0' }, dist: { integrity: 'i', size: 1, url: 'u' }, yanked: 'no' });
      const client = createRegistryClient({ url: 'https://registry.test', fetch, retry: 0 });
      await expect(client.publish('a', '1.0.0', new Uint8Array(1))).rejects.toThrow(
        'a@1.0.0: PUT https://registry.test/v1/plugins/a/1.0.0 answered with an unusable version entry ' +
          '(publishedAt: Invalid input: expected string, received undefined; yanked: Invalid input: expected boolean, received string)',
      );
    });
  });
}
