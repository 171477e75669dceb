/**
 * Plugin routes served inside the browser (Debian's headless Chromium): the
 * Service Worker example (examples/service-worker) registers its worker,
 * loads a route-serving plugin from a real registry on another origin, and
 * the page's own `fetch('/api/plugin/…')` is answered by the plugin through
 * the worker; after the app goes offline (no network, registry and page
 * server stopped) a reload opens the app from Cache Storage, the plugin loads
 * from IndexedDB and the same fetch is answered again. Also: `host.fetch` in
 * the page; a plugin in a module Web Worker answering through the service
 * worker; a path the worker does not claim reaches the network; a page
 * without a host is answered by another page of the app that has one, and
 * with none open gets 503 JSON; a request body over the limit gets 413.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserPluginHost } from '../../src/browser/host.js';
import { launchChromium, pageProblems } from './support/chromium.js';
import { startRegistry, type TestRegistry } from './support/registry.js';
import { EXAMPLE_PLUGIN, HELLO_TEXT, bundleServiceWorkerApp, serveServiceWorkerApp } from './support/service-worker-app.js';
import type { StaticServer } from './support/static-server.js';

declare global {
  interface Window {
    plughubServiceWorkerExample: { host: BrowserPluginHost };
  }
}

/** What a fetch in the page answered. */
interface Answer {
  status: number;
  type: string | null;
  body: string;
}

let browser: Browser;
let registry: TestRegistry;
let bundles: Awaited<ReturnType<typeof bundleServiceWorkerApp>>;
let server: StaticServer;

const { manifest, code } = EXAMPLE_PLUGIN;
const served = `${manifest.name}@${manifest.version}`;

/** Starts a registry that has the example plugin. */
async function registryWithPlugin(): Promise<TestRegistry> {
  const started = await startRegistry();
  await started.publish(manifest.name, manifest.version, code, manifest);
  return started;
}

beforeAll(async () => {
  [registry, bundles, browser] = await Promise.all([registryWithPlugin(), bundleServiceWorkerApp(), launchChromium()]);
  server = await serveServiceWorkerApp(bundles);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await registry?.remove();
});

/** Runs `test` in a fresh browser context (no service worker, empty IndexedDB and Cache Storage), closed afterwards. */
async function withContext(test: (context: BrowserContext) => Promise<void>) {
  const context = await browser.newContext();
  try {
    await test(context);
  } finally {
    await context.close();
  }
}

/** Opens the example app from `app` with plugins from `from`, and waits until its plugin is loaded under the worker's control. */
async function openApp(context: BrowserContext, app: StaticServer = server, from: TestRegistry = registry): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems = pageProblems(page);
  await page.goto(`${app.origin}/index.html?${new URLSearchParams({ registry: from.url, db: 'sw-example' })}`);
  expect(await waitForStatus(page), (await logLines(page)).join('\n')).toBe('ready');
  return { page, problems };
}

/** Waits until the app says it is ready or failed. */
async function waitForStatus(page: Page): Promise<string> {
  const handle = await page.waitForFunction(() => {
    const status = document.getElementById('status')?.textContent ?? '';
    return status === 'ready' || status === 'failed' ? status : undefined;
  });
  return (await handle.jsonValue()) as string;
}

function logLines(page: Page): Promise<string[]> {
  return page.$$eval('#log li', (items) => items.map((item) => item.textContent ?? ''));
}

/** The page's own `fetch(path, init)`, as plain data. */
function pageFetch(page: Page, path: string, init: { method?: string; body?: string } = {}): Promise<Answer> {
  return page.evaluate(
    async ([path, init]) => {
      const response = await fetch(path, init);
      return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
    },
    [path, init] as const,
  );
}

