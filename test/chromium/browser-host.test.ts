/**
 * plughub/browser in a real browser (Debian's headless Chromium): the example
 * host page, served from one origin, loads plugins from a real registry server
 * on another origin (CORS), runs them with context values and shows the
 * result; runs them again from IndexedDB after a reload with the registry
 * stopped; runs a plugin in a module worker through createPluginHost;
 * prunes IndexedDB by last use; refuses a bundle tampered with on the server
 * and never caches it;
 * aborts a running plugin's signal on unload; reports bundles that cannot be
 * imported, with stack traces that name the plugin; and chooses data: or
 * blob: URLs by what the page's Content-Security-Policy allows.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VersionEntry } from '../../src/core/registry/document.js';
import { GREETER, SYNTAX_ERROR, THROWS_AT_IMPORT, WAITER, WHERE } from './plugins.js';
import { launchChromium, pageProblems } from './support/chromium.js';
import { serveHostPage, type PagePath } from './support/host-page.js';
import { indexedDbKeys, logLines, openHost, readOutcome, runPlugin, startRun, waitForLog, waitForStatus } from './support/page-driver.js';
import { startRegistry, type TestRegistry } from './support/registry.js';

let browser: Browser;
let registry: TestRegistry;
let offlineRegistry: TestRegistry;
let pages: Awaited<ReturnType<typeof serveHostPage>>;
let tampered: VersionEntry;

beforeAll(async () => {
  [registry, offlineRegistry] = await Promise.all([startRegistry(), startRegistry()]);
  pages = await serveHostPage([registry.url, offlineRegistry.url]);
  browser = await launchChromium();
  await Promise.all([
    registry.publish('greeter', '1.0.0', GREETER),
    registry.publish('waiter', '1.0.0', WAITER),
    registry.publish('where', '1.0.0', WHERE),
    registry.publish('broken', '1.0.0', SYNTAX_ERROR),
    registry.publish('throws', '1.0.0', THROWS_AT_IMPORT),
    offlineRegistry.publish('greeter', '1.0.0', GREETER),
  ]);
  tampered = await registry.publish('tampered', '1.0.0', GREETER.replace('Hello', 'Howdy'));
  const file = registry.blobFile(tampered);
  const original = await readFile(file, 'utf8');
  await writeFile(file, original.replace('Howdy', 'Evil!'));
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await Promise.all([registry?.remove(), offlineRegistry?.remove()]);
});

/**
 * Runs `test` on a fresh page in a fresh browser context (empty IndexedDB),
 * closed afterwards; fails on uncaught page errors (and console errors with `console`).
 */
async function withPage(test: (page: Page, context: BrowserContext) => Promise<void>, options: { console?: boolean } = {}) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = pageProblems(page, options);
    await test(page, context);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}

/** Waits for the page host's cache writes, which run after a load resolves (host.settled). */
function settled(page: Page): Promise<void> {
  return page.evaluate(() => window.plughubExample.host.settled());
}

function pageUrl(path: PagePath = '/index.html', target: TestRegistry = registry, db = 'example', extra: Record<string, string> = {}) {
  return pages.url(path, { registry: target.url, db, ...extra });
}

