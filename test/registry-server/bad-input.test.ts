/**
 * Bad input, through the handler over filesystem storage: each request gets
 * the documented status and error code, a JSON error without a stack trace,
 * and leaves every stored byte as it was (the data directory is fingerprinted
 * before and after).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { streamFrom, type TarWriteEntry } from '../../src/core/plg/index.js';
import { createMemoryStorage, createMemoryTokenStore, createRegistry, type RegistryLogEntry, type RegistryStorage } from '../../registry-server/index.js';
import {
  ORIGIN,
  craftedPlg,
  errorOf,
  storedFingerprint,
  manifest,
  plg,
  pluginPackage,
  pluginPath,
  publish,
  publishRequest,
  testRegistry,
  validEntries,
  type TestRegistry,
} from './helpers.js';

const encoder = new TextEncoder();
const MiB = 1024 * 1024;

/** Sends a request and checks the refusal: status, code, no stack trace, and nothing stored changed. */
async function expectRefused(
  registry: TestRegistry,
  request: Request,
  status: number,
  code: string,
): Promise<{ code: string; message: string; [key: string]: unknown }> {
  const before = await storedFingerprint(registry);
  const response = await registry.fetch(request);
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const error = await errorOf(response);
  expect(error.code).toBe(code);
  expect(error.message).not.toMatch(/\n\s+at /);
  expect(await storedFingerprint(registry)).toEqual(before);
  return error;
}

/** A registry with hello@1.0.0 published, so "unchanged" covers an existing document and blob. */
async function seeded(): Promise<TestRegistry> {
  const registry = await testRegistry();
  await publish(registry, 'hello', '1.0.0');
  return registry;
}

async function crafted(registry: TestRegistry, entries: TarWriteEntry[], version = '2.0.0'): Promise<Request> {
  return publishRequest('hello', version, await craftedPlg(entries), { token: registry.adminToken });
}