describe('plugin routes through the Service Worker example', () => {
  it('answers the page’s fetch of a plugin route with the plugin, and again after an offline reload, from IndexedDB', async () => {
    const offlineRegistry = await registryWithPlugin();
    const offlineServer = await serveServiceWorkerApp(bundles);
    let serving = true;
    try {
      await withContext(async (context) => {
        const { page, problems } = await openApp(context, offlineServer, offlineRegistry);
        const online = await pageFetch(page, '/api/plugin/sample/42?q=online');
        expect(online).toEqual({ status: 200, type: expect.stringMatching(/^application\/json/), body: expect.any(String) });
        expect(JSON.parse(online.body)).toEqual({ id: '42', query: 'online', served });
        const echoed = await pageFetch(page, '/api/plugin/sample/echo', { method: 'POST', body: 'posted text' });
        expect(JSON.parse(echoed.body)).toEqual({ echoed: 'posted text', served });
        expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${offlineServer.origin}/sw.js`);

        await context.setOffline(true);
        serving = false;
        await Promise.all([offlineRegistry.close(), offlineServer.close()]);
        await page.reload();
        expect(await waitForStatus(page), (await logLines(page)).join('\n')).toBe('ready');
        // The cached document is still fresh (max-age=60): the reloaded page loads from IndexedDB without asking the stopped registry.
        expect((await logLines(page)).join('\n')).not.toMatch(/unreachable/);
        const offline = await pageFetch(page, '/api/plugin/sample/7?q=offline');
        expect(offline.status).toBe(200);
        expect(JSON.parse(offline.body)).toEqual({ id: '7', query: 'offline', served });
        expect(problems).toEqual([]);
      });
    } finally {
      await Promise.all([offlineRegistry.remove(), serving ? offlineServer.close() : undefined]);
    }
  });

  it('runs host.fetch(new Request(…)) in the page on the loaded plugin, without the worker', () =>
    withContext(async (context) => {
      const { page, problems } = await openApp(context);
      const answer = await page.evaluate(async () => {
        const response = await window.plughubServiceWorkerExample.host.fetch(new Request(`${location.origin}/api/plugin/sample/abc%20d?q=direct`));
        return { status: response.status, body: await response.json() };
      });
      expect(answer).toEqual({ status: 200, body: { id: 'abc d', query: 'direct', served } });
      expect(problems).toEqual([]);
    }));

  it('serves the routes of the plugin loaded into a module Web Worker (isolation: worker) through the service worker', () =>
    withContext(async (context) => {
      const { page, problems } = await openApp(context);
      const isolation = await page.evaluate(async () => {
        const { host } = window.plughubServiceWorkerExample;
        await host.unload('sample-routes');
        return (await host.load('sample-routes@^1', { isolation: 'worker' })).isolation;
      });
      expect(isolation).toBe('worker');
      expect(JSON.parse((await pageFetch(page, '/api/plugin/sample/w?q=isolated')).body)).toEqual({ id: 'w', query: 'isolated', served });
      const echoed = await pageFetch(page, '/api/plugin/sample/echo', { method: 'POST', body: 'across two hops' });
      expect(JSON.parse(echoed.body)).toEqual({ echoed: 'across two hops', served });
      expect(problems).toEqual([]);
    }));

  it('leaves paths it does not claim to the network, and relays unmatched plugin paths to the host (404 JSON)', () =>
    withContext(async (context) => {
      const { page } = await openApp(context);
      expect(await pageFetch(page, '/hello.txt')).toEqual({ status: 200, type: 'text/plain; charset=utf-8', body: HELLO_TEXT });
      const missing = await pageFetch(page, '/api/plugin/nothing/here');
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
      const wrongMethod = await pageFetch(page, '/api/plugin/sample/42', { method: 'DELETE' });
      expect(wrongMethod.status).toBe(405);
    }));

  it('has another page of the app answer for a page without a host, and answers 503 JSON when no page has one', () =>
    withContext(async (context) => {
      const { page: app } = await openApp(context);
      const plain = await context.newPage();
      await plain.goto(`${server.origin}/plain.html`);
      expect(await plain.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
      const relayed = await pageFetch(plain, '/api/plugin/sample/9');
      expect(JSON.parse(relayed.body)).toEqual({ id: '9', query: null, served });

      await app.close();
      const alone = await pageFetch(plain, '/api/plugin/sample/9');
      expect(alone).toMatchObject({ status: 503, type: expect.stringMatching(/^application\/json/) });
      expect(JSON.parse(alone.body)).toEqual({
        error: { code: 'E_NO_HOST', message: 'GET /api/plugin/sample/9: no open page of this app runs a plugin host (connectServiceWorker) to answer it' },
      });
    }));

  it('answers 413 JSON to a request body over the limit, without relaying it', () =>
    withContext(async (context) => {
      const { page } = await openApp(context);
      const answer = await page.evaluate(async () => {
        const response = await fetch('/api/plugin/sample/echo', { method: 'POST', body: new Uint8Array(4 * 1024 * 1024 + 1) });
        return { status: response.status, body: await response.json() };
      });
      expect(answer).toEqual({
        status: 413,
        body: { error: { code: 'E_TOO_LARGE', message: 'POST /api/plugin/sample/echo: the request body is over the limit of 4194304 bytes' } },
      });
    }));
});
