/**
 * A version's README.md, CHANGELOG.md and LICENSE: kept content-addressed
 * with the version when its package carries them, referred to from the
 * version document by integrity, size and URL, served as text with nosniff
 * at /v1/plugins/:name/:version/files/:file, refused when over their limit or
 * not UTF-8, and kept by garbage collection; `origin` reaches the document.
 */
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../registry-server/index.js';
import { craftedPlg, errorOf, get, manifest, plg, pluginPath, publishRequest, sha256Hex, testRegistry, validEntries, bundleText } from './helpers.js';

const encoder = new TextEncoder();
const README = '# hello\n\nSays hello. <script>alert(1)</script>\n';
const LICENSE = 'MIT License\n\nCopyright (c) 2026 Ada\n';
const ORIGIN = { type: 'git', url: 'https://example.com/acme/hello.git', commit: 'a'.repeat(40), ref: 'v1.0.0' };

async function publishWith(
  registry: Awaited<ReturnType<typeof testRegistry>>,
  files: Record<string, string | Uint8Array>,
  extra: Record<string, unknown> = {},
) {
  const bytes = await plg([
    { path: 'plugin.json', content: JSON.stringify(manifest('hello', '1.0.0', extra)) },
    { path: 'dist/index.js', content: bundleText('hello', '1.0.0') },
    ...Object.entries(files).map(([path, content]) => ({ path, content })),
  ]);
  return registry.fetch(publishRequest('hello', '1.0.0', bytes, { token: registry.adminToken }));
}

describe('text files kept with a version', () => {
  it('stores README.md and LICENSE, lists them in the document and serves them as text', async () => {
    const registry = await testRegistry();
    const published = await publishWith(registry, { 'README.md': README, LICENSE }, { origin: ORIGIN });
    expect(published.status).toBe(201);
    const document = (await (await get(registry, pluginPath('hello'))).json()) as { versions: Record<string, any> };
    const entry = document.versions['1.0.0'];
    expect(entry.manifest.origin).toEqual(ORIGIN);
    const readmeHex = sha256Hex(encoder.encode(README));
    expect(entry.files).toEqual({
      'README.md': { integrity: expect.stringMatching(/^sha256-/), size: encoder.encode(README).byteLength, url: `/v1/blobs/sha256/${readmeHex}` },
      LICENSE: { integrity: expect.stringMatching(/^sha256-/), size: LICENSE.length, url: `/v1/blobs/sha256/${sha256Hex(encoder.encode(LICENSE))}` },
    });

    const readme = await get(registry, `${pluginPath('hello', '1.0.0')}/files/README.md`);
    expect(readme.status).toBe(200);
    expect(readme.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(readme.headers.get('x-content-type-options')).toBe('nosniff');
    expect(readme.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(readme.headers.get('access-control-allow-origin')).toBe('*');
    expect(readme.headers.get('etag')).toBe(`"sha256-${readmeHex}"`);
    expect(await readme.text()).toBe(README);
    const again = await get(registry, `${pluginPath('hello', '1.0.0')}/files/README.md`, { 'if-none-match': `"sha256-${readmeHex}"` });
    expect(again.status).toBe(304);

    const license = await get(registry, `${pluginPath('hello', '1.0.0')}/files/LICENSE`);
    expect(license.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await license.text()).toBe(LICENSE);
  });

  it('answers 404 for a file the version lacks, a file name it never keeps, an unknown version or plugin', async () => {
    const registry = await testRegistry({ driver: 'memory' });
    expect((await publishWith(registry, { 'README.md': README, 'notes.txt': 'not kept' })).status).toBe(201);
    const document = (await (await get(registry, pluginPath('hello'))).json()) as { versions: Record<string, any> };
    expect(Object.keys(document.versions['1.0.0'].files)).toEqual(['README.md']);
    for (const path of ['1.0.0/files/CHANGELOG.md', '1.0.0/files/notes.txt', '1.0.0/files/dist%2Findex.js', '2.0.0/files/README.md']) {
      const response = await get(registry, `${pluginPath('hello')}/${path}`);
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).code).toBe('E_NOT_FOUND');
    }
    expect((await get(registry, `${pluginPath('other', '1.0.0')}/files/README.md`)).status).toBe(404);
    expect((await get(registry, `${pluginPath('hello', 'v1')}/files/README.md`)).status).toBe(400);
  });

  it('refuses a README over its limit before reading it (413), and a LICENSE that is not UTF-8 (422), storing nothing', async () => {
    const registry = await testRegistry();
    const big = await craftedPlg([...validEntries('hello', '1.0.0'), { path: 'README.md', content: encoder.encode('x'.repeat(512 * 1024 + 1)) }]);
    const tooLarge = await registry.fetch(publishRequest('hello', '1.0.0', big, { token: registry.adminToken }));
    expect(tooLarge.status).toBe(413);
    expect(await errorOf(tooLarge)).toMatchObject({ code: 'E_TOO_LARGE', limit: 512 * 1024 });
    const latin1 = await craftedPlg([
      ...validEntries('hello', '1.0.0'),
      { path: 'LICENSE', content: new Uint8Array([0x4c, 0x69, 0x63, 0xe9, 0x6e, 0x63, 0x65]) },
    ]);
    const notText = await registry.fetch(publishRequest('hello', '1.0.0', latin1, { token: registry.adminToken }));
    expect(notText.status).toBe(422);
    expect(await errorOf(notText)).toMatchObject({ code: 'E_BAD_TEXT_FILE', entry: 'LICENSE' });
    expect(await registry.storage.listBlobs()).toEqual([]);
    expect((await get(registry, pluginPath('hello'))).status).toBe(404);
  });

  it('keeps the text files through garbage collection, since the document names their digests', async () => {
    const registry = await testRegistry();
    expect((await publishWith(registry, { 'CHANGELOG.md': '## 1.0.0\n- first\n' })).status).toBe(201);
    const result = await collectGarbage(registry.storage, { graceMs: 0, now: () => Date.now() + 60_000 });
    expect(result.deleted).toEqual([]);
    expect(await (await get(registry, `${pluginPath('hello', '1.0.0')}/files/CHANGELOG.md`)).text()).toBe('## 1.0.0\n- first\n');
  });

  it('refuses an origin with credentials or an abbreviated commit (422 E_MANIFEST)', async () => {
    const registry = await testRegistry({ driver: 'memory' });
    for (const origin of [
      { ...ORIGIN, url: 'https://user:secret@example.com/acme/hello.git' },
      { ...ORIGIN, commit: 'abc1234' },
      { ...ORIGIN, type: 'svn' },
    ]) {
      const response = await publishWith(registry, {}, { origin });
      expect(response.status).toBe(422);
      expect((await errorOf(response)).code).toBe('E_MANIFEST');
    }
  });
});