describe('the example host page in Chromium', () => {
  it('loads a plugin from a registry on another origin, runs it with context values and shows the result', () =>
    withPage(
      async (page) => {
        await openHost(page, pageUrl());
        const outcome = await runPlugin(page, 'greeter@^1', { who: 'Chromium' });
        expect(outcome).toMatchObject({ status: 'done', error: '', result: 'Hello, Chromium! (greeter@1.0.0 via blob)' });
        expect(await logLines(page)).toContain('plugin: greeting Chromium');
        expect(await page.textContent('#plugins')).toContain('greeter@1.0.0 (sha256-');
        await settled(page);
        const cached = await page.evaluate(() => window.plughubExample.host.cache.list());
        expect(cached.map((entry) => entry.size)).toEqual([new TextEncoder().encode(GREETER).byteLength]);
      },
      { console: true },
    ));

  it('runs a cached plugin again from IndexedDB after a reload with the registry stopped', () =>
    withPage(async (page) => {
      await openHost(page, pageUrl('/index.html', offlineRegistry));
      expect((await runPlugin(page, 'greeter', { who: 'online' })).result).toBe('Hello, online! (greeter@1.0.0 via blob)');
      await settled(page);
      await offlineRegistry.close();
      await page.reload();
      await waitForStatus(page, ['ready']);
      const outcome = await runPlugin(page, 'greeter', { who: 'offline' });
      expect(outcome).toMatchObject({ status: 'done', result: 'Hello, offline! (greeter@1.0.0 via blob)' });
      // The cached document is still fresh (max-age=60): the reloaded page loads from IndexedDB without asking the stopped registry.
      expect((await logLines(page)).join('\n')).not.toMatch(/unreachable/);
    }));

  it('drops a bundle corrupted in IndexedDB and downloads it again', () =>
    withPage(async (page) => {
      await openHost(page, pageUrl());
      expect((await runPlugin(page, 'greeter', { who: 'first' })).status).toBe('done');
      await settled(page);
      const integrity = await page.evaluate(() => window.plughubExample.host.get('greeter')!.integrity);
      await page.evaluate(
        (sri) =>
          new Promise<void>((resolve, reject) => {
            const open = indexedDB.open('example');
            open.onsuccess = () => {
              const transaction = open.result.transaction('cache', 'readwrite');
              transaction.objectStore('cache').put(new TextEncoder().encode('export default { execute: () => "evil" };'), ['blob', sri]);
              transaction.oncomplete = () => {
                open.result.close();
                resolve();
              };
              transaction.onerror = () => reject(transaction.error);
            };
          }),
        integrity,
      );
      await page.reload();
      await waitForStatus(page, ['ready']);
      expect((await runPlugin(page, 'greeter', { who: 'again' })).result).toBe('Hello, again! (greeter@1.0.0 via blob)');
      expect((await logLines(page)).join('\n')).toContain(`warn: greeter@1.0.0: cached bundle ${integrity} is corrupted; removing it and downloading again`);
      await settled(page);
      const stored = await page.evaluate((sri) => window.plughubExample.host.cache.get(sri), integrity);
      expect(new TextDecoder().decode(new Uint8Array(Object.values(stored!)))).toBe(GREETER);
    }));

  it("runs a plugin in a module worker with load(…, { isolation: 'worker' }), its host calls reaching the page", () =>
    withPage(
      async (page) => {
        await openHost(page, pageUrl());
        expect((await runPlugin(page, 'where', { who: 'page' })).result).toBe('page');
        const isolated = await page.evaluate(async () => {
          const { host } = window.plughubExample;
          await host.unload('where');
          const plugin = await host.load('where@^1', { isolation: 'worker' });
          return { isolation: plugin.isolation, realm: await host.execute('where', { values: { who: 'isolated' } }) };
        });
        expect(isolated).toEqual({ isolation: 'worker', realm: 'worker' });
        expect(await logLines(page)).toContain('plugin: running in worker for isolated');
      },
      { console: true },
    ));

  it('prunes the least recently used bundles from IndexedDB down to a size, and they download again when needed', () =>
    withPage(async (page) => {
      await openHost(page, pageUrl());
      expect((await runPlugin(page, 'greeter', { who: 'a' })).status).toBe('done');
      expect((await runPlugin(page, 'where', { who: 'b' })).status).toBe('done');
      await settled(page);
      const greeter = await page.evaluate(() => window.plughubExample.host.get('greeter')!.integrity);
      const where = await page.evaluate(() => window.plughubExample.host.get('where')!.integrity);
      const pruned = await page.evaluate((max) => window.plughubExample.host.cache.prune({ maxBytes: max }), new TextEncoder().encode(WHERE).byteLength);
      expect(pruned).toEqual({ removed: [greeter], freedBytes: new TextEncoder().encode(GREETER).byteLength });
      const keys = (await indexedDbKeys(page, 'example')).map((key) => JSON.stringify(key));
      expect(keys.filter((key) => key.includes(greeter))).toEqual([]);
      expect(keys).toContain(JSON.stringify(['blob', where]));
      await page.reload();
      await waitForStatus(page, ['ready']);
      expect((await runPlugin(page, 'greeter', { who: 'back' })).result).toBe('Hello, back! (greeter@1.0.0 via blob)');
      await settled(page);
      expect(await page.evaluate((sri) => window.plughubExample.host.cache.has(sri), greeter)).toBe(true);
    }));

  it('refuses a bundle tampered with on the server with an IntegrityError and never caches it', () =>
    withPage(async (page) => {
      await openHost(page, pageUrl());
      const outcome = await runPlugin(page, 'tampered@1.0.0', { who: 'x' });
      expect(outcome.status).toBe('failed');
      expect(outcome.code).toBe('E_INTEGRITY');
      expect(outcome.error).toMatch(
        new RegExp(
          `^IntegrityError: tampered@1\\.0\\.0: sha256 of ${registry.url}/v1/blobs/sha256/[0-9a-f]{64} does not match \\(expected ${tampered.dist.integrity.replace(/[+/=]/g, '\\$&')}, got sha256-`,
        ),
      );
      const integrity = tampered.dist.integrity;
      await settled(page);
      expect(await page.evaluate((sri) => window.plughubExample.host.cache.has(sri), integrity)).toBe(false);
      expect(await page.evaluate(() => window.plughubExample.host.cache.list())).toEqual([]);
      const keys = await indexedDbKeys(page, 'example');
      expect(keys.filter((key) => JSON.stringify(key).includes(integrity))).toEqual([]);
      expect(keys).toContainEqual(['document', registry.url, 'tampered']);
      expect(await page.textContent('#plugins')).toBe('');
    }));

  it('aborts the running plugin’s signal on unload', () =>
    withPage(async (page) => {
      await openHost(page, pageUrl());
      await startRun(page, 'waiter@1');
      await waitForLog(page, 'plugin: waiting');
      expect((await readOutcome(page)).status).toBe('running');
      await page.click('#unload');
      await waitForStatus(page, ['failed']);
      expect(await readOutcome(page)).toMatchObject({ code: 'E_UNLOADED', error: 'UnloadedError: waiter@1.0.0 was unloaded' });
      const lines = await logLines(page);
      expect(lines).toContain('plugin: aborted: UnloadedError');
      expect(lines).toContain('host: unloaded waiter@1.0.0');
      expect(await page.textContent('#plugins')).toBe('');
    }));

  it.each([
    ['broken', /^PluginLoadError: broken@1\.0\.0: import failed: SyntaxError: /],
    ['throws', /^PluginLoadError: throws@1\.0\.0: import failed: RangeError: no configuration found$/],
  ])('reports %s@1.0.0, which cannot be imported, as a PluginLoadError naming it and the cause', (name, message) =>
    withPage(async (page) => {
      await openHost(page, pageUrl());
      const outcome = await runPlugin(page, `${name}@1.0.0`);
      expect(outcome).toMatchObject({ status: 'failed', code: 'E_LOAD' });
      expect(outcome.error).toMatch(message);
    }),
  );
});