describe('refused publishes leave storage unchanged', () => {
  it('without a token, with an unknown token, or with a token for other names', async () => {
    const registry = await seeded();
    const { bytes } = await pluginPackage('hello', '2.0.0');
    const missing = await expectRefused(registry, publishRequest('hello', '2.0.0', bytes), 401, 'E_UNAUTHORIZED');
    expect(missing.message).toMatch(/Bearer/);
    await expectRefused(registry, publishRequest('hello', '2.0.0', bytes, { token: `plh_${'A'.repeat(43)}` }), 401, 'E_UNAUTHORIZED');
    await expectRefused(registry, publishRequest('hello', '2.0.0', bytes, { headers: { authorization: 'Basic abc' } }), 401, 'E_UNAUTHORIZED');
    const { token } = await registry.tokens.create({ admin: false, publish: ['other', '@acme/*'] });
    const forbidden = await expectRefused(registry, publishRequest('hello', '2.0.0', bytes, { token }), 403, 'E_FORBIDDEN');
    expect(forbidden.message).toMatch(/hello/);
    const revoked = await registry.tokens.create({ admin: false, publish: ['hello'] });
    await registry.tokens.revoke(revoked.info.id);
    await expectRefused(registry, publishRequest('hello', '2.0.0', bytes, { token: revoked.token }), 401, 'E_UNAUTHORIZED');
  });

  it('above the upload limit, announced by Content-Length or sent chunked', async () => {
    const registry = await testRegistry({ limits: { maxPackageBytes: 64 * 1024 } });
    await publish(registry, 'hello', '1.0.0');
    const big = await plg([
      { path: 'plugin.json', content: JSON.stringify(manifest('hello', '2.0.0')) },
      { path: 'dist/index.js', content: new Uint8Array(randomBytes(100 * 1024)) },
    ]);
    const announced = publishRequest('hello', '2.0.0', big, { token: registry.adminToken, headers: { 'content-length': String(big.byteLength) } });
    expect(announced.headers.get('content-length')).toBe(String(big.byteLength));
    const error = await expectRefused(registry, announced, 413, 'E_TOO_LARGE');
    expect(error.limit).toBe(64 * 1024);
    let pulled = 0;
    const counted = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled++;
          controller.enqueue(big);
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const early = publishRequest('hello', '2.0.0', counted, { token: registry.adminToken, headers: { 'content-length': String(big.byteLength) } });
    await expectRefused(registry, early, 413, 'E_TOO_LARGE');
    expect(pulled).toBe(0);
    const chunks = Array.from({ length: Math.ceil(big.byteLength / 8192) }, (_, i) => big.subarray(i * 8192, (i + 1) * 8192));
    const chunked = publishRequest('hello', '2.0.0', streamFrom(chunks), { token: registry.adminToken });
    expect(chunked.headers.get('content-length')).toBeNull();
    const streamed = await expectRefused(registry, chunked, 413, 'E_TOO_LARGE');
    expect(streamed.limit).toBe(64 * 1024);
  });

  it('a gzip bomb, stopped at the unpacked limit', async () => {
    const registry = await seeded();
    const zeros = new Uint8Array(9 * MiB);
    const entries = [...validEntries('hello', '2.0.0'), ...[0, 1, 2].map((i) => ({ path: `zeros${i}`, content: zeros }))];
    const error = await expectRefused(registry, await crafted(registry, entries), 413, 'E_TOO_LARGE');
    expect(error.message).toMatch(/unpacked/);
    expect(error.limit).toBe(20 * MiB);
  });

  it('a file above the per-file limit, though the unpacked total is within its own', async () => {
    const registry = await seeded();
    const entries = [...validEntries('hello', '2.0.0'), { path: 'big.bin', content: new Uint8Array(10 * MiB + 1) }];
    const error = await expectRefused(registry, await crafted(registry, entries), 413, 'E_TOO_LARGE');
    expect(error.message).toMatch(/big\.bin.*per file/);
    expect(error.limit).toBe(10 * MiB);
  });

  it('more entries than maxEntries', async () => {
    const registry = await testRegistry({ limits: { maxEntries: 4 } });
    await publish(registry, 'hello', '1.0.0');
    const extra = [1, 2, 3].map((i) => ({ path: `extra${i}.txt`, content: encoder.encode('x') }));
    const error = await expectRefused(registry, await crafted(registry, [...validEntries('hello', '2.0.0'), ...extra]), 413, 'E_TOO_LARGE');
    expect(error.message).toMatch(/more than 4 entries/);
    expect(error.limit).toBe(4);
    const fits = await craftedPlg([...validEntries('hello', '2.0.0'), ...extra.slice(0, 2)]);
    expect((await registry.fetch(publishRequest('hello', '2.0.0', fits, { token: registry.adminToken }))).status).toBe(201);
  });

  it('a plugin.json above 64 KiB, and a path of 1,025 characters or 33 segments', async () => {
    const registry = await seeded();
    const [, bundle] = validEntries('hello', '2.0.0');
    const bloated = { path: 'plugin.json', content: encoder.encode(JSON.stringify(manifest('hello', '2.0.0')).padEnd(64 * 1024 + 1, ' ')) };
    const error = await expectRefused(registry, await crafted(registry, [bloated, bundle!]), 413, 'E_TOO_LARGE');
    expect([error.limit, error.message]).toEqual([64 * 1024, expect.stringMatching(/plugin\.json/)]);
    for (const path of ['x'.repeat(1025), `${'d/'.repeat(32)}f`]) {
      const entries = [...validEntries('hello', '2.0.0'), { path, content: encoder.encode('x') }];
      expect((await expectRefused(registry, await crafted(registry, entries), 422, 'E_UNSAFE_ENTRY')).message).toMatch(/long|segments/);
    }
  });

  it('entries with ../, absolute paths, symlinks and hardlinks', async () => {
    const registry = await seeded();
    const bad: TarWriteEntry[] = [
      { path: '../x', content: encoder.encode('x') },
      { path: 'dist/../../x', content: encoder.encode('x') },
      { path: '/etc/cron.d/x', content: encoder.encode('x') },
      { path: 'link', type: 'symlink', linkTarget: '../../../etc/passwd' },
      { path: 'hard', type: 'hardlink', linkTarget: '/etc/passwd' },
      { path: 'dev', type: 'block-device' },
    ];
    for (const entry of bad) {
      const error = await expectRefused(registry, await crafted(registry, [...validEntries('hello', '2.0.0'), entry]), 422, 'E_UNSAFE_ENTRY');
      expect(error.entry).toBe(entry.path);
    }
  });

  it('duplicate paths, also differing only in case', async () => {
    const registry = await seeded();
    for (const path of ['dist/index.js', 'dist/INDEX.js', './plugin.json']) {
      const entries = [...validEntries('hello', '2.0.0'), { path, content: encoder.encode('x') }];
      await expectRefused(registry, await crafted(registry, entries), 422, 'E_DUPLICATE_ENTRY');
    }
  });

  it('a package without plugin.json, or whose bundle is missing', async () => {
    const registry = await seeded();
    const [manifestEntry, bundleEntry] = validEntries('hello', '2.0.0');
    await expectRefused(registry, await crafted(registry, [bundleEntry!]), 422, 'E_MISSING_MANIFEST');
    await expectRefused(registry, await crafted(registry, [manifestEntry!]), 422, 'E_MISSING_BUNDLE');
  });

  it('an invalid manifest, with every problem listed', async () => {
    const registry = await seeded();
    const invalid = { name: 'hello', version: '2.0.0', home: 'ftp://x', source: { mode: 'cjs', path: '../escape.js' } };
    const entries = [{ path: 'plugin.json', content: encoder.encode(JSON.stringify(invalid)) }, validEntries('hello', '2.0.0')[1]!];
    const error = await expectRefused(registry, await crafted(registry, entries), 422, 'E_MANIFEST');
    expect((error.issues as { path: string }[]).map((issue) => issue.path).sort()).toEqual(['home', 'source.mode', 'source.path']);
    expect(error.message).toMatch(/home/);
    expect(error.message).toMatch(/source\.mode/);
  });

  it('a manifest whose name or version differs from the URL', async () => {
    const registry = await seeded();
    const otherName = await pluginPackage('other', '2.0.0');
    const wrongName = await expectRefused(registry, publishRequest('hello', '2.0.0', otherName.bytes, { token: registry.adminToken }), 422, 'E_MISMATCH');
    expect(wrongName.message).toMatch(/other@2\.0\.0/);
    const otherVersion = await pluginPackage('hello', '2.0.1');
    await expectRefused(registry, publishRequest('hello', '2.0.0', otherVersion.bytes, { token: registry.adminToken }), 422, 'E_MISMATCH');
  });

  it('a body that is not gzip, a corrupt one, none, or the wrong Content-Type', async () => {
    const registry = await seeded();
    const token = registry.adminToken;
    await expectRefused(registry, publishRequest('hello', '2.0.0', encoder.encode('{"name":"hello"}'), { token }), 400, 'E_NOT_GZIP');
    const { bytes } = await pluginPackage('hello', '2.0.0');
    const corrupt = bytes.slice();
    corrupt.fill(0, 30, 80);
    await expectRefused(registry, publishRequest('hello', '2.0.0', corrupt, { token }), 400, 'E_BAD_ARCHIVE');
    await expectRefused(registry, publishRequest('hello', '2.0.0', bytes.slice(0, bytes.byteLength - 8), { token }), 400, 'E_BAD_ARCHIVE');
    await expectRefused(registry, publishRequest('hello', '2.0.0', null, { token }), 400, 'E_BAD_ARCHIVE');
    await expectRefused(registry, publishRequest('hello', '2.0.0', bytes, { token, contentType: 'application/json' }), 415, 'E_UNSUPPORTED_MEDIA_TYPE');
    const none = await expectRefused(registry, publishRequest('hello', '2.0.0', bytes, { token, contentType: null }), 415, 'E_UNSUPPORTED_MEDIA_TYPE');
    expect(none.message).toMatch(/no Content-Type/);
    const octets = await registry.fetch(publishRequest('hello', '2.0.0', bytes, { token, contentType: 'application/octet-stream' }));
    expect(octets.status).toBe(201);
    const xGzip = await pluginPackage('hello', '2.0.1');
    const legacy = await registry.fetch(publishRequest('hello', '2.0.1', xGzip.bytes, { token, contentType: 'application/x-gzip; charset=binary' }));
    expect(legacy.status).toBe(201);
  });

  it('a yank or restore without a token, with an unknown one, or with a token for other names', async () => {
    const registry = await seeded();
    const yank = (method: string, headers: Record<string, string> = {}) => new Request(`${ORIGIN}${pluginPath('hello', '1.0.0')}/yank`, { method, headers });
    const { token } = await registry.tokens.create({ admin: false, publish: ['other'] });
    for (const method of ['POST', 'DELETE']) {
      const anonymous = await expectRefused(registry, yank(method), 401, 'E_UNAUTHORIZED');
      expect(anonymous.message).toMatch(/Bearer/);
      await expectRefused(registry, yank(method, { authorization: `Bearer plh_${'A'.repeat(43)}` }), 401, 'E_UNAUTHORIZED');
      await expectRefused(registry, yank(method, { authorization: `Bearer ${token}` }), 403, 'E_FORBIDDEN');
    }
    const challenge = await registry.fetch(yank('POST'));
    expect(challenge.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('a republish of an existing version, with the same bytes or different ones', async () => {
    const registry = await seeded();
    const same = await pluginPackage('hello', '1.0.0');
    const conflict = await expectRefused(registry, publishRequest('hello', '1.0.0', same.bytes, { token: registry.adminToken }), 409, 'E_VERSION_EXISTS');
    expect(conflict.message).toMatch(/hello@1\.0\.0/);
    const different = await pluginPackage('hello', '1.0.0', { salt: 'changed' });
    await expectRefused(registry, publishRequest('hello', '1.0.0', different.bytes, { token: registry.adminToken }), 409, 'E_VERSION_EXISTS');
  });

  it('a bad name or version in the URL', async () => {
    const registry = await seeded();
    const { bytes } = await pluginPackage('hello', '2.0.0');
    const token = registry.adminToken;
    for (const version of ['v2', '2.0', '2.0.0+build', '01.0.0']) {
      await expectRefused(registry, publishRequest('hello', version, bytes, { token }), 400, 'E_BAD_REQUEST');
    }
    const badName = new Request(`${ORIGIN}/v1/plugins/Hello/2.0.0`, {
      method: 'PUT',
      body: bytes as Uint8Array<ArrayBuffer>,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
    });
    await expectRefused(registry, badName, 400, 'E_BAD_REQUEST');
    const traversal = new Request(`${ORIGIN}/v1/plugins/..%2F..%2Fetc/2.0.0`, {
      method: 'PUT',
      body: bytes as Uint8Array<ArrayBuffer>,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
    });
    await expectRefused(registry, traversal, 400, 'E_BAD_REQUEST');
  });

  it('an upload the client aborts midway', async () => {
    const registry = await seeded();
    const { bytes } = await pluginPackage('hello', '2.0.0', { bundleBytes: 64 * 1024 });
    const aborted = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, bytes.byteLength / 2));
        controller.error(new Error('connection reset'));
      },
    });
    await expectRefused(registry, publishRequest('hello', '2.0.0', aborted, { token: registry.adminToken }), 400, 'E_BAD_ARCHIVE');
  });
});

