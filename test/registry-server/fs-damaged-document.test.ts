/**
 * A plugin whose stored document is damaged — not JSON, not a document,
 * larger than the driver reads, or a FIFO planted in its place — is a
 * problem of the server's data, not of the request: publishing to it,
 * yanking in it or reading it is answered 503 E_UNAVAILABLE naming the
 * plugin and its file (and logged), never a 500, a crash or a hang; the
 * other plugins keep working.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileTokenStore, createFsStorage, createRegistry, type RegistryLogEntry } from '../../registry-server/index.js';
import { ORIGIN, errorOf, get, onCleanup, pluginPackage, pluginPath, publish, publishRequest, tempDir } from './helpers.js';

/** A registry over a fresh data directory whose storage reads documents of at most 64 KiB; `hello@1.0.0` is published. */
async function registryWithHello() {
  const directory = await tempDir();
  const storage = createFsStorage(directory, { maxDocumentBytes: 64 * 1024, log: () => undefined });
  onCleanup(() => storage.close());
  const tokens = createFileTokenStore(directory);
  const { token } = await tokens.create({ admin: true, publish: [] });
  const logged: RegistryLogEntry[] = [];
  const registry = { fetch: createRegistry({ storage, tokens, log: (entry) => logged.push(entry) }).fetch, adminToken: token };
  await publish(registry, 'hello', '1.0.0');
  // Its files in place (they are put there right after the answer; the list waits for them).
  await storage.listPlugins();
  const file = join(directory, 'plugins', 'hello', 'document.json');
  return { registry, file, logged, token };
}

/** Fails when `promise` takes longer than `ms` (a FIFO read that blocks would hang the test instead). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const damages: Array<[string, (file: string) => Promise<void>]> = [
  ['not JSON', (file) => writeFile(file, '{"name":"hello","versions":{')],
  ['not a document', (file) => writeFile(file, '[1,2,3]')],
  ['larger than the driver reads', (file) => writeFile(file, JSON.stringify({ name: 'hello', pad: 'x'.repeat(100_000) }))],
  [
    'a FIFO',
    async (file) => {
      await rm(file);
      execFileSync('mkfifo', [file]);
    },
  ],
];

describe.each(damages)('a stored document that is %s', (_, damage) => {
  it('is answered 503 E_UNAVAILABLE naming the plugin and its file, on publish and yank; other plugins publish', async () => {
    const { registry, file, logged, token } = await registryWithHello();
    await damage(file);
    const { bytes } = await pluginPackage('hello', '1.1.0');
    const published = await within(registry.fetch(publishRequest('hello', '1.1.0', bytes, { token })), 10_000);
    expect(published.status).toBe(503);
    const error = await errorOf(published);
    expect(error.code).toBe('E_UNAVAILABLE');
    expect(error.message).toMatch(/hello/);
    expect(error.message).toMatch(/plugins\/hello\/document\.json/);
    expect(logged.some((entry) => entry.level === 'error' && /plugins\/hello\/document\.json/.test(entry.message))).toBe(true);

    const yank = new Request(`${ORIGIN}${pluginPath('hello', '1.0.0')}/yank`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const yanked = await within(registry.fetch(yank), 10_000);
    expect(yanked.status).toBe(503);
    expect((await errorOf(yanked)).code).toBe('E_UNAVAILABLE');

    await publish(registry, 'other', '1.0.0');
    expect((await get(registry, pluginPath('other'))).status).toBe(200);
  });
});

describe('reading a stored document the driver refuses', () => {
  it('answers GET with 503 E_UNAVAILABLE, for a FIFO and for an oversized file', async () => {
    const { registry, file } = await registryWithHello();
    await rm(file);
    execFileSync('mkfifo', [file]);
    const fifo = await within(get(registry, pluginPath('hello'), { 'cache-control': 'no-cache' }), 10_000);
    expect([fifo.status, (await errorOf(fifo)).code]).toEqual([503, 'E_UNAVAILABLE']);
    await rm(file);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, JSON.stringify({ name: 'hello', pad: 'x'.repeat(100_000) }));
    const large = await get(registry, pluginPath('hello'), { 'cache-control': 'no-cache' });
    expect([large.status, (await errorOf(large)).code]).toEqual([503, 'E_UNAVAILABLE']);
  });
});