describe('the example host page at phone width', () => {
  it('wraps integrity strings and errors instead of widening the page past 390 px', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const page = await context.newPage();
      await openHost(page, pageUrl());
      expect((await runPlugin(page, 'greeter', { who: 'phone' })).status).toBe('done');
      expect((await runPlugin(page, 'no-such-plugin')).status).toBe('failed');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    } finally {
      await context.close();
    }
  });
});

describe('the example host page under other Content-Security-Policies', () => {
  const auto = (path: PagePath) => pageUrl(path, registry, 'example', { scheme: 'auto' });

  it('imports through data: URLs, the faster scheme, when the policy allows both (no refused probe)', () =>
    withPage(
      async (page) => {
        await openHost(page, auto('/blob-and-data.html'));
        expect((await runPlugin(page, 'greeter', { who: 'CSP' })).result).toBe('Hello, CSP! (greeter@1.0.0 via data)');
      },
      { console: true },
    ));

  it('imports through data: URLs when the policy refuses blob:', () =>
    withPage(async (page) => {
      await openHost(page, auto('/data-only.html'));
      expect((await runPlugin(page, 'greeter', { who: 'CSP' })).result).toBe('Hello, CSP! (greeter@1.0.0 via data)');
    }));

  it('falls back to blob: URLs when the policy refuses data:, in the page and in its workers', () =>
    withPage(async (page) => {
      await openHost(page, auto('/index.html'));
      expect((await runPlugin(page, 'greeter', { who: 'CSP' })).result).toBe('Hello, CSP! (greeter@1.0.0 via blob)');
      const inWorker = await page.evaluate(async () => {
        const { host } = window.plughubExample;
        await host.unload('greeter');
        await host.load('greeter@^1', { isolation: 'worker' });
        return host.execute('greeter', { values: { who: 'worker' } });
      });
      expect(inWorker).toBe('Hello, worker! (greeter@1.0.0 via blob)');
    }));

  it('reports a PluginLoadError pointing at the policy when it refuses blob: and data:', () =>
    withPage(async (page) => {
      await openHost(page, auto('/strict.html'));
      const outcome = await runPlugin(page, 'greeter', { who: 'CSP' });
      expect(outcome).toMatchObject({ status: 'failed', code: 'E_LOAD' });
      expect(outcome.error).toMatch(
        /^PluginLoadError: greeter@1\.0\.0: import failed: this page refuses modules from blob: and data: URLs \(its Content-Security-Policy needs script-src blob: or data:\): TypeError: /,
      );
    }));

  it.each([
    ['/blob-and-data.html' as const, 'data'],
    ['/index.html' as const, 'blob'],
  ])('on %s gives stack traces through %s: URLs that name the plugin, line and column', (path, scheme) =>
    withPage(async (page) => {
      await openHost(page, auto(path));
      expect((await runPlugin(page, 'greeter', { who: 'scheme' })).result).toBe(`Hello, scheme! (greeter@1.0.0 via ${scheme})`);
      const stack = await page.evaluate(() =>
        window.plughubExample.host.load('throws@1.0.0').then(
          () => 'loaded',
          (error: Error) => String((error.cause as Error | undefined)?.stack),
        ),
      );
      expect(stack).toMatch(/^RangeError: no configuration found\n {4}at plughub:throws@1\.0\.0:1:7$/m);
      expect(stack.length).toBeLessThan(400);
    }),
  );
});
