/**
 * The browser host (createPluginHost from plughub/browser) under happy-dom,
 * with fake-indexeddb and the in-memory registry double: a plugin loads,
 * runs and lands in IndexedDB; a new host loads it from IndexedDB while the
 * registry is unreachable; a corrupted cache entry is dropped and downloaded
 * again; tampered bytes are refused and never cached; databases keep apart;
 * unload aborts the plugin's signal. test/chromium repeats the essentials in
 * a real browser against the real registry server.
 */
import { describe, expect, it } from 'vitest';
import { openCacheStore } from '../../src/browser/idb-store.js';
import type { Logger } from '../../src/core/plugin/context.js';
import { createIndexedDbDocumentCache } from '../../src/browser/idb-document-cache.js';
import { expireDocument, publish } from '../core/host/fixture.js';
import { browserSetup } from './helpers.js';

const greeter = 'export default { execute: (ctx) => `Hello, ${ctx.get("who")}!` };';

function recordingLogger() {
  const lines: string[] = [];
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (...args) => void lines.push(args.map(String).join(' ')),
    error: (...args) => void lines.push(args.map(String).join(' ')),
  };
  return { log, lines };
}

const blobRequests = (requests: Request[]) => requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/blobs/')).length;

describe('browser createPluginHost', () => {
  it('loads a plugin, runs it with context values and caches it in IndexedDB', async () => {
    const { registry, host } = browserSetup();
    const entry = await publish(registry, 'greeter', '1.0.0', greeter);
    const browserHost = host();
    expect(browserHost.database).toBe('plughub');
    const loaded = await browserHost.load('greeter@^1');
    expect(loaded).toMatchObject({ name: 'greeter', version: '1.0.0', integrity: entry.dist.integrity });
    expect(await browserHost.execute('greeter', { values: { who: 'browser' } })).toBe('Hello, browser!');
    await browserHost.settled(); // the caches are written after the load resolves
    expect((await browserHost.cache.list()).map((blob) => blob.integrity)).toEqual([entry.dist.integrity]);
    expect((await browserHost.documents.get(registry.url, 'greeter'))?.etag).toMatch(/^"/);
    expect(browserHost.list().map((plugin) => plugin.name)).toEqual(['greeter']);
  });

  it('loads cached plugins from IndexedDB while the registry is unreachable', async () => {
    const { registry, idb, host, setOnline } = browserSetup();
    await publish(registry, 'greeter', '1.0.0', greeter);
    const first = host();
    await first.load('greeter');
    await first.settled();
    await expireDocument(createIndexedDbDocumentCache(idb), registry.url, 'greeter');
    setOnline(false);
    const { log, lines } = recordingLogger();
    const offline = host({ log });
    await offline.load('greeter@^1');
    expect(await offline.execute('greeter', { values: { who: 'offline' } })).toBe('Hello, offline!');
    expect(lines.join('\n')).toMatch(/greeter: registry unreachable, using the cached document/);
  });

  it('drops a corrupted cache entry and downloads it again', async () => {
    const { registry, idb, host } = browserSetup();
    const entry = await publish(registry, 'greeter', '1.0.0', greeter);
    const first = host();
    await first.load('greeter');
    await first.settled();
    await openCacheStore(idb).use('readwrite', (objects) => {
      objects.put(new TextEncoder().encode('export default { execute: () => "evil" };'), ['blob', entry.dist.integrity]);
      return new Promise((resolve) => (objects.transaction.oncomplete = resolve));
    });
    const before = blobRequests(registry.requests);
    const { log, lines } = recordingLogger();
    const again = host({ log });
    await again.load('greeter');
    expect(await again.execute('greeter', { values: { who: 'again' } })).toBe('Hello, again!');
    expect(blobRequests(registry.requests)).toBe(before + 1);
    expect(lines.join('\n')).toMatch(/greeter@1\.0\.0: cached bundle sha256-.* is corrupted/);
    await again.settled();
    expect(new TextDecoder().decode(await again.cache.get(entry.dist.integrity))).toContain('Hello');
  });

  it('refuses tampered bytes with an IntegrityError and caches nothing', async () => {
    const { registry, host } = browserSetup();
    const entry = await publish(registry, 'greeter', '1.0.0', greeter);
    registry.intercept((request) => {
      if (!new URL(request.url).pathname.startsWith('/v1/blobs/')) return undefined;
      return new Response(new Uint8Array(entry.dist.size).fill(32));
    });
    const browserHost = host();
    const error = await browserHost.load('greeter').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'IntegrityError', plugin: 'greeter', version: '1.0.0' });
    expect((error as Error).message).toMatch(/^greeter@1\.0\.0: sha256 of http:\/\/registry\.test\/v1\/blobs\/sha256\/[0-9a-f]+ does not match/);
    expect(await browserHost.cache.list()).toEqual([]);
    expect(browserHost.list()).toEqual([]);
  });

  it('keeps two apps on one origin apart by database name', async () => {
    const { registry, host, setOnline } = browserSetup();
    await publish(registry, 'greeter', '1.0.0', greeter);
    const first = host({ database: 'app-one' });
    await first.load('greeter');
    await first.settled();
    setOnline(false);
    const other = host({ database: 'app-two' });
    const error = await other.load('greeter').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RegistryError', unreachable: true });
    expect((error as Error).message).toMatch(/unreachable and this plugin is not cached/);
    await host({ database: 'app-one' }).load('greeter');
  });

  it('aborts the plugin signal on unload', async () => {
    const { registry, host } = browserSetup();
    await publish(
      registry,
      'waiter',
      '1.0.0',
      `export default { execute: (ctx) => new Promise((resolve) => {
         ctx.host.started();
         ctx.signal.addEventListener('abort', () => { ctx.host.seen.push(ctx.signal.reason.name); resolve('late'); });
       }) };`,
    );
    const seen: string[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const browserHost = host({ api: { seen, started } });
    await browserHost.load('waiter');
    const call = browserHost.execute('waiter').catch((e: unknown) => e);
    await running;
    await browserHost.unload('waiter');
    expect(await call).toMatchObject({ name: 'UnloadedError', plugin: 'waiter' });
    expect(seen).toEqual(['UnloadedError']);
    expect(browserHost.get('waiter')).toBeUndefined();
  });
});