describe('server-side failures', () => {
  function failing(storage: RegistryStorage, method: keyof RegistryStorage): RegistryStorage {
    return { ...storage, [method]: async () => Promise.reject(new Error('disk on fire at /secret/path')) };
  }

  it('answers an unexpected error with a 500 that hides its details, and logs them', async () => {
    const logged: RegistryLogEntry[] = [];
    const registry = createRegistry({ storage: failing(createMemoryStorage(), 'getDocument'), tokens: createMemoryTokenStore(), log: (e) => logged.push(e) });
    const response = await registry.fetch(new Request(`${ORIGIN}${pluginPath('hello')}`));
    expect(response.status).toBe(500);
    const error = await errorOf(response);
    expect(error.code).toBe('E_INTERNAL');
    expect(error.message).not.toMatch(/secret|fire/);
    expect(logged.map((entry) => [entry.level, (entry.error as Error).message])).toEqual([['error', 'disk on fire at /secret/path']]);
  });

  it('answers 503 from the health check when storage fails', async () => {
    const logged: RegistryLogEntry[] = [];
    const registry = createRegistry({ storage: failing(createMemoryStorage(), 'check'), tokens: createMemoryTokenStore(), log: (e) => logged.push(e) });
    const response = await registry.fetch(new Request(`${ORIGIN}/healthz`));
    expect([response.status, (await errorOf(response)).code]).toEqual([503, 'E_UNAVAILABLE']);
    expect(logged).toHaveLength(1);
  });
});
